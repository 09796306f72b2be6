"""«Tài khoản» on the administration page, its callbacks called directly (adding, changing the
role and units, e-mail, locking, a new password, an API token; refusals that change nothing; no
admin locks themselves out), the same posted by accounts that may not (403, nothing changes),
the plans and review-queue sections, and the account reads they use (SQLite and PostgreSQL)."""

from __future__ import annotations

import datetime as dt
import json
from contextlib import contextmanager
from types import SimpleNamespace

import pytest
from dash import no_update

from components import ids
from etl.core.clock import in_vietnam
from etl.storage import accounts
from pages.admin_accounts import FIELDS
from tests.builders import city_targets
from tests.conftest import ADMIN_PASSWORD, login
from tests.test_app import text_of
from tests.test_review_page import PASSWORD, clicked, signed_in_as

STATES = (
    (ids.AC_NEW_USERNAME, "value"),
    (ids.AC_NEW_FULL_NAME, "value"),
    (ids.AC_NEW_ROLE, "value"),
    (ids.AC_NEW_UNITS, "value"),
    (ids.AC_NEW_EMAIL, "value"),
    (ids.AC_NEW_PASSWORD, "value"),
    (ids.AC_PICK, "value"),
    (ids.AC_ROLE, "value"),
    (ids.AC_UNITS, "value"),
    (ids.AC_EMAIL, "value"),
    (ids.AC_PASSWORD, "value"),
    (ids.AC_TOKEN_LABEL, "value"),
    (ids.AC_DONE, "data"),
)
NEW_PASSWORD = "mat-khau-moi-rat-dai-2"


@pytest.fixture
def app(isolated_app):
    engine = isolated_app.server.extensions["tgbc_engine"]
    units = accounts.resolve_units(engine, ["Sở Nội vụ", "Sở Y tế"])
    accounts.create_account(engine, "lanhdao", PASSWORD, "viewer")
    accounts.create_account(engine, "duyet", PASSWORD, "reviewer")
    accounts.create_account(engine, "donvi", PASSWORD, "uploader", unit_ids=[units[0]])
    isolated_app.server.config["UNITS"] = units
    return isolated_app


def _units(app) -> list[int]:
    return app.server.config["UNITS"]


def _act(button: str, **fields):
    """A click on `button` of the section with the form holding `fields`."""
    from pages.admin_accounts import BUTTONS, on_account_action

    values = {name: None for name in FIELDS} | {"done": 0} | fields
    clicks = [1 if b == button else None for b in BUTTONS]
    with clicked(button):
        return on_account_action(*clicks, *(values[name] for name in FIELDS))


def _log(engine) -> list[dict]:
    return accounts.read_audit(engine)


def _table() -> str:
    from pages.admin_accounts import render_accounts

    table, *_ = render_accounts("/quan-tri", 0)
    return text_of(table)


def test_the_table_lists_every_account_in_vietnamese(app):
    from pages.admin_accounts import render_accounts

    with signed_in_as(app, "admin"):
        table, picks, units, new_units = render_accounts("/quan-tri", 0)
    shown = text_of(table)
    for header in ("Tên đăng nhập", "Vai trò", "Đơn vị được nộp", "E-mail", "Đăng nhập lần cuối"):
        assert header in shown
    assert "Sở Nội vụ (duyệt báo cáo)" in shown and "Đơn vị nộp báo cáo" in shown
    assert "Lãnh đạo (xem)" in shown and "Sở Nội vụ" in shown and "chưa đăng nhập" in shown
    assert "account-donvi" in shown and "(bạn)" in shown  # the admin's own row is marked
    assert {p["value"] for p in picks} == {"admin", "lanhdao", "duyet", "donvi"}
    assert units == new_units and set(_units(app)) <= {u["value"] for u in units}


