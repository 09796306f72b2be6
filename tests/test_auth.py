"""Who may do what: every route × role, tokens, CSRF, throttling, cookies, the audit log."""

from __future__ import annotations

import datetime as dt
import html
import io
import re

import pytest
from sqlalchemy import text

from etl.storage import accounts
from tests.builders import dash_request, grid_rows_request, quota_return
from tests.conftest import ADMIN_PASSWORD, login

VIEW = "?as_of=2024-06-30"
PASSWORD = "mat-khau-rat-dai-1"


OVERVIEW = dash_request("overview-content.children", [("url", "search", VIEW)])
ADMIN = dash_request(
    "admin-content.children",
    [
        ("admin-url", "pathname", "/quan-tri"),
        ("period-done", "data", 0),
        ("account-done", "data", 0),
        ("plan-done", "data", 0),
        ("rule-done", "data", 0),
    ],
)
UPLOAD = {
    **dash_request("upload-results.children", [("upload-files", "contents", None)]),
    "output": "..upload-results.children...upload-staged.data...upload-confirmed.children..",
    "outputs": [
        {"id": "upload-results", "property": "children"},
        {"id": "upload-staged", "property": "data"},
        {"id": "upload-confirmed", "property": "children"},
    ],
    "state": [{"id": "upload-files", "property": "filename", "value": None}],
}


@pytest.fixture
def app(isolated_app):
    engine = isolated_app.server.extensions["tgbc_engine"]
    units = accounts.resolve_units(engine, ["Sở Nội vụ", "Sở Y tế"])
    accounts.create_account(engine, "lanhdao", PASSWORD, "viewer")
    accounts.create_account(engine, "donvi_a", PASSWORD, "uploader", unit_ids=[units[0]])
    accounts.create_account(engine, "donvi_b", PASSWORD, "uploader", unit_ids=[units[1]])
    return isolated_app


def client_for(app, role: str):
    """(client, csrf token) signed in as `role`, or anonymous."""
    client = app.server.test_client()
    if role == "anonymous":
        return client, None
    user, password = {
        "viewer": ("lanhdao", PASSWORD),
        "uploader_a": ("donvi_a", PASSWORD),
        "uploader_b": ("donvi_b", PASSWORD),
        "admin": ("admin", ADMIN_PASSWORD),
    }[role]
    return client, login(client, user, password)


ROLES = ["anonymous", "viewer", "uploader_a", "uploader_b", "admin"]
GET_ROUTES = {
    # route: expected status per role (anonymous, viewer, uploader A, uploader B, admin)
    "/": (302, 200, 200, 200, 200),
    "/_dash-layout": (401, 200, 200, 200, 200),
    "/api/v1/summary" + VIEW: (401, 200, 403, 403, 200),
    "/export/tonghop.xlsx" + VIEW: (401, 200, 403, 403, 200),
    "/export/data.xlsx" + VIEW: (401, 200, 403, 403, 200),
    "/export/report.docx" + VIEW: (401, 200, 403, 403, 200),
    "/templates/01.xlsx": (401, 200, 200, 200, 200),
    "/login": (200, 200, 200, 200, 200),
    "/assets/style.css": (200, 200, 200, 200, 200),
}


@pytest.mark.parametrize("route", list(GET_ROUTES))
def test_get_routes_by_role(app, route, monkeypatch):
    from reporting import render

    monkeypatch.setattr(render, "find_browser", lambda: None)  # reports without charts: fast
    for role, expected in zip(ROLES, GET_ROUTES[route], strict=True):
        client, _ = client_for(app, role)
        got = client.get(route)
        assert got.status_code == expected, (route, role, got.get_data(as_text=True)[:200])
        if role == "anonymous" and expected == 302:
            assert got.headers["Location"].startswith("/login")


