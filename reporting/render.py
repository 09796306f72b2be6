"""Charts to PNG/PDF on the server with kaleido 1.x and a Chromium on the machine.

One browser session per process is started on first use and reused (about 0.1-0.4 s a chart
instead of ~4 s); calls are serialised with a lock, because concurrent calls were seen to
return each other's images. The renderer lives on the app object, not in a module global.
"""

from __future__ import annotations

import os
import shutil
import threading
import warnings

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


class ChartRenderer:
    """Renders figures to bytes, one kaleido session per process, one chart at a time."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._started = False

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

    def close(self) -> None:
        if self._started:
            import kaleido

            kaleido.stop_sync_server(silence_warnings=True)
            self._started = False