def test_adding_an_account_as_the_admin(app):
    with signed_in_as(app, "admin") as engine:
        message, done, new_pw, pw, _ = _act(
            ids.AC_ADD,
            new_username="  DonVi.Yte ",
            new_full_name="Trần Thị B",
            new_role="uploader",
            new_units=[_units(app)[1]],
            new_email="b@soyte.gov.vn",
            new_password=PASSWORD,
            done=2,
        )
        assert "Đã thêm tài khoản «donvi.yte» (Đơn vị nộp báo cáo)" in text_of(message)
        assert done == 3 and new_pw == "" and pw == ""  # the passwords are emptied
        assert "donvi.yte" in _table() and "Trần Thị B" in _table()
    made = accounts.get_account(engine, username="donvi.yte")
    assert made.role == "uploader" and made.unit_ids == {_units(app)[1]}
    assert made.email == "b@soyte.gov.vn" and made.full_name == "Trần Thị B"
    entry = _log(engine)[0]
    assert (entry["action"], entry["actor"], entry["target"]) == ("user.add", "admin", "donvi.yte")
    assert accounts.authenticate(engine, "donvi.yte", PASSWORD, "127.0.0.1").active


@pytest.mark.parametrize(
    ("fields", "says"),
    [
        ({"new_password": "ngan"}, "Mật khẩu phải có ít nhất 10 ký tự"),
        ({"new_units": []}, "Tài khoản nộp báo cáo cần ít nhất một đơn vị"),
        ({"new_username": "donvi"}, "Tài khoản «donvi» đã có"),
        ({"new_username": "   "}, "Cần tên đăng nhập"),
        ({"new_username": "co dau cach"}, "không được có dấu cách"),
        ({"new_username": "x" * 81}, "Tên đăng nhập dài quá 80 ký tự"),
        ({"new_full_name": "A" * 161}, "Họ tên dài quá 160 ký tự"),
        ({"new_email": "khong-phai-thu"}, "không hợp lệ"),
        ({"new_units": [999_999_999]}, "Không có đơn vị số 999999999"),
        ({"new_units": ["Sở Nội vụ"]}, "Đơn vị đã chọn không hợp lệ"),
        ({"new_units": "1"}, "Đơn vị đã chọn không hợp lệ"),
        ({"new_role": None}, "Cần chọn vai trò"),
        ({"new_role": "superuser"}, "Vai trò «superuser» không hợp lệ"),
        ({"new_password": ["x" * 12]}, "Mật khẩu phải có ít nhất 10 ký tự"),
    ],
)
def test_a_refused_account_says_why_and_changes_nothing(app, fields, says):
    good = {
        "new_username": "moi",
        "new_role": "uploader",
        "new_units": [_units(app)[0]],
        "new_password": PASSWORD,
    }
    with signed_in_as(app, "admin") as engine:
        before, log_before = accounts.list_accounts(engine), len(_log(engine))
        message, done, *_ = _act(ids.AC_ADD, **(good | fields))
    shown = text_of(message)
    assert says in shown and " / " not in shown  # Vietnamese only
    assert done is no_update
    assert accounts.list_accounts(engine) == before and len(_log(engine)) == log_before


def test_role_units_and_email(app):
    with signed_in_as(app, "admin") as engine:
        message, done, *_ = _act(
            ids.AC_SAVE_ROLE, pick="donvi", role="uploader", units=sorted(_units(app))
        )
        assert "«donvi»: Đơn vị nộp báo cáo, 2 đơn vị được nộp." in text_of(message) and done == 1
        message, *_ = _act(ids.AC_SAVE_ROLE, pick="lanhdao", role="reviewer", units=[])
        assert "«lanhdao»: Sở Nội vụ (duyệt báo cáo)" in text_of(message)
        message, *_ = _act(ids.AC_SAVE_ROLE, pick="duyet", role="uploader", units=[])
        assert "cần ít nhất một đơn vị" in text_of(message)
        message, *_ = _act(ids.AC_SAVE_EMAIL, pick="donvi", email=" a@snv.gov.vn ")
        assert "«donvi»: e-mail a@snv.gov.vn." in text_of(message)
        message, *_ = _act(ids.AC_SAVE_EMAIL, pick="donvi", email="a@b")
        assert "không hợp lệ" in text_of(message)
        message, *_ = _act(ids.AC_SAVE_EMAIL, pick="khong-co", email="")
        assert "Không có tài khoản «khong-co»" in text_of(message)
        message, *_ = _act(ids.AC_SAVE_EMAIL, pick=None, email="")
        assert "Cần chọn tài khoản" in text_of(message)
    assert accounts.get_account(engine, username="donvi").unit_ids == set(_units(app))
    assert accounts.get_account(engine, username="donvi").email == "a@snv.gov.vn"
    assert accounts.get_account(engine, username="lanhdao").role == "reviewer"
    assert accounts.get_account(engine, username="duyet").role == "reviewer"
    actions = [(e["action"], e["actor"]) for e in _log(engine)[:3]]
    assert actions == [("user.email", "admin"), ("user.role", "admin"), ("user.role", "admin")]


