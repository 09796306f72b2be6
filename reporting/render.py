"""Charts to PNG/PDF on the server with kaleido 1.x and a Chromium on the machine.

One browser session per process is started on first use and reused (about 0.1-0.4 s a chart
instead of ~4 s); calls are serialised with a lock, because concurrent calls were seen to
return each other's images. The renderer lives on the app object, not in a module global.

A background job runs in another process (a fork of the web worker, or a Celery worker on the
same machine) and would start a browser of its own (~3 s, and ~1 s to close it). Instead it
draws on the web worker's warm session: `ChartRenderer.address()` opens a Unix socket (in a
directory only this user can enter) served by a thread of the web worker, and the job's
`RemoteRenderer` sends each figure there as JSON and gets the image back. When the socket does
not answer (the worker is gone, another machine) the job draws with a browser of its own.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import threading
import warnings
from multiprocessing.connection import Client, Connection, Listener

import plotly.graph_objects as go
import plotly.io as pio

from etl.core.settings import load_settings

BROWSER_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
INSTALL_HINT_VI = (
    "Máy chủ chưa có trình duyệt Chromium để xuất biểu đồ. Cài bằng: "
    "sudo apt-get install chromium fonts-noto-core fonts-dejavu-core "
    "(hoặc chạy .venv/bin/plotly_get_chrome khi có Internet). Trong lúc chờ, dùng nút máy ảnh "
    "trên từng biểu đồ để lưu ảnh PNG."
)
INSTALL_HINT_EN = "No Chromium on the server: install chromium (or run plotly_get_chrome)."


class ExportUnavailable(RuntimeError):
    """Charts cannot be rendered here; the message says what to install (Vietnamese first)."""


def find_browser() -> str | None:
    """A Chromium kaleido can drive: BROWSER_PATH, then the usual names on PATH."""
    path = load_settings().browser_path
    if path and os.path.exists(path):
        return path
    for name in BROWSER_NAMES:
        found = shutil.which(name)
        if found:
            return found
    try:  # a Chrome downloaded by plotly_get_chrome / choreographer
        from choreographer.browsers.chromium import Chromium

        return str(Chromium.find_browser(skip_local=False) or "") or None
    except Exception:
        return None


SOCKET_NAME = "render.sock"
ANSWER_OK, ANSWER_UNAVAILABLE = b"o", b"u"


class ChartRenderer:
    """Renders figures to bytes, one kaleido session per process, one chart at a time."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._started = False
        self._serve_lock = threading.Lock()
        self._listener: Listener | None = None
        self._serving_pid: int | None = None

    def problem(self) -> str | None:
        """Why charts cannot be rendered here, or None."""
        return None if find_browser() else INSTALL_HINT_VI

    def render(
        self, fig: go.Figure, fmt: str, *, width: int = 900, height: int = 420, scale: float = 2
    ) -> bytes:
        if fmt not in ("png", "pdf", "svg"):
            raise ValueError(fmt)
        if self.problem():
            raise ExportUnavailable(INSTALL_HINT_VI)
        import kaleido

        with self._lock:
            try:
                if not self._started:
                    kaleido.start_sync_server(mathjax=False, silence_warnings=True)
                    self._started = True
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore", UserWarning)
                    return pio.to_image(fig, format=fmt, width=width, height=height, scale=scale)
            except (RuntimeError, OSError) as exc:
                raise ExportUnavailable(f"{INSTALL_HINT_VI} ({exc})") from exc

    def address(self) -> str:
        """The socket on which this renderer draws for other processes (`RemoteRenderer`),
        opened on the first call and served by a thread of this process until `close`."""
        with self._serve_lock:
            if self._listener is None or self._serving_pid != os.getpid():
                folder = tempfile.mkdtemp(prefix="tgbc-render-")  # mode 0700
                self._listener = Listener(os.path.join(folder, SOCKET_NAME), family="AF_UNIX")
                self._serving_pid = os.getpid()
                listener = self._listener
                threading.Thread(
                    target=self._serve, args=(listener,), name="chart-renderer", daemon=True
                ).start()
            return str(self._listener.address)

    def _serve(self, listener: Listener) -> None:
        while True:
            try:
                conn = listener.accept()
            except OSError:  # closed
                return
            threading.Thread(target=self._answer, args=(conn,), daemon=True).start()

    def _answer(self, conn: Connection) -> None:
        """One request: a figure as JSON and its options; the image back, or why not."""
        with conn:
            try:
                request = json.loads(conn.recv_bytes())
                fig = pio.from_json(request["figure"], skip_invalid=True)
                options = {k: request[k] for k in ("width", "height", "scale")}
                answer = ANSWER_OK + self.render(fig, request["format"], **options)
            except ExportUnavailable as exc:
                answer = ANSWER_UNAVAILABLE + str(exc).encode()
            except (OSError, EOFError):
                return
            except Exception as exc:  # a bad request: say so, keep serving
                answer = ANSWER_UNAVAILABLE + f"{INSTALL_HINT_VI} ({exc})".encode()
            try:
                conn.send_bytes(answer)
            except OSError:
                pass

    def close(self) -> None:
        if self._started:
            import kaleido

            kaleido.stop_sync_server(silence_warnings=True)
            self._started = False
        with self._serve_lock:
            if self._listener is not None and self._serving_pid == os.getpid():
                folder = os.path.dirname(str(self._listener.address))
                self._listener.close()
                shutil.rmtree(folder, ignore_errors=True)
            self._listener = None


class RemoteRenderer:
    """A chart renderer for a background job: draws on the warm session of the web worker
    listening at `address` (`ChartRenderer.address`), else, when that does not answer, on a
    browser of its own (closed by `close`)."""

    def __init__(self, address: str | None, local: ChartRenderer | None = None) -> None:
        self._address = address if address and os.path.exists(address) else None
        self._local = local

    def problem(self) -> str | None:
        return None if find_browser() else INSTALL_HINT_VI

    def render(
        self, fig: go.Figure, fmt: str, *, width: int = 900, height: int = 420, scale: float = 2
    ) -> bytes:
        if fmt not in ("png", "pdf", "svg"):
            raise ValueError(fmt)
        if self._address:
            try:
                return self._ask(fig, fmt, width=width, height=height, scale=scale)
            except (OSError, EOFError):
                self._address = None  # the web worker is gone: draw here from now on
        if self._local is None:
            self._local = ChartRenderer()
        return self._local.render(fig, fmt, width=width, height=height, scale=scale)

    def _ask(self, fig: go.Figure, fmt: str, **options: float) -> bytes:
        request = {"figure": fig.to_json(), "format": fmt, **options}
        with Client(str(self._address), family="AF_UNIX") as conn:
            conn.send_bytes(json.dumps(request).encode())
            answer = conn.recv_bytes()
        if answer[:1] == ANSWER_OK:
            return answer[1:]
        raise ExportUnavailable(answer[1:].decode())

    def close(self) -> None:
        if self._local is not None:
            self._local.close()
