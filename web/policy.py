"""Who may open what: one access policy for pages, callbacks, exports and API routes.

Five access levels (`allows` decides each for an account):

* `read`: every signed-in, active account (an uploader sees its own units only);
* `read_all`: every figure of the city, for leadership (viewer), the Department's reviewers
  (reviewer) and the Department (admin);
* `upload`: submitting returns, for uploaders and admins;
* `review`: approving or returning submitted returns, for reviewers and admins;
* `admin`: accounts and the audit log, for admins.

Where each is declared:

* a page, in its `dash.register_page(..., access=...)` metadata: `guard_pages` makes the
  page router answer the page's refusal notice instead of its layout;
* a callback, by the exact ids of its outputs (`protect_outputs`, called beside the callback
  in its page); `check_request` refuses such a callback (and the polls of a background job,
  which post the same outputs) with 403 before it runs;
* a route, in `ROUTES` by path prefix.

`check_request` is the one guard of every request (web/auth.py runs it before anything else,
CSRF included: an anonymous request gets 401, not 400; a page asked for without a login is
sent to the login page).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from flask import Response, jsonify, request

from etl.core.vocabulary import Role
from etl.storage import accounts
from web import context

READ = "read"
READ_ALL = "read_all"
UPLOAD = "upload"
REVIEW = "review"
ADMIN = "admin"
LEVELS = (READ, READ_ALL, UPLOAD, REVIEW, ADMIN)

PUBLIC_PREFIXES = ("/login", "/assets/", "/_dash-component-suites/", "/_favicon.ico")
DATA_PREFIXES = ("/_dash-", "/api/", "/export/", "/templates/")  # 401, not a redirect
CALLBACK_PATH = "/_dash-update-component"
# routes that need more than a login, by path prefix
ROUTES = (
    ("/export/", READ_ALL),
    ("/api/v1/summary", READ_ALL),  # or an uploader's own unit (`_own_scope`)
    ("/api/v1/returns", UPLOAD),
    ("/api/v1/submissions", REVIEW),  # web/review_api.py
)
# what a refused request is told: (Vietnamese, English)
REFUSED = {
    READ: ("Cần đăng nhập", "login required"),
    READ_ALL: ("Tài khoản không có quyền xem số liệu này", "forbidden"),
    UPLOAD: ("Tài khoản không có quyền nộp báo cáo", "forbidden"),
    REVIEW: ("Tài khoản không có quyền duyệt báo cáo", "reviewers only"),
    ADMIN: ("Chỉ quản trị viên", "admins only"),
}
# what a page shows to an account its access does not allow
PAGE_REFUSED = {
    READ_ALL: "Trang này dành cho lãnh đạo và Sở Nội vụ.",
    UPLOAD: "Tài khoản này chỉ được xem; việc nộp báo cáo do đơn vị thực hiện.",
    REVIEW: "Trang này dành cho cán bộ Sở Nội vụ duyệt báo cáo và quản trị viên.",
    ADMIN: "Trang này dành cho quản trị viên.",
}

# component id → the access level of the callbacks writing it (filled by `protect_outputs`)
_OUTPUTS: dict[str, str] = {}


def allows(acc: accounts.Account | None, access: str) -> bool:
    """Whether `acc` (None: nobody signed in) has the access level `access`."""
    if access not in LEVELS:
        raise ValueError(f"unknown access level {access!r}")
    if acc is None or not acc.active:
        return False
    if access == READ_ALL:
        return acc.role in (Role.VIEWER, Role.REVIEWER, Role.ADMIN)
    return acc.may(access)


def may(access: str) -> bool:
    """Whether the signed-in account of this request has the access level `access`."""
    return allows(context.account(), access)


# --- callbacks --------------------------------------------------------------------------------


def protect_outputs(access: str, *component_ids: str) -> None:
    """Callbacks writing any of `component_ids` are for accounts with `access` only."""
    if access not in LEVELS:
        raise ValueError(f"unknown access level {access!r}")
    for component_id in component_ids:
        if _OUTPUTS.setdefault(component_id, access) != access:
            raise ValueError(f"{component_id!r} is already protected as {_OUTPUTS[component_id]}")


def output_ids(output: str) -> set[str]:
    """The component ids of a callback's `output` key, as Dash dispatches on it:
    `id.prop`, or `..id1.prop1...id2.prop2..`; `@hash` after a property marks an output
    allowing duplicates, `\\.` a dot inside an id."""
    parts = output[2:-2].split("...") if output.startswith("..") else [output]
    return {part.rsplit(".", 1)[0].replace("\\.", ".") for part in parts if "." in part}


def callback_access(output: str) -> list[str]:
    """The access levels a callback request's outputs need (none: any signed-in account)."""
    needed = {_OUTPUTS[i] for i in output_ids(output) if i in _OUTPUTS}
    return [level for level in LEVELS if level in needed]


