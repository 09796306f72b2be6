"""Login for every page, callback, API route, export and template (Flask-Login), CSRF
(Flask-WTF: Dash sends the token from the `_csrf_token` cookie in `X-CSRFToken`), secure
session cookies that expire, and throttled logins. Who may open what once signed in is
web/policy.py's, whose guard runs here before every request.

A signed-in cookie holds the account's id and the id of a session the server keeps
(`accounts.start_session`): every request checks that session is still open, so logging out,
a new password, a new role, disabling the account or an administrator's «Kết thúc mọi phiên»
end it wherever the cookie is replayed (docs/security.md, "Sessions")."""

from __future__ import annotations

import html
import os
import secrets
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode, urlparse

from flask import Flask, Response, current_app, g, redirect, request, session
from flask_login import LoginManager, UserMixin, login_user, logout_user
from flask_wtf.csrf import CSRFProtect, generate_csrf

from etl.core.settings import Settings
from etl.storage import accounts, db
from web import context, policy

SESSION_LIFETIME = accounts.SESSION_IDLE  # the cookie's; the server ends its session alike
SESSION_ID = "sid"  # the key of the server-side session's id in the signed session cookie
CSRF_COOKIE = "_csrf_token"  # the cookie Dash's renderer reads (Dash(csrf_token_name=…))
UPLOAD_PAGE = "/nop-bao-cao"  # pages/upload.py


class User(UserMixin):
    """Flask-Login's view of an account."""

    def __init__(self, account: accounts.Account) -> None:
        self.account = account
        self.id = str(account.id)

    @property
    def is_active(self) -> bool:
        return self.account.active


def secret_key(settings: Settings) -> str:
    """SECRET_KEY, else one kept under DATA_DIR (shared by every worker; written once, by
    the first process, by web/bootstrap.py before any worker starts)."""
    if settings.secret_key:
        return settings.secret_key
    path = Path(settings.data_dir) / "secret_key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".secret_key.{os.getpid()}.{secrets.token_hex(4)}")
        tmp.write_text(secrets.token_hex(32))
        tmp.chmod(0o600)
        try:
            os.link(tmp, path)  # atomic: the first process wins, the others read its key
        except FileExistsError:
            pass
        finally:
            tmp.unlink()
    return path.read_text().strip()


def _cookie_secure(settings: Settings) -> bool:
    if settings.session_cookie_secure is not None:
        return settings.session_cookie_secure
    return settings.host not in ("127.0.0.1", "localhost", "::1")  # plain http on loopback


def install(server: Flask, settings: Settings) -> None:
    """Wire login, CSRF and the access guard (web/policy.py) into the Flask server."""
    server.config.update(
        SECRET_KEY=secret_key(settings),
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=_cookie_secure(settings),
        SESSION_COOKIE_NAME="tgbc_session",
        PERMANENT_SESSION_LIFETIME=SESSION_LIFETIME,
        WTF_CSRF_TIME_LIMIT=None,  # valid for the session's life
        WTF_CSRF_SSL_STRICT=False,
    )
    manager = LoginManager()
    manager.init_app(server)
    manager.user_loader(_load_user)
    manager.request_loader(_load_user_from_token)
    server.before_request(_guard)  # before CSRF: an anonymous request gets 401, not 400
    csrf = CSRFProtect(server)
    server.after_request(_csrf_cookie)
    server.add_url_rule("/login", "login", login_view, methods=["GET", "POST"])
    server.add_url_rule("/logout", "logout", logout_view, methods=["POST"])
    server.extensions["tgbc_csrf"] = csrf


def _load_user(user_id: str) -> User | None:
    """The account of the session cookie, while its server-side session is open."""
    token = session.get(SESSION_ID)
    try:
        key = db.stored_key(int(user_id))
    except (TypeError, ValueError):
        key = None
    if not isinstance(token, str) or key is None:
        return None
    acc = accounts.session_account(context.engine(), token, key)
    return User(acc) if acc is not None else None


