"""Which query keys a page can read, found in its source text (nothing is imported, no Streamlit).

A development check for deep links (the lecture tour): a key is known to a page when it
appears in the page's file or a ``ui`` module the page imports as a string literal
(``url.bind("size", …)``, ``KEY = {"hidden": "mn_hidden"}``), or as a literal with a prefix
or suffix the sources build keys with (``K + name`` with ``K = "geo_"``, ``f"sty_{name}"``,
``f"{key}_src"``). Loose on purpose: it cannot tell a key from any other word in the source,
so it catches renamed and misspelt keys, not bad values; tests/test_tour.py checks values by
running the pages.
"""
from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
#: Keys every page accepts: the sidebar's presentation mode and the tour's position.
GLOBAL_KEYS = frozenset({"present", "tour"})


def menu_pages(root: Path = ROOT) -> dict[str, Path]:
    """url path -> page file, read from ui/menu.py's ``PAGES`` table (pages whose file exists)."""
    tree = ast.parse((root / "ui" / "menu.py").read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and any(getattr(t, "id", "") == "PAGES" for t in node.targets):
            rows = ast.literal_eval(node.value)
            return {path: root / file for file, _title, _icon, path in rows if (root / file).is_file()}
    raise LookupError("ui/menu.py has no PAGES table")


@dataclass(frozen=True)
class Vocabulary:
    literals: frozenset[str]
    prefixes: frozenset[str]
    suffixes: frozenset[str]

    def knows(self, key: str) -> bool:
        if key in self.literals or key in GLOBAL_KEYS:
            return True
        if any(key.startswith(p) and key[len(p):] in self.literals for p in self.prefixes):
            return True
        return any(key.endswith(s) and key[: -len(s)] in self.literals for s in self.suffixes)


def _ui_modules(tree: ast.Module, root: Path) -> list[Path]:
    """The ui/*.py files a page imports (``from ui.x import …``, ``from ui import x``, ``import ui.x``)."""
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module == "ui":
            names |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("ui."):
            names.add(node.module.split(".", 1)[1])
        elif isinstance(node, ast.Import):
            names |= {a.name.split(".", 1)[1] for a in node.names if a.name.startswith("ui.")}
    return [root / "ui" / f"{n}.py" for n in sorted(names) if (root / "ui" / f"{n}.py").is_file()]


def _strings(tree: ast.Module) -> tuple[set[str], set[str], set[str]]:
    literals, prefixes, suffixes = set(), set(), set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and len(node.value) < 40:
            literals.add(node.value)
            if node.value.endswith("_"):
                prefixes.add(node.value)
        elif isinstance(node, ast.JoinedStr) and node.values:
            first, last = node.values[0], node.values[-1]
            if isinstance(first, ast.Constant) and isinstance(last, ast.FormattedValue):
                prefixes.add(first.value)
            if isinstance(last, ast.Constant) and isinstance(first, ast.FormattedValue):
                suffixes.add(last.value)
    return literals, prefixes, suffixes


def page_vocabulary(page_file: Path, root: Path = ROOT) -> Vocabulary:
    tree = ast.parse(page_file.read_text(encoding="utf-8"))
    literals, prefixes, suffixes = _strings(tree)
    for path in _ui_modules(tree, root) + [root / "ui" / "image_picker.py"]:
        more = _strings(ast.parse(path.read_text(encoding="utf-8")))
        literals |= more[0]
        prefixes |= more[1]
        suffixes |= more[2]
    return Vocabulary(frozenset(literals), frozenset(prefixes), frozenset(suffixes))


def unknown_keys(page: str, params, root: Path = ROOT) -> list[str]:
    """Keys of ``params`` that page ``page`` (a url path) shows no sign of reading; [] when all are known."""
    pages = menu_pages(root)
    if page not in pages:
        raise LookupError(f"no page with url path {page!r} in ui/menu.py (have: {', '.join(pages)})")
    vocabulary = page_vocabulary(pages[page], root)
    return [key for key in params if not vocabulary.knows(key)]