def test_locking_unlocking_and_a_new_password(app):
    with signed_in_as(app, "admin") as engine:
        token = accounts.create_token(engine, "donvi", "may chu", "admin")
        message, done, *_ = _act(ids.AC_DISABLE, pick="donvi")
        assert "Đã khóa «donvi»" in text_of(message) and done == 1
        assert "Đã khóa" in _table()
        assert accounts.account_for_token(engine, token) is None  # its tokens stop too
        with pytest.raises(accounts.AccountError):
            accounts.authenticate(engine, "donvi", PASSWORD, "127.0.0.2")
        message, *_ = _act(ids.AC_ENABLE, pick="donvi")
        assert "Đã mở khóa «donvi»" in text_of(message)
        message, done, _, password_field, _ = _act(
            ids.AC_SET_PASSWORD, pick="donvi", password="ngan"
        )
        assert "ít nhất 10 ký tự" in text_of(message) and done is no_update
        assert password_field == ""  # emptied even when refused
        message, done, *_ = _act(ids.AC_SET_PASSWORD, pick="donvi", password=NEW_PASSWORD)
        assert "Đã đặt mật khẩu mới cho «donvi»" in text_of(message) and done == 1
    assert accounts.authenticate(engine, "donvi", NEW_PASSWORD, "127.0.0.3").username == "donvi"
    actions = [e["action"] for e in _log(engine) if e["actor"] == "admin"]
    assert {"user.disable", "user.enable", "user.password"} <= set(actions)


def test_an_api_token_is_shown_once_with_its_label(app):
    with signed_in_as(app, "admin") as engine:
        message, done, _, _, label = _act(ids.AC_TOKEN, pick="duyet", token_label=" dong bo ")
        shown = text_of(message)
        assert "Đã tạo mã API «dong bo» cho «duyet»" in shown and done == 1 and label == ""
        token = json.loads(shown)["props"]["children"][1]["props"]["children"]["props"]["children"]
        assert accounts.account_for_token(engine, token).username == "duyet"
        assert token not in json.dumps(_log(engine), default=str)  # only its hash is kept
        message, done, *_ = _act(ids.AC_TOKEN, pick="duyet", token_label="  ")
        assert "Cần nhãn cho mã API" in text_of(message) and done is no_update
        message, *_ = _act(ids.AC_TOKEN, pick="duyet", token_label="x" * 121)
        assert "Nhãn mã API dài quá 120 ký tự" in text_of(message)
        _act(ids.AC_DISABLE, pick="duyet")
        message, *_ = _act(ids.AC_TOKEN, pick="duyet", token_label="sau khi khoa")
        assert "đang bị khóa" in text_of(message)
    assert accounts.active_token_counts(engine) == {}  # locking revoked the one made


def test_an_admin_cannot_lock_themselves_out(app):
    from pages.admin_accounts import fill_form

    with signed_in_as(app, "admin") as engine:
        accounts.create_account(engine, "qt2", PASSWORD, "admin")
        log_before = len(_log(engine))
        message, done, *_ = _act(ids.AC_DISABLE, pick="admin")
        assert "Không tự khóa tài khoản của chính mình" in text_of(message) and done is no_update
        for role in ("viewer", "reviewer", "uploader"):
            message, *_ = _act(ids.AC_SAVE_ROLE, pick="admin", role=role, units=[_units(app)[0]])
            assert "Không tự bỏ quyền quản trị" in text_of(message)
        assert len(_log(engine)) == log_before
        picked, role, _units_held, _email, disable_off, enable_off = fill_form("admin", 0)
        assert "Đây là tài khoản của bạn" in text_of(picked) and role == "admin"
        assert disable_off and enable_off  # «Khóa» is greyed out for one's own account
        _, role, units, _, disable_off, enable_off = fill_form("donvi", 0)
        assert role == "uploader" and units == [_units(app)[0]]
        assert not disable_off and enable_off
        message, *_ = _act(ids.AC_SAVE_ROLE, pick="qt2", role="viewer", units=[])
        assert "«qt2»: Lãnh đạo (xem)" in text_of(message)  # another admin may be demoted
    me = accounts.get_account(engine, username="admin")
    assert me.active and me.role == "admin"


