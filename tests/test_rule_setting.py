"""The merged-province baseline rule as an administrator's choice (docs/domain.md, "Provinces
and mergers"): stored append-only in `rule_setting`, audited, in the data version, carried by
the Dataset; the setting `MERGER_BASELINE_RULE` only when nothing is stored.

Figures on the two-province merger of tests/test_provinces.py (`two`), at 31/12/2025:
Hậu Giang's baseline is Sở Y tế 80 + Sở Tư pháp 30 = 110. Its Sở Y tế merged into Cần Thơ's
(100 at baseline), which has 160 now. Split by baselines (`tong_truoc_sap_nhap`) Hậu Giang
holds 4/9 of it: current 160 × 4/9 + 28; counted wholly in the receiver's province
(`theo_don_vi_tiep_nhan`) Hậu Giang keeps Sở Tư pháp alone: baseline 30, current 28. The
whole province is 360 either way.
"""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import text

from etl import service
from etl.core.rules import MERGER_RULE
from etl.measures import provinces
from etl.measures.cache import DatasetCache, load_dataset
from etl.storage import accounts, db
from etl.storage import rules as stored
from tests.test_cli import new_env  # noqa: F401  (the fixture)
from tests.test_provinces import two  # noqa: F401  (the fixture)
from tests.test_review_page import PASSWORD

AS_OF = dt.date(2025, 12, 31)
HG = "Tỉnh Hậu Giang (cũ)"
SPLIT, WHOLE = "tong_truoc_sap_nhap", "theo_don_vi_tiep_nhan"


def _hau_giang(engine) -> dict:
    return service.summary(engine, as_of=AS_OF, province=HG)["cong_chuc"]


def _choose(engine, value: str, actor: str = "qt") -> None:
    with engine.begin() as conn:
        stored.set_rule(conn, MERGER_RULE, value, actor=actor)


def _count(engine, table: str) -> int:
    with engine.connect() as conn:
        return int(conn.execute(text(f"SELECT COUNT(*) FROM {table}")).scalar_one())


def test_without_a_stored_choice_the_setting_rules(engine, two, monkeypatch):  # noqa: F811
    ds = service.load_dataset(engine)
    assert ds.rules == {} and provinces.baseline_rule(ds) == SPLIT
    hg = _hau_giang(engine)
    assert hg["baseline"] == 110 and hg["current"] == pytest.approx(160 * 4 / 9 + 28)
    monkeypatch.setenv("MERGER_BASELINE_RULE", WHOLE)
    assert provinces.baseline_rule(service.load_dataset(engine)) == WHOLE
    hg = _hau_giang(engine)
    assert (hg["baseline"], hg["current"]) == (30, 28)


def test_an_admins_choice_changes_the_figures_and_is_audited(engine, two, monkeypatch):  # noqa: F811
    _choose(engine, WHOLE)
    ds = service.load_dataset(engine)
    assert provinces.baseline_rule(ds) == WHOLE
    assert ds.rules[MERGER_RULE].set_by == "qt" and ds.rules[MERGER_RULE].set_at is not None
    hg = _hau_giang(engine)
    assert (hg["baseline"], hg["current"]) == (30, 28)
    whole = service.summary(engine, as_of=AS_OF)
    assert whole["cong_chuc"]["baseline"] == 360
    assert "tính trọn" in whole["merger_rule"] and "theo tỷ lệ" not in whole["merger_rule"]
    # the stored choice wins over the setting, both ways
    monkeypatch.setenv("MERGER_BASELINE_RULE", SPLIT)
    assert (_hau_giang(engine)["baseline"], _hau_giang(engine)["current"]) == (30, 28)
    _choose(engine, SPLIT, actor="qt2")
    monkeypatch.setenv("MERGER_BASELINE_RULE", WHOLE)
    hg = _hau_giang(engine)
    assert hg["baseline"] == 110 and hg["current"] == pytest.approx(160 * 4 / 9 + 28)
    assert "theo tỷ lệ số gốc" in service.summary(engine, as_of=AS_OF)["merger_rule"]
    log = [e for e in accounts.read_audit(engine) if e["action"] == "rule.set"]
    assert [(e["actor"], e["target"], e["detail"]) for e in log] == [
        ("qt2", MERGER_RULE, {"previous": WHOLE, "value": SPLIT}),
        ("qt", MERGER_RULE, {"previous": SPLIT, "value": WHOLE}),
    ]
    with engine.connect() as conn:
        assert [(c.value, c.set_by) for c in stored.history(conn, MERGER_RULE)] == [
            (SPLIT, "qt2"),
            (WHOLE, "qt"),
        ]