# --- pages ------------------------------------------------------------------------------------


def guard_pages(registry: dict[str, dict[str, Any]]) -> None:
    """Every page of `registry` (dash.page_registry) must declare its `access`; its layout is
    then answered only to accounts with it, the others get the page's refusal notice."""
    for module, page in registry.items():
        access = page.get("access")
        if access not in LEVELS:
            raise ValueError(f"{module}: register_page(access=…) one of {', '.join(LEVELS)}")
        layout = page["layout"]
        if getattr(layout, "guarded_access", None) is None:
            page["layout"] = _guarded(layout, access)


def _guarded(layout: Callable[..., Any] | Any, access: str) -> Callable[..., Any]:
    @functools.wraps(layout if callable(layout) else _guarded)
    def guarded(*args: Any, **kwargs: Any) -> Any:
        if not may(access):
            from dash import html

            return html.Div(context.forbidden(PAGE_REFUSED.get(access, PAGE_REFUSED[READ_ALL])))
        return layout(*args, **kwargs) if callable(layout) else layout

    guarded.guarded_access = access  # type: ignore[attr-defined]
    return guarded


def page_access(page: dict[str, Any]) -> str:
    """The access level a page of dash.page_registry declares."""
    return page["access"]


# --- the guard --------------------------------------------------------------------------------


def route_access(path: str) -> str | None:
    """The access level a route needs beyond a login, or None."""
    for prefix, access in ROUTES:
        if path.startswith(prefix):
            return access
    return None


def is_public(path: str) -> bool:
    """The login page and static files: no login needed."""
    return path.startswith(PUBLIC_PREFIXES)


def wants_login_page(path: str, acc: accounts.Account | None) -> bool:
    """A page asked for without a login: the login page answers (web/auth.py)."""
    return acc is None and not is_public(path) and not path.startswith(DATA_PREFIXES)


def check_request(acc: accounts.Account | None) -> Response | None:
    """The guard of every request by `acc` (None: nobody signed in): the login page and static
    files are public; data needs a signed-in account (401); routes and callbacks that need
    more answer 403 to accounts without it."""
    path = request.path
    if is_public(path):
        return None
    if acc is None:
        return refused(401, READ)
    access = route_access(path)
    if access is not None and not allows(acc, access):
        if not (path == "/api/v1/summary" and _own_scope(acc)):
            return refused(403, access)
    if path == CALLBACK_PATH:
        body = request.get_json(silent=True)
        output = str(body.get("output", "")) if isinstance(body, dict) else ""
        for access in callback_access(output):
            if not allows(acc, access):
                return refused(403, access)
    return None


def refused(status: int, access: str) -> Response:
    vi, en = REFUSED[access]
    code = "login-required" if status == 401 else "forbidden"
    response = jsonify({"error": f"{vi} / {en}", "code": code})
    response.status_code = status
    return response


def _own_scope(acc: accounts.Account) -> bool:
    """An uploader's token may ask for the summary of one of its own units."""
    scope = request.args.get("scope")
    if not scope:
        return False
    try:
        ids = accounts.resolve_units(context.engine(), [scope])
    except accounts.AccountError:
        return False
    return set(ids) <= acc.unit_ids
