"""The review API (`/api/v1/submissions…`), the answer of `POST /api/v1/returns`, the filter
bar's «chưa được Sở Nội vụ duyệt» toggle and the uploader's «Báo cáo đã nộp»: roles, CSRF,
codes, and no 5xx for hostile ids and parameters. Everything goes through the real upload
and review path (etl.storage.reviews on the app's database)."""

from __future__ import annotations

import io
import json

import pytest

from etl.storage import accounts
from tests.builders import quota_return
from tests.conftest import ADMIN_PASSWORD, login

PASSWORD = "mat-khau-rat-dai-1"
VIEW = "?as_of=2024-06-30"
ROLES = ["anonymous", "viewer", "uploader", "reviewer", "admin"]
USERS = {
    "viewer": ("lanhdao", PASSWORD),
    "uploader": ("donvi_a", PASSWORD),
    "reviewer": ("duyet", PASSWORD),
    "admin": ("admin", ADMIN_PASSWORD),
}


@pytest.fixture
def app(isolated_app):
    engine = isolated_app.server.extensions["tgbc_engine"]
    (unit,) = accounts.resolve_units(engine, ["Sở Nội vụ"])
    accounts.create_account(engine, "lanhdao", PASSWORD, "viewer")
    accounts.create_account(engine, "donvi_a", PASSWORD, "uploader", unit_ids=[unit])
    accounts.create_account(engine, "duyet", PASSWORD, "reviewer")
    return isolated_app


def client_for(app, role: str):
    """(client, csrf token) signed in as `role`, or anonymous."""
    client = app.server.test_client()
    if role == "anonymous":
        return client, None
    return client, login(client, *USERS[role])


def bearer(app, role: str) -> dict[str, str]:
    engine = app.server.extensions["tgbc_engine"]
    token = accounts.create_token(engine, USERS[role][0], f"test-{role}", actor="test")
    return {"Authorization": f"Bearer {token}"}


def upload(app, headers: dict[str, str], content: bytes, name: str = "bao_cao.xlsx"):
    client = app.server.test_client()
    data = {"file": (io.BytesIO(content), name)}
    return client.post("/api/v1/returns", data=data, headers=headers)


def city_quota(app, headers: dict[str, str]) -> object:
    got = app.server.test_client().get("/api/v1/summary" + VIEW, headers=headers)
    assert got.status_code == 200
    return got.get_json()["cong_chuc"]


def assert_error(got, status: int, code: str | None = None) -> None:
    assert got.status_code == status, got.get_data(as_text=True)[:300]
    body = got.get_json()
    assert " / " in body["error"] and body.get("code"), body
    if code is not None:
        assert body["code"] == code


# --- roles ------------------------------------------------------------------------------------


def test_the_queue_is_for_reviewers_and_admins(app):
    expected = {"anonymous": 401, "viewer": 403, "uploader": 403, "reviewer": 200, "admin": 200}
    for role in ROLES:
        client, _ = client_for(app, role)
        got = client.get("/api/v1/submissions")
        assert got.status_code == expected[role], (role, got.get_data(as_text=True)[:200])
        if expected[role] != 200:
            assert_error(got, expected[role])
    for role in ("viewer", "uploader"):
        got = app.server.test_client().post(
            "/api/v1/submissions/1/approve", headers=bearer(app, role)
        )
        assert_error(got, 403, "forbidden")


# --- upload → queue → approve / return ----------------------------------------------------------


def test_an_upload_waits_for_review_until_approved(app):
    viewer, reviewer = bearer(app, "viewer"), bearer(app, "reviewer")
    before = city_quota(app, viewer)
    content = quota_return("Sở Nội vụ", 30)  # built once: a workbook records when it was made
    sent = upload(app, bearer(app, "uploader"), content)
    assert sent.status_code == 200, sent.get_data(as_text=True)[:300]
    body = sent.get_json()
    assert body["status"] == "cho_duyet" and body["result"] == "accepted"
    sid = body["id"]
    assert isinstance(sid, int) and body["submission_id"] == sid
    assert city_quota(app, viewer) == before  # waiting: nobody sees it yet

    client = app.server.test_client()
    listed = client.get("/api/v1/submissions?status=cho_duyet", headers=reviewer).get_json()
    (row,) = [r for r in listed["submissions"] if r["id"] == sid]
    assert row["file_name"] == "bao_cao.xlsx" and row["uploader"] == "donvi_a"
    assert row["status"] == "cho_duyet" and row["uploaded_at"]
    for key in ("reporting_unit", "period", "comment"):
        assert key in row
    approved = client.get("/api/v1/submissions?status=da_duyet", headers=reviewer).get_json()
    assert sid not in {r["id"] for r in approved["submissions"]}

    shown = client.get(f"/api/v1/submissions/{sid}", headers=reviewer)
    assert shown.status_code == 200
    detail = shown.get_json()
    assert [h["status"] for h in detail["history"]] == ["cho_duyet"]
    assert detail["changes"], "the 2024 quota of Sở Nội vụ changes"
    assert all("baseline" in c for c in detail["changes"])

    done = client.post(f"/api/v1/submissions/{sid}/approve", headers=reviewer)
    assert done.status_code == 200 and done.get_json() == {"id": sid, "status": "da_duyet"}
    assert city_quota(app, viewer) != before  # approved: it counts
    assert_error(client.post(f"/api/v1/submissions/{sid}/approve", headers=reviewer), 409)
    again = client.post(
        f"/api/v1/submissions/{sid}/return", headers=reviewer, json={"comment": "x"}
    )
    assert_error(again, 409, "conflict")
    history = client.get(f"/api/v1/submissions/{sid}", headers=reviewer).get_json()["history"]
    assert [h["status"] for h in history] == ["cho_duyet", "da_duyet"]
    assert history[-1]["actor"] == "duyet"

    # the same file again: a duplicate, answered with the stored submission's status
    dup = upload(app, bearer(app, "uploader"), content).get_json()
    assert (dup["id"], dup["status"], dup["result"]) == (sid, "da_duyet", "duplicate")


