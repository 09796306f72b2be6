"""What every response carries, and who the client is behind a declared proxy.

* **Headers on every response** (`SecurityHeaders`, a WSGI wrapper around the Flask app, so
  pages, callbacks, the API, exports, static assets, the login page, redirects and error
  pages alike): a Content-Security-Policy that allows only this site (`default-src 'self'`,
  no outside host), `X-Content-Type-Options: nosniff`, `Referrer-Policy: same-origin`, and
  no framing (`frame-ancestors 'none'`, `X-Frame-Options: DENY`).
* **Proxies declared, not guessed** (`TRUSTED_PROXIES`, a count): behind N reverse proxies
  Werkzeug's `ProxyFix` takes the client's address (the login throttle's
  `request.remote_addr`) and scheme from the last N entries of `X-Forwarded-For` and
  `X-Forwarded-Proto`; with 0 (the default) those headers are ignored, so a client cannot
  choose the address it is throttled by. `X-Forwarded-Host` is never believed: the proxy
  passes the `Host` header on (README, Deployment).

What the policy must allow for Dash, found in headless Chromium (tests/test_browser.py,
`test_pages_work_under_the_security_headers`), and why:

* `script-src 'self' 'sha256-…' 'sha256-…'`: Dash's index page has two inline scripts, the
  one that starts its renderer (`var renderer = new DashRenderer();`) and the clientside
  callback of Dash pages that sets the document's title; both are allowed by their hashes
  (`Dash.csp_hashes`), not by `'unsafe-inline'`. Dash's config is an inline
  `application/json` block: data, not script. No `'unsafe-eval'`: neither plotly.js nor
  dash-ag-grid's `{"function": …}` formatters (components/grids.py) needed it.
* `style-src 'self' 'unsafe-inline'`: Dash's renderer, its core components (dropdown, date
  picker), React DOM, plotly.js and dash-ag-grid each write `<style>` elements at run time
  (Chromium reported 60-odd blocked ones without it, the charts and grids unstyled). Styles
  cannot run script.
* `img-src 'self' data:`: AG Grid draws its icons (sort, menu, paging) as `data:` SVG images.

Everything else stays at `'self'` or `'none'`; no outside host is named anywhere.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import dash
from werkzeug.middleware.proxy_fix import ProxyFix

from etl.core.settings import Settings

StartResponse = Callable[..., Any]
WsgiApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]


def content_security_policy(script_hashes: Iterable[str]) -> str:
    """The policy, with the inline scripts Dash needs allowed by their hashes."""
    directives = {
        "default-src": ["'self'"],
        "script-src": ["'self'", *script_hashes],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
    return "; ".join(f"{name} {' '.join(values)}" for name, values in directives.items())


def security_headers(script_hashes: Iterable[str]) -> dict[str, str]:
    """The headers every response carries."""
    return {
        "Content-Security-Policy": content_security_policy(script_hashes),
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "same-origin",
        "X-Frame-Options": "DENY",
    }


class SecurityHeaders:
    """WSGI middleware: the headers `make_headers()` gives on every response, replacing any
    of the same name."""

    def __init__(self, app: WsgiApp, make_headers: Callable[[], dict[str, str]]) -> None:
        self.app = app
        self.make_headers = make_headers

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        def start(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            ours = self.make_headers()
            names = {name.lower() for name in ours}
            kept = [(k, v) for k, v in headers if k.lower() not in names]
            return start_response(status, kept + list(ours.items()), exc_info)

        return self.app(environ, start)


def install(app: dash.Dash, settings: Settings) -> None:
    """Wrap the app's server: the security headers on every response; `ProxyFix` for the
    `TRUSTED_PROXIES` in front of it, when there are any. The inline scripts' hashes are
    taken as each response starts: Dash adds the pages' clientside callback (which sets the
    document's title) to its inline scripts only when it serves its first request."""
    server = app.server
    wrapped: WsgiApp = SecurityHeaders(server.wsgi_app, lambda: security_headers(app.csp_hashes()))
    hops = settings.trusted_proxies
    if hops:
        wrapped = ProxyFix(wrapped, x_for=hops, x_proto=hops, x_host=0, x_port=0, x_prefix=0)
    server.wsgi_app = wrapped  # type: ignore[method-assign]