def test_a_rows_button_chooses_the_account():
    from dash._callback_context import context_value

    from components.accounts_view import edit_id
    from pages.admin_accounts import pick_from_table

    key = json.dumps(edit_id("donvi"), sort_keys=True, separators=(",", ":"))
    for value, expected in ((1, "donvi"), (None, no_update)):
        token = context_value.set(
            SimpleNamespace(triggered_inputs=[{"prop_id": f"{key}.n_clicks", "value": value}])
        )
        try:
            assert pick_from_table([value]) == expected
        finally:
            context_value.reset(token)


# ---------------------------------------------------------------- who may


def _request(button: str, fields: dict) -> dict:
    """The body the browser posts for a click on `button` of the section."""
    from pages.admin_accounts import BUTTONS

    outputs = [
        (ids.AC_OUTCOME, "children"),
        (ids.AC_DONE, "data"),
        (ids.AC_NEW_PASSWORD, "value"),
        (ids.AC_PASSWORD, "value"),
        (ids.AC_TOKEN_LABEL, "value"),
    ]
    values = {name: None for name in FIELDS} | {"done": 0} | fields
    return {
        "output": ".." + "...".join(f"{i}.{p}" for i, p in outputs) + "..",
        "outputs": [{"id": i, "property": p} for i, p in outputs],
        "inputs": [
            {"id": b, "property": "n_clicks", "value": 1 if b == button else None} for b in BUTTONS
        ],
        "changedPropIds": [f"{button}.n_clicks"],
        "state": [
            {"id": i, "property": p, "value": values[name]}
            for (i, p), name in zip(STATES, FIELDS, strict=True)
        ],
    }


@contextmanager
def _client(app, username: str, password: str):
    app.server.test_client().get("/login")  # Dash builds its callback map on a first request
    client = app.server.test_client()
    yield client, login(client, username, password)


@pytest.mark.parametrize(
    ("username", "password", "status"),
    [
        ("donvi", PASSWORD, 403),
        ("lanhdao", PASSWORD, 403),
        ("duyet", PASSWORD, 403),
        ("admin", ADMIN_PASSWORD, 200),
    ],
)
def test_only_admins_may_act_on_accounts(app, username, password, status):
    engine = app.server.extensions["tgbc_engine"]
    add = _request(
        ids.AC_ADD,
        {"new_username": "ke_gian", "new_role": "admin", "new_password": PASSWORD},
    )
    lock = _request(ids.AC_DISABLE, {"pick": "donvi"})
    reset = _request(ids.AC_SET_PASSWORD, {"pick": "donvi", "password": NEW_PASSWORD})
    table = {
        "output": f"..{ids.AC_LIST}.children...{ids.AC_PICK}.options..."
        f"{ids.AC_UNITS}.options...{ids.AC_NEW_UNITS}.options..",
        "outputs": [
            {"id": i, "property": p}
            for i, p in (
                (ids.AC_LIST, "children"),
                (ids.AC_PICK, "options"),
                (ids.AC_UNITS, "options"),
                (ids.AC_NEW_UNITS, "options"),
            )
        ],
        "inputs": [
            {"id": ids.ADMIN_URL, "property": "pathname", "value": "/quan-tri"},
            {"id": ids.AC_DONE, "property": "data", "value": 0},
        ],
        "changedPropIds": [f"{ids.ADMIN_URL}.pathname"],
        "state": [],
    }
    with _client(app, username, password) as (client, csrf):
        for body in (table, add, lock, reset):
            got = client.post("/_dash-update-component", json=body, headers={"X-CSRFToken": csrf})
            assert got.status_code == status, got.get_data(as_text=True)[:300]
            if status == 403:
                assert "Chỉ quản trị viên" in got.get_json()["error"]
    made = accounts.get_account(engine, username="ke_gian")
    donvi = accounts.get_account(engine, username="donvi")
    if status == 403:
        assert made is None and donvi.active
        with pytest.raises(accounts.AccountError):
            accounts.authenticate(engine, "donvi", NEW_PASSWORD, "127.0.0.9")
    else:
        assert made is not None and made.role == "admin" and not donvi.active


