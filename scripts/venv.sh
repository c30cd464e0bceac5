# Sourced by app.sh and test.sh: create or reuse .venv inside the project and install
# the given requirements file once (re-installs only when the file changes).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$ROOT/.venv"
REQ="$ROOT/$1"
PY="${PYTHON:-python3}"
if [ ! -x "$VENV/bin/python" ]; then
  echo "[convscope] creating virtual environment in $VENV"
  "$PY" -m venv "$VENV"
fi
stamp="$VENV/.installed-$(basename "$REQ")"
want="$(cat "$ROOT/requirements.txt" "$REQ" | sha256sum | cut -d' ' -f1)"
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  echo "[convscope] installing $(basename "$REQ") (torch is large: the first time takes a few minutes)"
  "$VENV/bin/python" -m pip install --quiet --upgrade pip
  "$VENV/bin/python" -m pip install --quiet -r "$REQ"
  echo "$want" > "$stamp"
fi
export PATH="$VENV/bin:$PATH"
cd "$ROOT"
