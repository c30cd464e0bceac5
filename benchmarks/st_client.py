"""A simulated student: speaks Streamlit's websocket protocol to a running app, as the bundled frontend does.

What it does like the browser (streamlit/static/static/js/index.*.js, Streamlit 1.67):
- connects to ``/_stcore/stream`` with subprotocols ``["streamlit", <xsrf cookie>]`` after fetching the
  page's HTML (which sets the cookie), Origin = the app's own address;
- first run: ``BackMsg.rerun_script`` with ``page_name`` = the URL path (deep link) and the query string;
  later runs: ``page_script_hash`` from ``new_session``, the query string the app last set
  (``page_info_changed``), and the WidgetStates of every widget on the page;
- keeps its own widget values (the server never echoes them): a widget's value is taken from its proto
  (``value`` when ``set_value``, else ``default``) only when the client has none yet;
- caches ForwardMsgs marked ``metadata.cacheable``, sends their hashes in ``cached_message_hashes``,
  resolves ``ref_hash`` replies from that cache and drops entries unused for ``max_cached_message_age`` runs;
- runs ``auto_rerun`` timers for ``st.fragment(run_every=…)`` (cleared by a full run and ``stop_auto_rerun``);
- a widget drawn inside a fragment reruns only that fragment (``fragment_id`` in the ClientState).

Only loopback addresses are accepted. Every wait is bounded by ``timeout``.
"""
from __future__ import annotations

import asyncio
import re
import time
import urllib.request
from typing import Any
from urllib.parse import urlsplit

from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.RootContainer_pb2 import RootContainer
from websockets.asyncio.client import connect

from st_widgets import WIDGET_KINDS, Run, Widget, initial_value

FINISHED = ForwardMsg.ScriptFinishedStatus


def require_loopback(url: str) -> None:
    host = urlsplit(url).hostname
    if host not in ("127.0.0.1", "localhost", "::1"):
        raise ValueError(f"only loopback servers are allowed, not {host!r}")