def _load_user_from_token(req: Any) -> User | None:
    header = req.headers.get("Authorization", "")
    if not header.lower().startswith("bearer ") or not req.path.startswith("/api/"):
        return None
    acc = accounts.account_for_token(context.engine(), header.split(" ", 1)[1])
    if acc is None:
        return None
    g.via_token = True
    return User(acc)


def _guard() -> Response | None:
    """Every request passes the access policy; a page asked for without a login is sent to
    the login page, to come back after it."""
    acc = context.account()
    if policy.wants_login_page(request.path, acc):
        # the whole address, every parameter included, comes back after the login
        return redirect(f"/login?{urlencode({'next': _safe_next(request.full_path)})}")
    return policy.check_request(acc)


def _csrf_cookie(response: Response) -> Response:
    """Dash reads this cookie and echoes it in the X-CSRFToken header of every callback."""
    if context.account() is not None and not getattr(g, "via_token", False):
        response.set_cookie(
            CSRF_COOKIE,
            generate_csrf(),
            samesite="Lax",
            secure=current_app.config["SESSION_COOKIE_SECURE"],
            httponly=False,
        )
    return response


URL_SAFE = "/?&=%:@!$'()*+,;~-._#[]"  # what a local path and its query keep as it is


def _safe_next(target: str | None) -> str:
    """Only local paths: never redirect to another site after login."""
    if not target:
        return "/"
    parsed = urlparse(target)
    if parsed.scheme or parsed.netloc or not target.startswith("/") or target.startswith("//"):
        return "/"
    # the path comes back in the Location header: characters a header cannot carry, escaped
    return quote(target.rstrip("?"), safe=URL_SAFE) or "/"


LOGIN_PAGE = """<!doctype html>
<html lang="vi"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Đăng nhập — Tinh giản biên chế</title>
<link rel="stylesheet" href="/assets/style.css"></head>
<body><main class="login">
<div class="org">SỞ NỘI VỤ</div>
<h1>Theo dõi tinh giản biên chế</h1>
<form method="post" action="/login">
<input type="hidden" name="csrf_token" value="{csrf}">
<input type="hidden" name="next" value="{next}">
<label for="username">Tên đăng nhập</label>
<input id="username" name="username" autocomplete="username" required value="{username}">
<label for="password">Mật khẩu</label>
<input id="password" name="password" type="password" autocomplete="current-password" required>
{message}
<button type="submit" class="button primary">Đăng nhập</button>
</form></main></body></html>"""


def _login_page(message: str = "", username: str = "", status: int = 200) -> Response:
    body = LOGIN_PAGE.format(
        csrf=generate_csrf(),
        next=html.escape(_safe_next(request.values.get("next")), quote=True),
        username=html.escape(username, quote=True),
        message=f'<p class="login-error" role="alert">{html.escape(message)}</p>'
        if message
        else "",
    )
    return Response(body, status=status, mimetype="text/html")


def login_view() -> Response:
    if request.method == "GET":
        return _login_page()
    username = request.form.get("username", "")
    try:
        acc = accounts.authenticate(
            context.engine(),
            username,
            request.form.get("password", ""),
            request.remote_addr or "?",
        )
    except accounts.AccountError as exc:
        return _login_page(str(exc), username, status=401)
    token = accounts.start_session(
        context.engine(), acc.id, request.remote_addr or "?", request.user_agent.string
    )
    session.clear()
    session.permanent = True
    session[SESSION_ID] = token
    login_user(User(acc))
    return redirect(landing(acc, _safe_next(request.form.get("next"))))


def landing(acc: accounts.Account, target: str) -> str:
    """Where an account lands after login: the page it asked for, else where it works: the
    overview for those who see the city's figures, the upload page (with its own returns)
    for a unit's uploader."""
    if target == "/" and not policy.allows(acc, policy.READ_ALL):
        return UPLOAD_PAGE if policy.allows(acc, policy.UPLOAD) else target
    return target


def logout_view() -> Response:
    """End this session on the server (a copy of its cookie opens nothing after), then here."""
    token = session.get(SESSION_ID)
    if isinstance(token, str):
        accounts.end_session(context.engine(), token)
    logout_user()
    session.clear()
    response = redirect("/login")
    response.delete_cookie(CSRF_COOKIE)
    return response