# ---------------------------------------------------------------- the other sections


def test_the_plans_section_shows_a_waiting_plan_then_its_targets_in_force(app):
    from etl import service
    from etl.storage import reviews
    from pages.admin import render_plans, render_queue_summary
    from web import context

    with signed_in_as(app, "admin") as engine:
        before = text_of(render_plans("/quan-tri"))
        assert "Chỉ tiêu đang áp dụng" in before and "Lịch sử chỉ tiêu" in before
        assert "Đang áp dụng" in before  # the sample's plan
        admin = accounts.get_account(engine, username="admin")
        plan = service.ingest_as(
            engine, city_targets("7%", "12%"), "ke_hoach_moi.xlsx", admin, context.settings()
        )
        assert plan.status == "accepted", plan.problems
        waiting = text_of(render_plans("/quan-tri"))
        assert "2 chỉ tiêu trong 1 tệp Biểu 00 đang chờ duyệt" in waiting
        assert "ke_hoach_moi.xlsx" in waiting and "Chờ duyệt" in waiting
        assert "Toàn thành phố · Biên chế công chức: 5% → 7%" in waiting  # the sample's 5%
        assert "Toàn thành phố · Người làm việc: 10% → 12%" in waiting
        assert "1 báo cáo đang chờ duyệt" in text_of(render_queue_summary("/quan-tri", 0))
        with engine.begin() as conn:
            reviews.approve(conn, plan.submission_id, "admin")
        shown = json.loads(text_of(render_plans("/quan-tri")))
        assert "Không có báo cáo nào đang chờ duyệt" in text_of(
            render_queue_summary("/quan-tri", 0)
        )
    in_force = _find(shown, "targets-in-force")
    assert "ke_hoach_moi.xlsx" in json.dumps(in_force, ensure_ascii=False)
    assert "7%" in json.dumps(in_force) and "12%" in json.dumps(in_force)
    assert "Đã được thay" in json.dumps(shown, ensure_ascii=False)  # the sample's plan


def _grid(tree):
    """The first grid (a component holding `rowData`) in a component tree."""
    if getattr(tree, "rowData", None) is not None:
        return tree
    children = tree if isinstance(tree, list) else getattr(tree, "children", None)
    for child in children if isinstance(children, list) else [children]:
        if child is not None and not isinstance(child, str):
            found = _grid(child)
            if found is not None:
                return found
    return None


def _find(tree, testid: str):
    """The component of `tree` (JSON) with data-testid `testid`."""
    if isinstance(tree, dict):
        if tree.get("props", {}).get("data-testid") == testid:
            return tree
        children = tree.get("props", {}).get("children")
        return _find(children, testid) if children is not None else None
    if isinstance(tree, list):
        for child in tree:
            if (found := _find(child, testid)) is not None:
                return found
    return None


# ---------------------------------------------------------------- reads (both databases)


def test_account_reads(engine, ingest):
    from tests.builders import form01, workbook_bytes

    ingest(workbook_bytes(form01([[1, "Sở Nội vụ", 40, 40, 39, 38]])))
    choices = accounts.unit_choices(engine)
    assert [c.name for c in choices] == ["Sở Nội vụ"] and choices[0].label == "Sở Nội vụ"
    accounts.create_account(engine, "a", PASSWORD, "uploader", unit_ids=[choices[0].id])
    accounts.create_account(engine, "b", PASSWORD, "viewer", full_name="  Lê Văn C  ")
    for label in ("mot", "hai"):
        accounts.create_token(engine, "a", label, "admin")
    accounts.create_token(engine, "b", "ba", "admin")
    accounts.set_active(engine, "b", False, "admin")
    ids_ = {a.username: a.id for a in accounts.list_accounts(engine)}
    assert accounts.active_token_counts(engine) == {ids_["a"]: 2}
    assert accounts.get_account(engine, username="b").full_name == "Lê Văn C"
    assert accounts.get_account(engine, username="a").last_login_at is None
    accounts.authenticate(engine, "a", PASSWORD, "127.0.0.1")
    assert accounts.get_account(engine, username="a").last_login_at is not None