UNITS_ROWS = grid_rows_request(
    {"type": "units-grid", "measure": "cong_chuc", "search": VIEW}, {"startRow": 0, "endRow": 100}
)
CALLBACKS = {
    # callback: (anonymous, viewer, uploader A, uploader B, admin)
    "overview": (OVERVIEW, (401, 200, 200, 200, 200)),
    "units rows": (UNITS_ROWS, (401, 200, 204, 204, 200)),  # uploaders: no city rows
    "upload": (UPLOAD, (401, 403, 200, 200, 200)),
    "admin": (ADMIN, (401, 403, 403, 403, 200)),
}


@pytest.mark.parametrize("name", list(CALLBACKS))
def test_callbacks_by_role(app, name):
    body, statuses = CALLBACKS[name]
    app.server.test_client().get("/login")  # Dash builds its callback map on a first request
    for role, expected in zip(ROLES, statuses, strict=True):
        client, token = client_for(app, role)
        if name == "upload":  # outputs allowing duplicates carry a hash in the callback's key
            key = next(k for k in app.callback_map if k.startswith("..upload-results."))
            body = {**body, "output": key}
        headers = {"X-CSRFToken": token} if token else {}
        got = client.post("/_dash-update-component", json=body, headers=headers)
        assert got.status_code == expected, (name, role, got.get_data(as_text=True)[:200])
        if name == "units rows" and expected == 200:
            (rows,) = got.get_json()["response"].values()
            assert rows["getRowsResponse"]["rowCount"] > 0  # the rows reached the reader


def test_uploaders_see_no_city_figures(app):
    client, token = client_for(app, "uploader_a")
    got = client.post("/_dash-update-component", json=OVERVIEW, headers={"X-CSRFToken": token})
    shown = got.get_data(as_text=True)
    assert "forbidden" in shown and "20,43%" not in shown
    client, token = client_for(app, "viewer")
    shown = client.post(
        "/_dash-update-component", json=OVERVIEW, headers={"X-CSRFToken": token}
    ).get_data(as_text=True)
    assert "20,43%" in shown


def test_callbacks_need_the_csrf_token(app):
    client, _token = client_for(app, "admin")
    assert client.post("/_dash-update-component", json=OVERVIEW).status_code == 400


def test_api_tokens_are_scoped_like_their_owner(app):
    engine = app.server.extensions["tgbc_engine"]
    client = app.server.test_client()
    token_a = accounts.create_token(engine, "donvi_a", "he-thong-a", actor="test")
    token_v = accounts.create_token(engine, "lanhdao", "bao-cao", actor="test")
    auth_a = {"Authorization": f"Bearer {token_a}"}
    auth_v = {"Authorization": f"Bearer {token_v}"}
    assert client.get("/api/v1/summary" + VIEW, headers=auth_v).status_code == 200
    assert client.get("/api/v1/summary" + VIEW, headers=auth_a).status_code == 403
    own = client.get("/api/v1/summary?scope=S%E1%BB%9F+N%E1%BB%99i+v%E1%BB%A5", headers=auth_a)
    assert own.status_code == 200 and own.get_json()["scope"] == "Sở Nội vụ"

    def post(headers, content):
        data = {"file": (io.BytesIO(content), "bao_cao.xlsx")}
        return client.post("/api/v1/returns", data=data, headers=headers)

    accepted = post(auth_a, quota_return("Sở Nội vụ", 30))
    assert accepted.status_code == 200 and accepted.get_json()["result"] == "accepted"
    assert accepted.get_json()["status"] == "cho_duyet"  # waits for the Department's review
    other = post(auth_a, quota_return("Sở Y tế", 30))
    assert other.status_code == 422
    assert other.get_json()["problems"][0]["code"] == "unit-not-allowed"
    assert post(auth_v, quota_return("Sở Nội vụ", 29)).status_code == 403
    assert post({}, quota_return("Sở Nội vụ", 29)).status_code == 401
    assert (
        post({"Authorization": "Bearer tgbc_sai"}, quota_return("Sở Nội vụ", 29)).status_code == 401
    )
    # a token does not open the dashboard
    assert client.get("/_dash-layout", headers=auth_v).status_code == 401