def test_a_returned_upload_never_counts_and_its_clerk_sees_why(app):
    from flask_login import login_user

    from pages.upload import submitted_panel
    from tests.test_app import text_of
    from web.auth import User

    viewer, reviewer = bearer(app, "viewer"), bearer(app, "reviewer")
    before = city_quota(app, viewer)
    sid = upload(
        app, bearer(app, "uploader"), quota_return("Sở Nội vụ", 31), "sai.xlsx"
    ).get_json()["id"]
    client = app.server.test_client()
    url = f"/api/v1/submissions/{sid}/return"
    assert_error(client.post(url, headers=reviewer), 400, "comment-required")
    assert_error(
        client.post(url, headers=reviewer, json={"comment": "   "}), 400, "comment-required"
    )
    assert_error(client.post(url, headers=reviewer, json={"comment": 7}), 400, "bad-parameter")
    assert_error(client.post(url, headers=reviewer, json={"comment": "x" * 5000}), 400)
    comment = "Số năm 2024 của Sở Nội vụ chưa khớp quyết định giao biên chế"
    done = client.post(url, headers=reviewer, data={"comment": comment})
    assert done.status_code == 200 and done.get_json() == {"id": sid, "status": "tra_lai"}
    assert city_quota(app, viewer) == before
    assert_error(client.post(f"/api/v1/submissions/{sid}/approve", headers=reviewer), 409)
    listed = client.get("/api/v1/submissions?status=tra_lai", headers=reviewer).get_json()
    (row,) = [r for r in listed["submissions"] if r["id"] == sid]
    assert row["comment"] == comment

    engine = app.server.extensions["tgbc_engine"]
    with app.server.test_request_context():
        login_user(User(accounts.get_account(engine, username="donvi_a")))
        shown = text_of(submitted_panel())
    assert "Báo cáo đã nộp" in shown and "sai.xlsx" in shown
    assert "Trả lại" in shown and comment in shown and "nộp lại" in shown


def test_session_requests_need_the_csrf_token(app):
    sid = upload(app, bearer(app, "uploader"), quota_return("Sở Nội vụ", 32)).get_json()["id"]
    client, token = client_for(app, "reviewer")
    assert client.get("/api/v1/submissions").status_code == 200  # reading needs none
    url = f"/api/v1/submissions/{sid}/approve"
    assert_error(client.post(url), 400, "csrf")
    assert_error(client.post(url, headers={"X-CSRFToken": "faux"}), 400, "csrf")
    ret = f"/api/v1/submissions/{sid}/return"
    assert_error(client.post(ret, data={"comment": "thiếu CSRF"}), 400, "csrf")
    done = client.post(url, headers={"X-CSRFToken": token})
    assert done.status_code == 200 and done.get_json()["status"] == "da_duyet"


# --- hostile input ----------------------------------------------------------------------------

HOSTILE_IDS = ["abc", "-1", "0", "1.5", "99999999999999999999", "2147483648", "%00", "%20", "１"]
HOSTILE_PARAMS = [
    "status=%00",
    "status=approved",
    "status=cho_duyet%27--",
    "period=abc",
    "period=-1",
    "period=99999999999999999999",
    "period=%00",
    "period=987654",
]


@pytest.mark.parametrize("raw", HOSTILE_IDS)
def test_hostile_ids_are_not_found(app, raw):
    client, headers = app.server.test_client(), bearer(app, "reviewer")
    assert_error(client.get(f"/api/v1/submissions/{raw}", headers=headers), 404, "not-found")
    for action in ("approve", "return"):
        got = client.post(
            f"/api/v1/submissions/{raw}/{action}", headers=headers, json={"comment": "x"}
        )
        assert_error(got, 404, "not-found")