def test_a_choice_that_cannot_be_stored_changes_nothing(engine, two):  # noqa: F811
    _choose(engine, WHOLE)
    before = (_count(engine, "rule_setting"), _count(engine, "audit_log"))
    version = db.data_version(engine)
    for name, value, said in (
        (MERGER_RULE, WHOLE, "đang được áp dụng"),
        (MERGER_RULE, "trung_binh", "Cần chọn một trong các quy tắc"),
        (MERGER_RULE, None, "Cần chọn một trong các quy tắc"),
        ("khong_co", SPLIT, "Không có quy tắc này"),
    ):
        with pytest.raises(stored.RuleError, match=said), engine.begin() as conn:
            stored.set_rule(conn, name, value, actor="qt")
    assert (_count(engine, "rule_setting"), _count(engine, "audit_log")) == before
    assert db.data_version(engine) == version


def test_the_choices_are_append_only(engine, two):  # noqa: F811
    _choose(engine, WHOLE)
    for sql in (
        "UPDATE rule_setting SET value = 'tong_truoc_sap_nhap'",
        "DELETE FROM rule_setting",
    ):
        with pytest.raises(Exception, match="append-only"), engine.begin() as conn:
            conn.execute(text(sql))
    assert provinces.baseline_rule(service.load_dataset(engine)) == WHOLE


def test_a_choice_is_a_new_data_version_and_the_caches_follow_it(engine, two):  # noqa: F811
    cache = DatasetCache()
    first = cache.get(engine)
    split = service.summary_of(first, service.resolve_view(engine, first, _view()))
    assert cache.get(engine) is first  # nothing changed: the same Dataset, its memo kept
    version = db.data_version(engine)
    _choose(engine, WHOLE)
    assert db.data_version(engine) != version
    again = cache.get(engine)
    assert again is not first and again.version != first.version
    assert provinces.baseline_rule(again) == WHOLE and provinces.baseline_rule(first) == SPLIT
    whole = service.summary_of(again, service.resolve_view(engine, again, _view()))
    assert split["cong_chuc"]["baseline"] == 110 and whole["cong_chuc"]["baseline"] == 30
    # derived from the previous Dataset (as the cache does): the same as a full load
    derived = load_dataset(engine, previous=first)
    assert derived.rules == service.load_dataset(engine).rules == again.rules


def _view():
    from etl.measures.query import View

    return View(as_of=AS_OF, province=HG)


# ---------------------------------------------------------------- the administration page


@pytest.fixture
def app(isolated_app):
    engine = isolated_app.server.extensions["tgbc_engine"]
    units = accounts.resolve_units(engine, ["Sở Nội vụ"])
    accounts.create_account(engine, "lanhdao", PASSWORD, "viewer")
    accounts.create_account(engine, "donvi", PASSWORD, "uploader", unit_ids=[units[0]])
    accounts.create_account(engine, "duyet", PASSWORD, "reviewer")
    return isolated_app


SAVE = {
    "output": "..rule-outcome.children...rule-done.data..",
    "outputs": [
        {"id": "rule-outcome", "property": "children"},
        {"id": "rule-done", "property": "data"},
    ],
    "inputs": [{"id": "rule-save", "property": "n_clicks", "value": 1}],
    "changedPropIds": ["rule-save.n_clicks"],
    "state": [
        {"id": "rule-choice", "property": "value", "value": WHOLE},
        {"id": "rule-done", "property": "data", "value": 0},
    ],
}


@pytest.mark.parametrize(
    ("username", "status"),
    [("lanhdao", 403), ("donvi", 403), ("duyet", 403), ("admin", 200)],
)
def test_only_admins_may_change_the_rule(app, username, status):
    from tests.conftest import ADMIN_PASSWORD, login

    app.server.test_client().get("/login")  # Dash builds its callback map on a first request
    client = app.server.test_client()
    token = login(client, username, ADMIN_PASSWORD if username == "admin" else PASSWORD)
    engine = app.server.extensions["tgbc_engine"]
    got = client.post("/_dash-update-component", json=SAVE, headers={"X-CSRFToken": token})
    assert got.status_code == status, got.get_data(as_text=True)[:200]
    if status == 403:
        assert "Chỉ quản trị viên" in got.get_json()["error"]
        assert _count(engine, "rule_setting") == 0
    else:
        said = got.get_json()["response"]["rule-outcome"]["children"]["props"]["children"]
        assert said.startswith("Đã áp dụng quy tắc «Tính trọn")
        with engine.connect() as conn:
            assert stored.current(conn)[MERGER_RULE].set_by == "admin"


