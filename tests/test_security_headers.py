"""The security headers on every response (pages, callbacks, the API, exports, static assets,
redirects, error pages, the login page), and `TRUSTED_PROXIES`: forwarded headers believed
only for the declared proxies (web/security.py). The pages working under the policy in a real
browser: tests/test_browser.py."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterator

import pytest
from flask import Flask

from etl.core.settings import load_settings
from etl.storage import accounts
from tests.builders import dash_request
from tests.conftest import login
from web import context, security

PASSWORD = "mat-khau-rat-dai-1"


def assert_secured(response, what: str) -> None:
    headers = response.headers
    policy = headers.get("Content-Security-Policy", "")
    assert policy.startswith("default-src 'self'"), (what, policy)
    assert "frame-ancestors 'none'" in policy and "object-src 'none'" in policy, what
    assert "unsafe-eval" not in policy, what
    script_src = re.search(r"script-src ([^;]*)", policy).group(1).split()
    assert script_src[0] == "'self'" and all(s.startswith("'sha256-") for s in script_src[1:])
    assert not re.search(r"https?:|\*", policy), (what, policy)  # no outside host
    assert headers.get("X-Content-Type-Options") == "nosniff", what
    assert headers.get("Referrer-Policy") == "same-origin", what
    assert headers.get("X-Frame-Options") == "DENY", what


def test_every_kind_of_response_carries_the_headers(sample_app):
    client = sample_app.server.test_client()
    anonymous = {
        "redirect to the login page": client.get("/"),
        "login page": client.get("/login"),
        "failed login": client.post("/login", data={"username": "x", "password": "y"}),
        "callback without login": client.post("/_dash-update-component", json={}),
        "API without login": client.get("/api/v1/summary"),
        "static asset": client.get("/assets/style.css"),
        "not found": client.get("/khong-co-trang-nay.php"),
    }
    for what, response in anonymous.items():
        assert_secured(response, what)
    assert anonymous["static asset"].status_code == 200
    assert anonymous["not found"].status_code in (302, 404)

    token = login(client)
    page = client.get("/?as_of=2024-06-30")
    assert page.status_code == 200
    scripts = re.findall(r'<script src="(/_dash-component-suites/[^"]+)"', page.get_data(True))
    signed_in = {
        "page": page,
        "Dash layout": client.get("/_dash-layout"),
        "Dash component bundle": client.get(scripts[0]),
        "callback": client.post(
            "/_dash-update-component",
            json=dash_request("overview-content.children", [("url", "search", "?x=1")]),
            headers={"X-CSRFToken": token},
        ),
        "callback without CSRF": client.post("/_dash-update-component", json={}),
        "API": client.get("/api/v1/summary?as_of=2024-06-30"),
        "API bad parameter": client.get("/api/v1/summary?as_of=hom-qua"),
        "template download": client.get("/templates/01.xlsx"),
        "export": client.get("/export/data.xlsx?as_of=2024-06-30"),
        "not found": client.get("/export/khong-co.xlsx"),
        "method not allowed": client.delete("/login"),
    }
    for what, response in signed_in.items():
        assert_secured(response, what)
    statuses = {what: r.status_code for what, r in signed_in.items()}
    assert statuses["Dash component bundle"] == statuses["export"] == 200
    assert statuses["API bad parameter"] == 400 and statuses["callback without CSRF"] == 400
    assert statuses["method not allowed"] == 405


def test_the_policy_allows_each_inline_script_of_the_page_by_its_hash(sample_app):
    """Dash's inline scripts are allowed by their hashes, and only they: none unhashed."""
    import base64
    import hashlib

    client = sample_app.server.test_client()
    login(client)
    page = client.get("/")
    html = re.sub(r"<!--.*?-->", "", page.get_data(as_text=True), flags=re.S)  # IE's, inert
    inline = re.findall(
        r"<script(?![^>]*\bsrc=)(?![^>]*application/json)[^>]*>(.*?)</script>", html, re.S
    )
    assert inline, "Dash's renderer starts from an inline script"
    policy = page.headers["Content-Security-Policy"]
    for script in inline:
        digest = base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()
        assert f"'sha256-{digest}'" in policy, script[:80]