class Session:
    """One browser tab on the app. Use ``await open(page)``, then ``set_value``/``click``, then ``close``."""

    def __init__(self, base_url: str, *, timeout: float = 120.0) -> None:
        require_loopback(base_url)
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.ws = None
        self.query_string = ""
        self.page_hash = ""
        self.pages: dict[str, str] = {}          # url path -> page_script_hash (navigation message)
        self.widgets: dict[str, Widget] = {}     # every widget seen on the current page
        self.values: dict[str, tuple[str, Any]] = {}
        self.active: set[str] = set()
        self.cache: dict[str, list] = {}         # hash -> [ForwardMsg, last used run count]
        self.run_count = 0
        self.max_age = 2
        self.timers: dict[str, tuple[float, asyncio.Task]] = {}
        self.sidebar_seen = False
        self.layout = None
        self.exceptions: list[str] = []
        self.cookies: dict[str, str] = {}
        self.media_urls: list[str] = []
        self.media_seen: set[str] = set()
        self.cache_misses = 0
        self.auto_reruns = 0
        self.full_run_done = asyncio.Event()    # set on each finished full run (for job watchers)
        self.last_update = 0.0                   # monotonic time of the last delta (anything drawn)
        self.last_texts: dict[str, str] = {}     # element kind -> text of the newest progress bar / alert
        self._waiter: dict | None = None
        self._reader: asyncio.Task | None = None
        self._send_lock = asyncio.Lock()

    # ------------------------------------------------------------------ connection
    def _http_get(self, path: str) -> tuple[int, list[str]]:
        """GET ``path`` with this tab's cookies; returns (bytes read, Set-Cookie headers)."""
        req = urllib.request.Request(f"{self.base_url}{path}")
        if self.cookies:
            req.add_header("Cookie", "; ".join(f"{k}={v}" for k, v in self.cookies.items()))
        with urllib.request.urlopen(req, timeout=self.timeout) as r:
            n = len(r.read())
            return n, r.headers.get_all("Set-Cookie") or []

    async def _load_html(self, page: str) -> None:
        """The page's HTML, as the browser fetches it first: sets the XSRF (and a proxy's sticky) cookie."""
        _, set_cookies = await asyncio.to_thread(self._http_get, f"/{page}")
        for c in set_cookies:
            name, _, rest = c.partition("=")
            self.cookies[name.strip()] = rest.split(";", 1)[0]

    async def fetch_media(self) -> int:
        """GET the images the last runs referenced (``/media/…`` URLs), once each, as the browser does."""
        urls = [u for u in self.media_urls if u not in self.media_seen]
        self.media_seen.update(urls)
        total = 0
        for u in urls:
            try:
                total += (await asyncio.to_thread(self._http_get, u))[0]
            except OSError as exc:
                self.exceptions.append(f"media {u}: {exc}")
        self.media_urls.clear()
        return total

    async def open(self, page: str = "", query: str = "") -> Run:
        """Load ``/<page>?<query>`` as a fresh tab: HTML, websocket, first script run."""
        await self._load_html(page)
        token = self.cookies.get("_streamlit_xsrf", "PLACEHOLDER_AUTH_TOKEN")
        ws_url = "ws" + self.base_url[4:] + "/_stcore/stream"
        cookie = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        self.ws = await asyncio.wait_for(connect(
            ws_url, subprotocols=["streamlit", token], origin=self.base_url,
            additional_headers={"Cookie": cookie} if cookie else None,
            max_size=None, open_timeout=self.timeout, ping_interval=None), self.timeout)
        self._reader = asyncio.create_task(self._read_forever())
        self.query_string = query
        run = await self._rerun(page_name=page)
        run.media_bytes = await self.fetch_media()
        return run

    async def close(self) -> None:
        for _, task in self.timers.values():
            task.cancel()
        self.timers.clear()
        if self.ws is not None:
            await self.ws.close()
        if self._reader is not None:
            self._reader.cancel()
            await asyncio.gather(self._reader, return_exceptions=True)

    # ------------------------------------------------------------------ requests
    def find(self, pattern: str, kinds: tuple[str, ...] = WIDGET_KINDS, *, main_only: bool = True) -> Widget | None:
        """The first active widget whose label matches ``pattern`` (regex, case-insensitive)."""
        for wid in self._ordered_active():
            w = self.widgets[wid]
            if w.kind in kinds and re.search(pattern, w.label, re.I) and not (main_only and w.in_sidebar):
                if not getattr(w.proto, "disabled", False):
                    return w
        return None

    def _ordered_active(self) -> list[str]:
        return [wid for wid in self.widgets if wid in self.active]

    def value_of(self, w: Widget) -> Any:
        return self.values.get(w.id, (None, None))[1]

    async def set_value(self, w: Widget, value: Any) -> Run:
        """Change a widget as a user would; reruns the app (or only the widget's fragment)."""
        field_name = self.values.get(w.id, initial_value(w) or ("", None))[0]
        self.values[w.id] = (field_name, value)
        run = await self._rerun(fragment_id=w.fragment_id)
        run.media_bytes = await self.fetch_media()
        return run

    async def click(self, w: Widget) -> Run:
        run = await self._rerun(fragment_id=w.fragment_id, trigger=w.id)
        run.media_bytes = await self.fetch_media()
        return run

    def _client_state(self, *, page_name: str, fragment_id: str, trigger: str | None, auto: bool):
        msg = BackMsg()
        cs = msg.rerun_script
        cs.query_string = self.query_string
        cs.page_name = page_name if not self.page_hash else ""
        cs.page_script_hash = self.page_hash
        cs.fragment_id = fragment_id
        cs.is_auto_rerun = auto
        cs.cached_message_hashes.extend(self.cache.keys())
        cs.context_info.timezone = "UTC"
        cs.context_info.locale = "en-US"
        cs.context_info.url = f"{self.base_url}/{page_name}"
        for wid in self._ordered_active():
            if wid in self.values and self.values[wid][0]:
                field_name, value = self.values[wid]
                ws = cs.widget_states.widgets.add(id=wid)
                if isinstance(value, list):
                    getattr(ws, field_name).data.extend(value)
                else:
                    setattr(ws, field_name, value)
        if trigger:
            cs.widget_states.widgets.add(id=trigger, trigger_value=True)
        return msg

    async def _rerun(self, *, page_name: str = "", fragment_id: str = "", trigger: str | None = None) -> Run:
        run = Run()
        loop = asyncio.get_running_loop()
        self._waiter = {"fragment": fragment_id, "run_id": None, "run": run, "done": loop.create_future()}
        t0 = time.perf_counter()
        await self._send(self._client_state(page_name=page_name, fragment_id=fragment_id, trigger=trigger,
                                            auto=False))
        try:
            await asyncio.wait_for(asyncio.shield(self._waiter["done"]), self.timeout)
        except asyncio.TimeoutError:
            run.status = "timeout"
        except ConnectionError as exc:
            run.status = f"disconnected: {exc}"
        run.latency_s = time.perf_counter() - t0
        self._waiter = None
        return run

    async def _send(self, msg: BackMsg) -> None:
        async with self._send_lock:
            await self.ws.send(msg.SerializeToString())

    # ------------------------------------------------------------------ fragments' timers
    def _start_timer(self, fragment_id: str, interval: float) -> None:
        old = self.timers.get(fragment_id)
        if old and old[0] == interval:
            return
        if old:
            old[1].cancel()
        self.timers[fragment_id] = (interval, asyncio.create_task(self._tick(fragment_id, interval)))

    async def _tick(self, fragment_id: str, interval: float) -> None:
        while True:  # bounded by the session: close() or the next full run cancels it
            await asyncio.sleep(interval)
            self.auto_reruns += 1
            await self._send(self._client_state(page_name="", fragment_id=fragment_id, trigger=None, auto=True))

    def _stop_timers(self, ids: list[str] | None = None) -> None:
        for fid in list(self.timers) if ids is None else ids:
            entry = self.timers.pop(fid, None)
            if entry:
                entry[1].cancel()

    # ------------------------------------------------------------------ reading ForwardMsgs
    async def _read_forever(self) -> None:
        try:
            async for raw in self.ws:
                self._handle(raw)
        except Exception as exc:  # the connection dropped: fail whoever waits
            if self._waiter and not self._waiter["done"].done():
                self._waiter["done"].set_exception(ConnectionError(str(exc)))
            return
        if self._waiter and not self._waiter["done"].done():
            self._waiter["done"].set_exception(ConnectionError("server closed the websocket"))

    def _resolve_ref(self, msg: ForwardMsg) -> ForwardMsg | None:
        entry = self.cache.get(msg.ref_hash)
        if entry is None:
            self.cache_misses += 1
            self.exceptions.append(f"cached message miss {msg.ref_hash}")
            return None
        entry[1] = self.run_count
        real = ForwardMsg()
        real.CopyFrom(entry[0])
        real.metadata.CopyFrom(msg.metadata)
        return real

    def _handle(self, raw: bytes) -> None:
        msg = ForwardMsg()
        msg.ParseFromString(raw)
        if self._waiter:
            self._waiter["run"].bytes += len(raw)
            self._waiter["run"].messages += 1
        kind = msg.WhichOneof("type")
        if kind == "ref_hash":
            msg = self._resolve_ref(msg)
            if msg is None:
                return
            kind = msg.WhichOneof("type")
        elif msg.metadata.cacheable and msg.hash:
            self.cache.setdefault(msg.hash, [msg, 0])[1] = self.run_count
        handler = getattr(self, f"_on_{kind}", None)
        if handler is not None:
            handler(msg)

    def _on_new_session(self, msg: ForwardMsg) -> None:
        ns = msg.new_session
        if ns.config.max_cached_message_age:
            self.max_age = ns.config.max_cached_message_age
        frags = list(msg.metadata.run.fragment_ids)
        if not frags:  # a full run: the page is redrawn, timers re-registered by the run
            self.page_hash = ns.page_script_hash
            self._stop_timers()
            self.active = set()
        self.pages.update({p.url_pathname: p.page_script_hash for p in ns.app_pages})
        w = self._waiter
        if w and w["run_id"] is None and ((not w["fragment"] and not frags) or w["fragment"] in frags):
            w["run_id"] = msg.metadata.run.script_run_id

    def _on_navigation(self, msg: ForwardMsg) -> None:
        # The page st.navigation actually ran: new_session only knows the main script on a deep link.
        if msg.navigation.page_script_hash:
            self.page_hash = msg.navigation.page_script_hash
        self.pages.update({p.url_pathname: p.page_script_hash for p in msg.navigation.app_pages})

    def _on_page_info_changed(self, msg: ForwardMsg) -> None:
        self.query_string = msg.page_info_changed.query_string

    def _on_page_config_changed(self, msg: ForwardMsg) -> None:
        self.layout = msg.page_config_changed.layout

    def _on_auto_rerun(self, msg: ForwardMsg) -> None:
        self._start_timer(msg.auto_rerun.fragment_id, msg.auto_rerun.interval)

    def _on_stop_auto_rerun(self, msg: ForwardMsg) -> None:
        self._stop_timers(list(msg.stop_auto_rerun.fragment_ids))

    def _on_page_not_found(self, msg: ForwardMsg) -> None:
        self.exceptions.append(f"page not found: {msg.page_not_found.page_name}")

    def _on_delta(self, msg: ForwardMsg) -> None:
        path = list(msg.metadata.delta_path)
        in_sidebar = bool(path) and path[0] == RootContainer.SIDEBAR
        self.sidebar_seen |= in_sidebar
        self.last_update = time.monotonic()
        if msg.delta.WhichOneof("type") != "new_element":
            return
        el = msg.delta.new_element
        kind = el.WhichOneof("type")
        run = self._waiter["run"] if self._waiter else None
        if kind == "exception":
            text = f"{el.exception.type}: {el.exception.message}"
            self.exceptions.append(text)
            if run:
                run.exceptions.append(text)
        elif kind == "imgs":
            self.media_urls.extend(i.url for i in el.imgs.imgs if i.url.startswith("/media/"))
        elif kind == "progress":
            self.last_texts["progress"] = el.progress.text
        elif kind == "alert":
            self.last_texts["alert"] = el.alert.body
            if run is not None and el.alert.format == el.alert.ERROR:
                run.error_boxes.append(el.alert.body[:200])
        elif kind in WIDGET_KINDS:
            self._register_widget(kind, getattr(el, kind), msg.delta.fragment_id, in_sidebar)

    def _register_widget(self, kind: str, proto: Any, fragment_id: str, in_sidebar: bool) -> None:
        w = Widget(id=proto.id, kind=kind, label=proto.label, proto=proto, fragment_id=fragment_id,
                   in_sidebar=in_sidebar)
        self.widgets[w.id] = w
        self.active.add(w.id)
        if w.id not in self.values or getattr(proto, "set_value", False):
            initial = initial_value(w)
            if initial is not None:
                self.values[w.id] = initial

    def _on_script_finished(self, msg: ForwardMsg) -> None:
        status = msg.script_finished
        frags = list(msg.metadata.run.fragment_ids)
        if status != FINISHED.FINISHED_EARLY_FOR_RERUN:
            self.run_count += 1
            self._expire_cache(frags)
        if status in (FINISHED.FINISHED_SUCCESSFULLY, FINISHED.FINISHED_WITH_COMPILE_ERROR) and not frags:
            self.full_run_done.set()
        w = self._waiter
        if not w or w["done"].done():
            return
        run_id = msg.metadata.run.script_run_id
        if run_id and run_id != w["run_id"]:
            return  # another run's end (an auto-rerun fragment, say)
        if status == FINISHED.FINISHED_EARLY_FOR_RERUN:
            w["run_id"] = None  # superseded: wait for the run that replaced it
            return
        w["run"].status = {FINISHED.FINISHED_SUCCESSFULLY: "ok", FINISHED.FINISHED_FRAGMENT_RUN_SUCCESSFULLY:
                           "fragment_ok"}.get(status, "compile_error")
        w["done"].set_result(True)

    def _expire_cache(self, fragment_ids: list[str]) -> None:
        for h, (m, last) in list(self.cache.items()):
            if fragment_ids and m.delta.fragment_id not in fragment_ids:
                continue
            if self.run_count - last > self.max_age:
                del self.cache[h]
