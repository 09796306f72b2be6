"""Kỳ báo cáo on the administration page, its callbacks called directly: adding a period,
refusals that change nothing, closing and reopening, and who is refused."""

from __future__ import annotations

import json

import pytest

from etl.storage import accounts, periods
from tests.builders import dash_request
from tests.conftest import ADMIN_PASSWORD, login
from tests.test_app import text_of
from tests.test_review_page import PASSWORD, clicked, signed_in_as


@pytest.fixture
def app(isolated_app):
    engine = isolated_app.server.extensions["tgbc_engine"]
    units = accounts.resolve_units(engine, ["Sở Nội vụ"])
    accounts.create_account(engine, "lanhdao", PASSWORD, "viewer")
    accounts.create_account(engine, "donvi", PASSWORD, "uploader", unit_ids=[units[0]])
    return isolated_app


def _listed(engine) -> list[periods.Period]:
    with engine.connect() as conn:
        return periods.list_periods(conn)


def _shown() -> str:
    from pages.admin import render_periods

    return text_of(render_periods("/quan-tri", 0))


def test_adding_a_period_shows_it_in_the_list(app):
    from components import ids
    from pages.admin import on_period_action, prefill_name

    with signed_in_as(app, "admin") as engine:
        assert prefill_name("2024-12-31", None) == "Năm 2024"
        assert prefill_name("2024-12-31", "Năm 2023") == "Năm 2024"
        assert prefill_name("2024-12-31", "Kỳ riêng") is dash_no_update()
        with clicked(ids.PD_ADD):
            message, done = on_period_action(1, [], "Năm 2024", "2024-12-31", "2025-01-20", 0)
        assert "Đã thêm kỳ «Năm 2024»" in text_of(message) and done == 1
        shown = _shown()
        assert "Năm 2024" in shown and "31/12/2024" in shown and "20/01/2025" in shown
        added = next(p for p in _listed(engine) if p.name == "Năm 2024")
        assert added.created_by == "admin" and added.is_open
    log = accounts.read_audit(engine)
    assert any(e["action"] == "period.add" and e["actor"] == "admin" for e in log)


def dash_no_update():
    from dash import no_update

    return no_update


@pytest.mark.parametrize(
    ("as_of", "deadline", "says"),
    [
        ("2024-06-30", "2024-07-15", "Đã có kỳ"),  # the sample's period
        ("2025-06-30", "2025-06-01", "Hạn nộp 01/06/2025 trước ngày chốt số liệu"),
        (None, "2025-06-01", "Cần chọn ngày chốt số liệu"),
    ],
)
def test_a_refused_period_says_why_and_changes_nothing(app, as_of, deadline, says):
    from components import ids
    from pages.admin import on_period_action

    with signed_in_as(app, "admin") as engine:
        before = _listed(engine)
        log_before = len(accounts.read_audit(engine))
        with clicked(ids.PD_ADD):
            message, done = on_period_action(1, [], "Kỳ thử", as_of, deadline, 3)
        assert says in text_of(message)
        assert done is dash_no_update()
        assert _listed(engine) == before
        assert len(accounts.read_audit(engine)) == log_before


def _click_toggle(period_id: int, action: str):
    from types import SimpleNamespace

    from dash._callback_context import context_value

    from components.periods_view import toggle_id

    key = json.dumps(toggle_id(period_id, action), sort_keys=True, separators=(",", ":"))
    return context_value.set(
        SimpleNamespace(triggered_inputs=[{"prop_id": f"{key}.n_clicks", "value": 1}])
    )


def _toggle(period_id: int, action: str):
    from dash._callback_context import context_value

    from pages.admin import on_period_action

    token = _click_toggle(period_id, action)
    try:
        return on_period_action(None, [1], None, None, None, 0)
    finally:
        context_value.reset(token)


def test_closing_and_reopening_change_the_state(app):
    with signed_in_as(app, "admin") as engine:
        period = next(p for p in _listed(engine) if p.is_open)
        message, done = _toggle(period.id, "close")
        assert f"Đã đóng kỳ «{period.name}»" in text_of(message) and done == 1
        assert not periods_get(engine, period.id).is_open
        assert "Đã đóng" in _shown() and "Mở lại" in _shown()
        message, done = _toggle(period.id, "close")  # a stale button: already closed
        assert "đã đóng" in text_of(message) and done is dash_no_update()
        message, done = _toggle(period.id, "open")
        assert f"Đã mở lại kỳ «{period.name}»" in text_of(message) and done == 1
        assert periods_get(engine, period.id).is_open
    actions = [e["action"] for e in accounts.read_audit(engine) if e["target"] == str(period.id)]
    assert "period.close" in actions and "period.open" in actions


def periods_get(engine, period_id: int) -> periods.Period:
    with engine.connect() as conn:
        found = periods.get(conn, period_id)
    assert found is not None
    return found


def test_the_list_counts_returns_by_review_status(app):
    with signed_in_as(app, "admin"):
        shown = _shown()
    for header in ("Ngày chốt số liệu", "Hạn nộp", "Trạng thái", "Chờ duyệt", "Đã duyệt"):
        assert header in shown
    assert "Đang mở" in shown or "Đã đóng" in shown


LIST = dash_request(
    "period-list.children",
    [("admin-url", "pathname", "/quan-tri"), ("period-done", "data", 0)],
)
ADD = {
    "output": "..period-outcome.children...period-done.data..",
    "outputs": [
        {"id": "period-outcome", "property": "children"},
        {"id": "period-done", "property": "data"},
    ],
    "inputs": [
        {"id": "period-add", "property": "n_clicks", "value": 1},
        [],
    ],
    "changedPropIds": ["period-add.n_clicks"],
    "state": [
        {"id": "period-name", "property": "value", "value": "Năm 2030"},
        {"id": "period-as-of", "property": "date", "value": "2030-12-31"},
        {"id": "period-deadline", "property": "date", "value": "2031-01-15"},
        {"id": "period-done", "property": "data", "value": 0},
    ],
}


@pytest.mark.parametrize(
    ("username", "password", "status"),
    [("donvi", PASSWORD, 403), ("lanhdao", PASSWORD, 403), ("admin", ADMIN_PASSWORD, 200)],
)
def test_only_admins_may_see_or_change_periods(app, username, password, status):
    app.server.test_client().get("/login")  # Dash builds its callback map on a first request
    client = app.server.test_client()
    token = login(client, username, password)
    engine = app.server.extensions["tgbc_engine"]
    before = _listed(engine)
    for body in (LIST, ADD):
        got = client.post("/_dash-update-component", json=body, headers={"X-CSRFToken": token})
        assert got.status_code == status, got.get_data(as_text=True)[:200]
        if status == 403:
            assert "Chỉ quản trị viên" in got.get_json()["error"]
    added = [p for p in _listed(engine) if p not in before]
    assert [p.name for p in added] == (["Năm 2030"] if status == 200 else [])