@pytest.mark.parametrize(
    ("code", "label"),
    [
        ("user.add", "Thêm tài khoản"),
        ("user.disable", "Khóa tài khoản"),
        ("upload.refused", "Nộp báo cáo: bị từ chối"),
        ("export.report.pdf", "Tải xuống: báo cáo PDF"),
        ("export.table", "Tải xuống: bảng (Excel)"),
        ("export.chart", "Tải xuống: biểu đồ"),
        ("export.other", "Tải xuống: other"),
        ("something.new", "something.new"),
    ],
)
def test_audit_actions_read_in_vietnamese(code, label):
    from components.admin_view import audit_action_label

    assert audit_action_label(code) == label


def test_every_download_the_exports_write_is_named_in_vietnamese():
    from components.admin_view import EXPORT_LABELS
    from reporting.exports import FORMATS

    written = {"table"} | {
        kind if kind != "report" else f"report.{fmt}"
        for kind, fmts in FORMATS.items()
        for fmt in fmts
    }
    assert sorted(written - set(EXPORT_LABELS)) == []


def test_the_audit_log_shows_vietnam_time_and_vietnamese_actions(app):
    from pages.admin import render_admin

    with signed_in_as(app, "admin") as engine:
        _act(ids.AC_DISABLE, pick="donvi")
        grid = _grid(render_admin("/quan-tri", 0, 1))
    first = grid.rowData[0]
    entry = _log(engine)[0]
    stored = entry["at"] if entry["at"].tzinfo else entry["at"].replace(tzinfo=dt.UTC)
    assert first["action"] == "Khóa tài khoản" and first["actor"] == "admin"
    assert first["at"] == in_vietnam(stored).strftime("%d/%m/%Y %H:%M:%S")


def test_a_nul_or_control_character_is_refused_not_sent_to_the_database(engine):
    """PostgreSQL refuses NUL in a text: every account function answers before the query."""
    accounts.create_account(engine, "a", PASSWORD, "viewer")
    assert accounts.get_account(engine, username="a\x00") is None
    for call, says in (
        (lambda: accounts.set_email(engine, "a\x00", None, "admin"), "Không có tài khoản"),
        (lambda: accounts.authenticate(engine, "a\x00", PASSWORD, "127.0.0.1"), "Sai tên"),
        (lambda: accounts.create_account(engine, "b\x00", PASSWORD, "viewer"), "dấu cách"),
        (
            lambda: accounts.create_account(engine, "b", PASSWORD, "viewer", full_name="B\x00"),
            "Họ tên có ký tự điều khiển",
        ),
        (lambda: accounts.set_email(engine, "a", "a\x00@b.vn", "admin"), "ký tự điều khiển"),
        (lambda: accounts.create_token(engine, "a", "nhan\x00", "admin"), "ký tự điều khiển"),
    ):
        with pytest.raises(accounts.AccountError, match=says):
            call()
    assert [a.username for a in accounts.list_accounts(engine)] == ["a"]
    assert accounts.authenticate(engine, "a", PASSWORD, "127.0.0.1").username == "a"


def test_every_output_of_the_admin_sections_is_for_admins(app):
    """A callback writing any part of the accounts, plans or queue sections is refused to
    every account but an admin's (a new output left unprotected fails here)."""
    from web import policy

    app.server.test_client().get("/login")  # Dash builds its callback map on a first request
    keys = [
        key
        for key in app.callback_map
        if any(
            i.startswith(("account-", "plans-", "admin-", "plan-")) for i in policy.output_ids(key)
        )
    ]
    assert len(keys) >= 6
    for key in keys:
        for output in policy.output_ids(key):  # each output on its own
            assert policy.callback_access(f"{output}.children") == [policy.ADMIN], key