def test_session_posts_to_the_api_need_csrf(app):
    client, token = client_for(app, "uploader_a")
    data = {"file": (io.BytesIO(quota_return("Sở Nội vụ", 31)), "a.xlsx")}
    assert client.post("/api/v1/returns", data=data).status_code == 400
    data = {"file": (io.BytesIO(quota_return("Sở Nội vụ", 31)), "a.xlsx")}
    ok = client.post("/api/v1/returns", data=data, headers={"X-CSRFToken": token})
    assert ok.status_code == 200


def test_login_is_throttled(app):
    import re

    client = app.server.test_client()
    page = client.get("/login").get_data(as_text=True)
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    for _ in range(accounts.MAX_FAILED_LOGINS):
        wrong = {"username": "lanhdao", "password": "sai", "csrf_token": csrf}
        assert client.post("/login", data=wrong).status_code == 401
    got = client.post(
        "/login", data={"username": "lanhdao", "password": PASSWORD, "csrf_token": csrf}
    )
    assert got.status_code == 401 and "quá nhiều lần" in got.get_data(as_text=True)


def test_wrong_password_and_disabled_account(app):
    engine = app.server.extensions["tgbc_engine"]
    with pytest.raises(accounts.AccountError, match="Sai tên đăng nhập"):
        accounts.authenticate(engine, "lanhdao", "sai-mat-khau", "10.0.0.9")
    accounts.set_active(engine, "lanhdao", False, actor="test")
    with pytest.raises(accounts.AccountError):
        accounts.authenticate(engine, "lanhdao", PASSWORD, "10.0.0.8")


def test_session_cookie_flags(app):
    client = app.server.test_client()
    login(client, "admin", ADMIN_PASSWORD)
    cookie = client.get_cookie("tgbc_session")
    assert cookie.http_only and cookie.same_site == "Lax"
    assert app.server.config["PERMANENT_SESSION_LIFETIME"] == dt.timedelta(hours=8)


def test_login_redirects_only_to_local_paths(app):
    """`?next=` survives the login form and is followed only when it is a local path."""
    local = "/don-vi?as_of=2024-06-30"
    for target, landing in [
        (local, local),
        ("https://evil.example/", "/"),
        ("//evil.example", "/"),
        ("javascript:alert(1)", "/"),
    ]:
        client = app.server.test_client()
        page = client.get("/login", query_string={"next": target}).get_data(as_text=True)
        assert f'name="next" value="{html.escape(landing, quote=True)}"' in page
        token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
        form = {"username": "admin", "password": ADMIN_PASSWORD, "csrf_token": token}
        done = client.post("/login", data={**form, "next": target})
        assert (done.status_code, done.headers["Location"]) == (302, landing), target


def test_passwords_are_hashed_with_a_modern_algorithm(app):
    engine = app.server.extensions["tgbc_engine"]
    with engine.connect() as conn:
        stored = conn.execute(
            text("SELECT password_hash FROM user_account WHERE username = 'lanhdao'")
        ).scalar_one()
    assert stored.startswith("scrypt:") and PASSWORD not in stored


def test_audit_log_records_and_is_append_only(app):
    engine = app.server.extensions["tgbc_engine"]
    client, _token = client_for(app, "viewer")
    client.get("/export/tonghop.xlsx" + VIEW)
    actions = {(e["actor"], e["action"]) for e in accounts.read_audit(engine)}
    assert ("lanhdao", "login") in actions
    assert ("test", "user.add") in actions or ("system", "user.add") in actions
    assert ("lanhdao", "export.tonghop") in actions
    with pytest.raises(Exception, match="append-only"), engine.begin() as conn:
        conn.execute(text("DELETE FROM audit_log"))


