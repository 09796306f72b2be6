"""The review page (Duyệt báo cáo), its callbacks called directly: the queue, a return's
diff with the baseline banner, «Trả lại» and «Duyệt», and who is refused."""

from __future__ import annotations

import datetime as dt
from contextlib import contextmanager
from types import SimpleNamespace

import pytest

from etl import service
from etl.storage import accounts, reviews
from tests.builders import dash_request, form01, workbook_bytes
from tests.conftest import ADMIN_PASSWORD, login
from tests.test_app import text_of

PASSWORD = "mat-khau-rat-dai-1"
AS_OF = dt.date(2024, 6, 30)


@contextmanager
def signed_in_as(app, username: str):
    from flask_login import login_user

    from web.auth import User

    with app.server.test_request_context():
        engine = app.server.extensions["tgbc_engine"]
        login_user(User(accounts.get_account(engine, username=username)))
        yield engine


@contextmanager
def clicked(component_id: str):
    """The callback context of a click on `component_id`."""
    from dash._callback_context import context_value

    token = context_value.set(
        SimpleNamespace(triggered_inputs=[{"prop_id": f"{component_id}.n_clicks", "value": 1}])
    )
    try:
        yield
    finally:
        context_value.reset(token)


@pytest.fixture
def app(isolated_app):
    """The sample app with a waiting return of Sở Nội vụ that changes its 2021 baseline and
    its 2024 figure, a reviewer, a viewer and an uploader."""
    engine = isolated_app.server.extensions["tgbc_engine"]
    units = accounts.resolve_units(engine, ["Sở Nội vụ"])
    accounts.create_account(engine, "duyet", PASSWORD, "reviewer")
    accounts.create_account(engine, "lanhdao", PASSWORD, "viewer")
    accounts.create_account(engine, "donvi", PASSWORD, "uploader", unit_ids=[units[0]])
    content = workbook_bytes(form01([[1, "Sở Nội vụ", 50, None, None, 30]]))
    account = accounts.get_account(engine, username="donvi")
    result = _ingest(isolated_app, content, account)
    assert result.status == "accepted", result.problems
    isolated_app.server.config["WAITING_ID"] = result.submission_id
    return isolated_app


def _ingest(app, content: bytes, account):
    from web import context

    with app.server.test_request_context():
        return service.ingest_as(
            context.engine(), content, "sua_nam_goc.xlsx", account, context.settings()
        )


def _waiting_id(app) -> int:
    return app.server.config["WAITING_ID"]


def test_a_waiting_return_is_in_the_queue_and_its_diff_marks_the_baseline(app):
    from pages.review import render_detail, render_queue

    with signed_in_as(app, "duyet"):
        queue, options, chosen = render_queue("cho_duyet", None, 0, None)
        shown = text_of(queue)
        assert "sua_nam_goc.xlsx" in shown and "Sở Nội vụ" in shown and "donvi" in shown
        assert "Chờ duyệt" in shown and "6 tháng đầu năm 2024" in shown
        assert [o["value"] for o in options] == [_waiting_id(app)] and chosen is None
        everything, _, _ = render_queue("tat_ca", None, 0, None)
        assert "Đã duyệt" in text_of(everything)  # the sample's returns
        detail, actions = render_detail(_waiting_id(app), 0)
    shown = text_of(detail)
    assert "Sửa số năm gốc 2021: 1 số" in shown and "review-alarm" in shown
    assert "Biểu 01!C11" in shown and "Năm gốc 2021" in shown and "row-baseline" in shown
    assert "Biểu 01!F11" in shown and "→" in shown
    assert "số không thay đổi" in shown
    assert "Lịch sử duyệt" in shown and "Chờ duyệt" in shown
    assert actions is None  # waiting: the actions are shown