def test_unknown_ids_and_routes_are_not_found(app):
    client, headers = app.server.test_client(), bearer(app, "admin")
    assert_error(client.get("/api/v1/submissions/987654", headers=headers), 404, "not-found")
    assert_error(client.post("/api/v1/submissions/987654/approve", headers=headers), 404)
    got = client.post("/api/v1/submissions/987654/return", headers=headers, json={"comment": "x"})
    assert_error(got, 404, "not-found")
    assert_error(client.get("/api/v1/submissions/1/approve", headers=headers), 404)
    assert_error(client.post("/api/v1/submissions/1/2/3", headers=headers), 404)


@pytest.mark.parametrize("query", HOSTILE_PARAMS)
def test_hostile_parameters_are_refused(app, query):
    got = app.server.test_client().get(
        f"/api/v1/submissions?{query}", headers=bearer(app, "reviewer")
    )
    assert_error(got, 400, "bad-parameter")


def test_refused_upload_has_no_id(app):
    got = upload(app, bearer(app, "uploader"), quota_return("Sở Y tế", 30))
    assert got.status_code == 422
    body = got.get_json()
    assert body["id"] is None and body["status"] == "refused" and body["result"] == "refused"


# --- approved figures, the toggle -------------------------------------------------------------


def test_summary_says_which_figures(app):
    client, headers = app.server.test_client(), bearer(app, "viewer")
    assert client.get("/api/v1/summary" + VIEW, headers=headers).get_json()["figures"] == "approved"
    everything = client.get("/api/v1/summary" + VIEW + "&include_unreviewed=1", headers=headers)
    assert everything.status_code == 200 and everything.get_json()["figures"] == "all"


def _sync_body(app, changed: str, search: str, unreviewed: list[str]) -> dict:
    key = next(k for k in app.callback_map if k.startswith("..url.search..."))
    outputs = [part.rsplit(".", 1) for part in key[2:-2].split("...")]
    values = {
        "url.search": search,
        "filter-pending.value": ["pending"],
        "filter-unreviewed.value": unreviewed,
    }
    inputs = [  # the callback's own inputs, in its order
        {**spec, "value": values.get(f"{spec['id']}.{spec['property']}")}
        for spec in app.callback_map[key]["inputs"]
    ]
    return {
        "output": key,
        "outputs": [{"id": i, "property": p} for i, p in outputs],
        "inputs": inputs,
        "changedPropIds": [changed],
        "state": [],
    }


def test_the_unreviewed_toggle_round_trips_through_the_url(app):
    from components.shell import UNREVIEWED_NOTE
    from etl.measures.query import View, parse_view

    view = parse_view("?as_of=2024-06-30&include_unreviewed=1")
    assert view.include_unreviewed and "include_unreviewed=1" in view.to_query()
    assert parse_view(view.to_query()) == view and not View().include_unreviewed

    client, token = client_for(app, "viewer")
    headers = {"X-CSRFToken": token}
    post = lambda body: client.post("/_dash-update-component", json=body, headers=headers)  # noqa: E731
    on = post(_sync_body(app, "filter-unreviewed.value", VIEW, ["unreviewed"]))
    assert on.status_code == 200
    search = on.get_json()["response"]["url"]["search"]
    assert "include_unreviewed=1" in search
    loaded = post(_sync_body(app, "url.search", "?include_unreviewed=1", []))
    assert loaded.get_json()["response"]["filter-unreviewed"]["value"] == ["unreviewed"]
    off = post(_sync_body(app, "url.search", VIEW, ["unreviewed"]))
    assert off.get_json()["response"]["filter-unreviewed"]["value"] == []

    def note(search: str) -> str:
        body = {
            "output": "filter-unreviewed-note.children",
            "outputs": {"id": "filter-unreviewed-note", "property": "children"},
            "inputs": [{"id": "url", "property": "search", "value": search}],
            "changedPropIds": ["url.search"],
            "state": [],
        }
        got = post(body)
        assert got.status_code == 200
        return json.dumps(got.get_json(), ensure_ascii=False)

    assert UNREVIEWED_NOTE in note("?include_unreviewed=1")
    assert UNREVIEWED_NOTE not in note(VIEW)


def test_the_toggle_is_in_the_filter_bar_of_those_who_read_everything(app):
    from components.shell import UNREVIEWED_LABEL

    for role, shown in (("viewer", True), ("reviewer", True), ("admin", True), ("uploader", False)):
        client, _ = client_for(app, role)
        layout = json.dumps(client.get("/_dash-layout").get_json(), ensure_ascii=False)
        assert (UNREVIEWED_LABEL.strip() in layout) is shown, role
        assert ("Tính cả số chờ phê duyệt" in layout) is shown, role


def test_the_overview_marks_unreviewed_figures(signed_in):
    from pages.overview import render_overview
    from tests.test_app import text_of

    assert "chưa duyệt" not in text_of(render_overview(VIEW))
    assert "Số liệu gồm cả báo cáo chưa duyệt" in text_of(
        render_overview(VIEW + "&include_unreviewed=1")
    )