def test_first_start_creates_the_admin_once(sqlite_engine):
    password = accounts.ensure_admin(sqlite_engine, {})
    assert password and len(password) >= 12
    assert accounts.get_account(sqlite_engine, username="admin").role == "admin"
    assert accounts.ensure_admin(sqlite_engine, {}) is None  # never twice


def test_callback_outputs_are_matched_by_exact_id(sample_app):
    from web import policy

    key = "..upload-results.children@ab12...upload-staged.data@ab12...a\\.b.children.."
    assert policy.output_ids(key) == {"upload-results", "upload-staged", "a.b"}
    assert policy.callback_access(key) == [policy.UPLOAD]
    assert policy.callback_access("admin-content.children") == [policy.ADMIN]
    assert policy.callback_access("upload-results-note.children") == []  # no substring match
    assert policy.callback_access("overview-content.children") == []


NAV = {
    "viewer": ["/", "/don-vi", "/phan-tich", "/sap-xep", "/theo-doi"],
    "uploader_a": ["/nop-bao-cao", "/theo-doi"],
    "admin": [
        "/",
        "/don-vi",
        "/phan-tich",
        "/sap-xep",
        "/nop-bao-cao",
        "/theo-doi",
        "/quan-tri",
        "/duyet-bao-cao",
    ],
}


@pytest.mark.parametrize("role", list(NAV))
def test_navigation_follows_each_pages_declared_access(app, role):
    import dash
    from flask_login import login_user

    from components.shell import nav_pages
    from web import policy
    from web.auth import User

    assert all(page.get("access") in policy.LEVELS for page in dash.page_registry.values())
    username = {"viewer": "lanhdao", "uploader_a": "donvi_a", "admin": "admin"}[role]
    with app.server.test_request_context():
        engine = app.server.extensions["tgbc_engine"]
        login_user(User(accounts.get_account(engine, username=username)))
        assert [path for path, _label in nav_pages()] == NAV[role]


def test_a_page_answers_its_refusal_to_accounts_its_access_does_not_allow(app):
    import json

    import dash
    from flask_login import login_user
    from plotly.io.json import to_json_plotly

    from web.auth import User

    pages = {page["path"]: page for page in dash.page_registry.values()}
    engine = app.server.extensions["tgbc_engine"]
    for username, path, refused in [
        ("donvi_a", "/", True),
        ("donvi_a", "/nop-bao-cao", False),
        ("lanhdao", "/nop-bao-cao", True),
        ("lanhdao", "/quan-tri", True),
        ("lanhdao", "/theo-doi", False),
        ("admin", "/quan-tri", False),
    ]:
        with app.server.test_request_context():
            login_user(User(accounts.get_account(engine, username=username)))
            shown = json.dumps(json.loads(to_json_plotly(pages[path]["layout"]())))
        assert ('"forbidden"' in shown) == refused, (username, path)


def test_a_link_opened_before_login_keeps_every_parameter(app):
    link = "/don-vi?as_of=2024-06-30&district=Qu%E1%BA%ADn+Ninh+Ki%E1%BB%81u&sector=Y+t%E1%BA%BF"
    client = app.server.test_client()
    sent = client.get(link)
    assert sent.status_code == 302
    login_page = client.get(sent.headers["Location"]).get_data(as_text=True)
    assert f'name="next" value="{html.escape(link, quote=True)}"' in login_page


def test_each_account_lands_where_it_works(app):
    """Uploaders on the upload page, those who read the city's figures on the overview; a page
    asked for is kept whoever signs in."""
    for username, asked, landing in [
        ("donvi_a", "/", "/nop-bao-cao"),
        ("lanhdao", "/", "/"),
        ("donvi_a", "/nop-bao-cao?x=1", "/nop-bao-cao?x=1"),
    ]:
        client = app.server.test_client()
        page = client.get("/login", query_string={"next": asked}).get_data(as_text=True)
        token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
        form = {"username": username, "password": PASSWORD, "csrf_token": token, "next": asked}
        done = client.post("/login", data=form)
        assert (done.status_code, done.headers["Location"]) == (302, landing), username