def test_returning_needs_a_comment_then_returns(app):
    from components import ids
    from pages.review import on_action, render_detail

    sid = _waiting_id(app)
    with signed_in_as(app, "duyet") as engine:
        with clicked(ids.RV_RETURN):
            message, done, comment = on_action(None, 1, sid, "   ", 0)
        assert "Trả lại báo cáo cần có ý kiến" in text_of(message)
        assert comment is not None and done is not None  # no_update: nothing changes
        with engine.connect() as conn:
            assert reviews.status_of(conn, sid) == "cho_duyet"
        with clicked(ids.RV_RETURN):
            message, done, comment = on_action(None, 1, sid, "Sai số năm 2021", 0)
        assert "Đã trả lại báo cáo số" in text_of(message) and done == 1 and comment == ""
        with engine.connect() as conn:
            assert reviews.status_of(conn, sid) == "tra_lai"
            assert reviews.history(conn, sid)[-1]["actor"] == "duyet"
        detail, actions = render_detail(sid, 1)
        assert "Sai số năm 2021" in text_of(detail) and actions == {"display": "none"}
        with clicked(ids.RV_APPROVE):  # no longer waiting
            message, _, _ = on_action(1, 1, sid, "", 1)
        assert "không chờ duyệt" in text_of(message)
    log = accounts.read_audit(engine)
    assert any(e["action"] == "review.return" and e["actor"] == "duyet" for e in log)


def test_approving_changes_the_overview(app):
    from components import ids
    from pages.review import on_action

    sid = _waiting_id(app)
    with signed_in_as(app, "admin") as engine:
        before = service.summary(engine, as_of=AS_OF)
        with clicked(ids.RV_APPROVE):
            message, done, _ = on_action(1, None, sid, None, 0)
        assert "Đã duyệt báo cáo số" in text_of(message) and done == 1
        after = service.summary(engine, as_of=AS_OF)
        with engine.connect() as conn:
            assert reviews.status_of(conn, sid) == "da_duyet"
    assert after != before


QUEUE = dash_request(
    "review-queue.children",
    [("review-status", "value", "cho_duyet"), ("review-period", "value", None)],
)
QUEUE["output"] = "..review-queue.children...review-pick.options...review-pick.value.."
QUEUE["outputs"] = [
    {"id": "review-queue", "property": "children"},
    {"id": "review-pick", "property": "options"},
    {"id": "review-pick", "property": "value"},
]
QUEUE["inputs"].append({"id": "review-done", "property": "data", "value": 0})
QUEUE["state"] = [{"id": "review-pick", "property": "value", "value": None}]


@pytest.mark.parametrize(
    ("username", "password", "status"),
    [
        ("donvi", PASSWORD, 403),
        ("lanhdao", PASSWORD, 403),
        ("duyet", PASSWORD, 200),
        ("admin", ADMIN_PASSWORD, 200),
    ],
)
def test_only_reviewers_and_admins_may_use_the_page(app, username, password, status):
    import dash

    app.server.test_client().get("/login")  # Dash builds its callback map on a first request
    client = app.server.test_client()
    token = login(client, username, password)
    got = client.post("/_dash-update-component", json=QUEUE, headers={"X-CSRFToken": token})
    assert got.status_code == status, got.get_data(as_text=True)[:200]
    if status == 200:
        assert "sua_nam_goc.xlsx" in got.get_data(as_text=True)
    page = next(p for p in dash.page_registry.values() if p["path"] == "/duyet-bao-cao")
    with signed_in_as(app, username):
        shown = text_of(page["layout"]())
    assert ("Không có quyền xem" in shown) == (status == 403)
    assert ("Trang này dành cho cán bộ Sở Nội vụ duyệt báo cáo" in shown) == (status == 403)


@pytest.mark.parametrize("bad", [10**20, 2**31, 0, -1, True, "7", 1.5, None])
def test_ids_that_name_no_stored_return_get_a_message(app, bad):
    """Whatever a hand-made request puts in the chooser or the period selector, the page
    answers with a message (never a driver overflow): the ids are checked before any query."""
    from components import ids
    from pages.review import on_action, render_detail, render_queue

    with signed_in_as(app, "duyet"):
        detail, actions = render_detail(bad, 0)
        assert "Chọn một báo cáo" in text_of(detail) and actions == {"display": "none"}
        with clicked(ids.RV_APPROVE):
            message, _, _ = on_action(1, None, bad, "", 0)
        assert "Chưa chọn báo cáo" in text_of(message)
        queue, _options, chosen = render_queue("cho_duyet", bad, None, None)
        assert chosen is None and text_of(queue)


def test_stored_key_accepts_only_what_can_be_an_id():
    from etl.storage.db import MAX_KEY, stored_key

    assert [stored_key(v) for v in (1, MAX_KEY)] == [1, MAX_KEY]
    assert {stored_key(v) for v in (0, -1, MAX_KEY + 1, 10**20, True, "1", 1.0, None)} == {None}