def test_the_section_shows_the_rule_in_force_and_the_audit_names_the_change(app):
    from dash import no_update

    from pages.admin import render_admin
    from pages.admin_rules import on_rule_save, render_rule
    from tests.test_app import text_of
    from tests.test_provinces import _texts
    from tests.test_review_page import clicked, signed_in_as

    with signed_in_as(app, "admin"):
        shown, value = render_rule("/quan-tri", 0)
        assert value == SPLIT
        said = _texts(shown)
        assert "Đang áp dụng:" in said and "Chia theo tỷ lệ số gốc của các tỉnh (cũ)" in said
        assert "mặc định theo cấu hình (MERGER_BASELINE_RULE)" in said
        with clicked("rule-save"):
            message, done = on_rule_save(1, WHOLE, 0)
        assert "Đã áp dụng quy tắc «Tính trọn cho tỉnh (cũ) của đơn vị tiếp nhận»" in text_of(
            message
        )
        assert done == 1
        shown, value = render_rule("/quan-tri", 1)
        assert value == WHOLE
        said = _texts(shown)
        assert (
            "Tính trọn cho tỉnh (cũ) của đơn vị tiếp nhận" in said and "do admin chọn lúc" in said
        )
        assert "Các lần chọn trước" not in said  # the default was never a stored choice
        assert "mặc định theo cấu hình" not in said
        with clicked("rule-save"):
            message, done = on_rule_save(1, WHOLE, 1)  # the same again: refused, nothing stored
        assert "đang được áp dụng" in text_of(message) and done is no_update
        with clicked("rule-save"):
            message, _done = on_rule_save(1, {"x": 1}, 1)  # what the page cannot send
        assert "Cần chọn một trong các quy tắc" in text_of(message)
        log = text_of(render_admin("/quan-tri"))
    assert "Đổi quy tắc sáp nhập tỉnh, thành phố" in log
    assert "trước đây: Chia theo tỷ lệ số gốc của các tỉnh (cũ)" in log
    assert "nay: Tính trọn cho tỉnh (cũ) của đơn vị tiếp nhận" in log
    assert _count(app.server.extensions["tgbc_engine"], "rule_setting") == 1


def test_pages_and_report_say_the_rule_in_force(engine, two):  # noqa: F811
    from components.overview import make_merger_note
    from etl.measures.narrative import build_narrative
    from tests.test_provinces import _texts

    _choose(engine, WHOLE)
    s = service.summary(engine, as_of=AS_OF)
    assert "tính trọn cho tỉnh (cũ) của đơn vị tiếp nhận" in _texts(
        make_merger_note(s["merger_rule"])
    )
    assert "tính trọn cho tỉnh (cũ) của đơn vị tiếp nhận" in build_narrative(s).plain_text()


def test_the_command_line_shows_and_sets_the_rule(new_env, capsys):  # noqa: F811
    from etl.cli import main

    assert main(["migrate"]) == 0
    capsys.readouterr()
    assert main(["rule", "show"]) == 0
    out = capsys.readouterr().out
    assert f"đang áp dụng: {SPLIT}" in out and "mặc định theo cấu hình" in out
    assert main(["rule", "set", WHOLE]) == 0
    out = capsys.readouterr().out
    assert f"đang áp dụng: {WHOLE}" in out and "do cli chọn lúc" in out and "trước đó" not in out
    assert main(["rule", "set", WHOLE]) == 2  # already in force: said, nothing stored
    assert "đang được áp dụng" in capsys.readouterr().err
    assert main(["rule", "set"]) == 2
    assert "Cần chọn một trong các quy tắc" in capsys.readouterr().err
    with pytest.raises(SystemExit):  # not a rule: argparse's usage error
        main(["rule", "set", "trung_binh"])
    assert main(["rule", "set", SPLIT]) == 0
    assert "trước đó:" in capsys.readouterr().out