def test_a_server_error_carries_the_headers_too():
    """An unhandled error (500) goes through the same wrapper."""
    server = Flask("broken")

    @server.route("/")
    def broken() -> str:
        raise RuntimeError("hỏng")

    server.wsgi_app = security.SecurityHeaders(  # type: ignore[method-assign]
        server.wsgi_app, lambda: security.security_headers(["'sha256-abc'"])
    )
    response = server.test_client().get("/")
    assert response.status_code == 500
    assert_secured(response, "500")


# ---------------------------------------------------------------- TRUSTED_PROXIES


def test_trusted_proxies_setting():
    assert load_settings({}).trusted_proxies == 0
    assert load_settings({"TRUSTED_PROXIES": " 1 "}).trusted_proxies == 1
    assert load_settings({"TRUSTED_PROXIES": "2"}).trusted_proxies == 2
    for bad in ("-1", "mot", "1.5", "10.0.0.1", "9999"):
        with pytest.raises(ValueError, match="TRUSTED_PROXIES"):
            load_settings({"TRUSTED_PROXIES": bad})


@pytest.fixture
def proxied(isolated_app, request) -> Iterator:
    """The app as `security.install` wraps it with TRUSTED_PROXIES = request.param."""
    engine = isolated_app.server.extensions[context.ENGINE_KEY]
    accounts.create_account(engine, "lanhdao", PASSWORD, "viewer")
    server = isolated_app.server
    saved = server.wsgi_app
    server.wsgi_app = saved.app  # the Flask app itself, as create_app found it
    settings = dataclasses.replace(load_settings(), trusted_proxies=request.param)
    security.install(isolated_app, settings)
    yield isolated_app
    server.wsgi_app = saved


def login_from(client, address: str, username: str, password: str) -> int:
    """A login through the form, sent by the proxy for the client `address`."""
    page = client.get("/login").get_data(as_text=True)
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    data = {"username": username, "password": password, "csrf_token": csrf}
    return client.post("/login", data=data, headers={"X-Forwarded-For": address}).status_code


def lock_out(client, address: str) -> None:
    """Wrong passwords for several names from one address, until that address is locked."""
    for n in range(accounts.MAX_FAILED_LOGINS):
        assert login_from(client, address, f"khong-co-{n}", "sai") == 401


@pytest.mark.parametrize("proxied", [1], indirect=True)
def test_behind_a_declared_proxy_each_client_is_throttled_by_its_own_address(proxied):
    client = proxied.server.test_client()
    lock_out(client, "203.0.113.7")
    assert login_from(client, "198.51.100.9", "lanhdao", PASSWORD) == 302  # another client
    other = proxied.server.test_client()
    assert login_from(other, "203.0.113.7", "lanhdao", PASSWORD) == 401  # the locked one
    # the proxy appends the address it saw: the client cannot choose it by sending its own
    third = proxied.server.test_client()
    assert login_from(third, "198.51.100.1, 203.0.113.7", "lanhdao", PASSWORD) == 401


@pytest.mark.parametrize("proxied", [0], indirect=True)
def test_without_trusted_proxies_forwarded_headers_are_ignored(proxied):
    client = proxied.server.test_client()
    lock_out(client, "203.0.113.7")
    # every request comes from the test client's own address, whatever it forwards
    assert login_from(client, "198.51.100.9", "lanhdao", PASSWORD) == 401


@pytest.mark.parametrize("proxied", [2], indirect=True)
def test_the_declared_proxies_are_believed_for_address_and_scheme_only(proxied):
    """ProxyFix takes as many hops as declared for X-Forwarded-For and X-Forwarded-Proto,
    and never X-Forwarded-Host, -Port or -Prefix (the proxy passes Host on)."""
    from werkzeug.middleware.proxy_fix import ProxyFix

    fix = proxied.server.wsgi_app
    assert isinstance(fix, ProxyFix)
    assert (fix.x_for, fix.x_proto, fix.x_host, fix.x_port, fix.x_prefix) == (2, 2, 0, 0, 0)
    assert isinstance(fix.app, security.SecurityHeaders)
