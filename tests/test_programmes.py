"""Programmes as data (docs/domain.md, "Programme targets"): two programmes side by side, each
with its own baseline year, end year and rules, hand-computed.

The city of these tests, at the cut-off 30/06/2026:

| unit | form | sector | 2021 | 2026 |
| --- | --- | --- | --- | --- |
| Sở Alpha | 01 | | 100 | 90 |
| Sở Beta | 01 | | 60 | 55 |
| Trường Gamma | 02 | Giáo dục và Đào tạo | 300 | 300 |
| Bệnh viện Delta | 02 | Y tế | 200 | 200 |
| Trung tâm Epsilon | 02 | Nông nghiệp | 100 | 80 |

Plans: «2022 - 2026» (Năm gốc 2021): −5% công chức, −10% người làm việc. «2026 - 2031» (Năm gốc
2026): −20% công chức, −10% người làm việc with Giáo dục và Đào tạo and Y tế kept stable, and
Sở Alpha's own row: 10 công chức.
"""

from __future__ import annotations

import datetime as dt
import json

import pytest

from etl import service
from etl.cli import main
from etl.measures import analysis, metrics, programmes
from etl.measures.query import BadParameter, View, parse_view, resolve_view
from etl.measures.scoping import Filter
from tests.builders import (
    LABELS_00,
    LABELS_02,
    city_targets,
    form01,
    form02,
    workbook_bytes,
    xlsx,
)

AS_OF = dt.date(2026, 6, 30)
TITLE = [["Biểu số 01"], ["Số liệu tính đến ngày: 30/06/2026"]]
CC, NLV = "Biên chế công chức", "Người làm việc"
KL40 = "Kết luận 40-KL/TW ngày 18/07/2022"
CV = "Công văn 10989/BNV-TCBC ngày 31/12/2025"
PLAN_FIELDS = (
    "stt", "scope", "measure", "base_year", "pct", "count", "doc_ref", "programme", "basis",
    "exclude_sectors",
)  # fmt: skip


def agencies() -> bytes:
    rows = [[1, "Sở Alpha", 100, 90], [2, "Sở Beta", 60, 55]]
    return workbook_bytes(form01(rows, years=(2021, 2026), extra=(), title=TITLE))


def service_units() -> bytes:
    rows = [
        [1, "Trường Gamma", "Giáo dục và Đào tạo", 300, 300, None],
        [2, "Bệnh viện Delta", "Y tế", 200, 200, None],
        [3, "Trung tâm Epsilon", "Nông nghiệp", 100, 80, None],
    ]
    title = [["Biểu số 02"], ["Số liệu tính đến ngày: 30/06/2026"]]
    return workbook_bytes(
        form02(rows, years=(2021, 2026), tail=(LABELS_02["pending"],), title=title)
    )


def plan(rows: list[list[object]], fields: tuple[str, ...] = PLAN_FIELDS) -> bytes:
    header = [LABELS_00[f] for f in fields]
    return xlsx({"Biểu 00": [["Biểu số 00"], header, *rows]})


PLAN_2022 = [
    [1, "Toàn thành phố", CC, 2021, "5%", None, "KH 123", "2022 - 2026", KL40, None],
    [2, "Toàn thành phố", NLV, 2021, "10%", None, "KH 123", "Giai đoạn 2022-2026", KL40, None],
]
PLAN_2026 = [
    [1, "Toàn thành phố", CC, 2026, "20%", None, "KH 9", "2026 – 2031", CV, None],
    [
        2,
        "Toàn thành phố",
        NLV,
        2026,
        "10%",
        None,
        "KH 9",
        "2026-2031",
        CV,
        "Giáo dục và Đào tạo; Y tế",
    ],
    [3, "Sở Alpha", CC, 2026, None, 10, "KH 9", "2026 - 2031", CV, None],
]


@pytest.fixture
def city(engine, ingest):
    """The city above with both programmes' plans, approved."""
    for content, name in (
        (agencies(), "b01.xlsx"),
        (service_units(), "b02.xlsx"),
        (plan(PLAN_2022), "kh_2022.xlsx"),
        (plan(PLAN_2026), "kh_2026.xlsx"),
    ):
        result = ingest(content, name)
        assert result.status == "accepted", [p.message_vi for p in result.errors]
    return service.load_dataset(engine)


def test_both_programmes_are_stored_with_their_own_baseline_and_end(city):
    found = programmes.programmes(city)
    assert [(p.name, p.baseline_year, p.start_year, p.end_year, p.basis) for p in found] == [
        ("2022 - 2026", 2021, 2022, 2026, KL40),
        ("2026 - 2031", 2026, 2026, 2031, CV),
    ]


def test_the_default_programme_is_the_earliest_still_running(city):
    assert programmes.programme_for(city, dt.date(2024, 6, 30)).name == "2022 - 2026"
    assert programmes.programme_for(city, AS_OF).name == "2022 - 2026"  # ends this year
    assert programmes.programme_for(city, dt.date(2027, 6, 30)).name == "2026 - 2031"
    assert programmes.programme_for(city, dt.date(2032, 6, 30)).name == "2026 - 2031"  # latest
    with pytest.raises(programmes.UnknownProgramme):
        programmes.programme_for(city, AS_OF, "2031 - 2036")


def test_2022_2026_measures_against_2021(city):
    s = metrics.summary(city, AS_OF)
    assert s["programme"] == {
        "name": "2022 - 2026",
        "basis": KL40,
        "baseline_year": 2021,
        "end_year": 2026,
        "start_year": 2022,
    }
    cc, nlv = s["cong_chuc"], s["nguoi_lam_viec"]
    # 100 + 60 = 160 in 2021; 90 + 55 = 145 now; 5% × 160 = 8
    assert (cc["baseline_year"], cc["baseline"], cc["current"], cc["reduced"]) == (
        2021, 160, 145, 15,
    )  # fmt: skip
    assert cc["target"] == pytest.approx(8.0)
    assert cc["pct_of_target"] == pytest.approx(15 / 8 * 100)
    # 300 + 200 + 100 = 600; 300 + 200 + 80 = 580; 10% × 600 = 60
    assert (nlv["baseline"], nlv["current"], nlv["reduced"]) == (600, 580, 20)
    assert nlv["target"] == pytest.approx(60.0)


def test_2026_2031_measures_against_the_2026_level_and_keeps_two_sectors_stable(city):
    s = metrics.summary(city, AS_OF, programme="2026 - 2031")
    assert s["programme"]["name"] == "2026 - 2031" and s["programme"]["basis"] == CV
    cc, nlv = s["cong_chuc"], s["nguoi_lam_viec"]
    # 2026 level 145, nothing reduced yet; 20% × 145 = 29
    assert (cc["baseline_year"], cc["baseline"], cc["reduced"]) == (2026, 145, 0)
    assert cc["target"] == pytest.approx(29.0)
    # 580 at 2026, of which education 300 and health 200 kept stable: 10% × 80 = 8
    assert (nlv["baseline_year"], nlv["baseline"]) == (2026, 580)
    assert nlv["target"] == pytest.approx(8.0)
    assert nlv["target_rule"]["exclude_sectors"] == ["Giáo dục và Đào tạo", "Y tế"]
    assert nlv["target_rule"]["excluded_baseline"] == 500


def test_a_scope_of_stable_sectors_only_reads_stable_not_zero(city):
    health = Filter(label="Y tế", sector="Y tế")
    s = metrics.summary(city, AS_OF, health, programme="2026 - 2031")
    nlv = s["nguoi_lam_viec"]
    assert nlv["target"] is None and nlv["pct_of_target"] is None
    assert nlv["target_rule"]["stable"] is True
    assert "target-stable" in [w["code"] for w in s["warnings"]]
    # the same sector under 2022 - 2026, which keeps none stable: 10% × 200 = 20
    assert metrics.summary(city, AS_OF, health)["nguoi_lam_viec"]["target"] == pytest.approx(20)


def test_a_units_own_row_overrides_the_city_rule_in_its_programme_only(city):
    alpha = int(city.units.loc[city.units["name"] == "Sở Alpha", "id"].iloc[0])
    flt = Filter(label="Sở Alpha", unit_id=alpha)
    assert metrics.summary(city, AS_OF, flt, programme="2026 - 2031")["cong_chuc"]["target"] == 10
    # 2022 - 2026 has no own row: the city's 5% × 100 = 5
    assert metrics.summary(city, AS_OF, flt)["cong_chuc"]["target"] == pytest.approx(5.0)


def test_the_unit_table_and_the_yearly_path_follow_the_programme(city):
    view = resolve_view(city, View(programme="2026 - 2031"), AS_OF)
    table = analysis.unit_table(city, view).set_index("name")
    assert table.loc["Trung tâm Epsilon", "baseline"] == 80
    assert table.loc["Trung tâm Epsilon", "target"] == pytest.approx(8.0)
    assert table.loc["Trường Gamma", "target"] != table.loc["Trường Gamma", "target"]  # NaN
    assert table.loc["Sở Alpha", "target"] == 10
    summary = metrics.summary(city, AS_OF, programme="2026 - 2031")
    path = analysis.yearly_path(city, view, "cong_chuc", summary["cong_chuc"])
    assert path.target_year == 2031
    assert path.planned[2026] == 145 and path.planned[2031] == pytest.approx(145 - 29)
    old = resolve_view(city, View(), AS_OF)
    old_path = analysis.yearly_path(
        city, old, "cong_chuc", metrics.summary(city, AS_OF)["cong_chuc"]
    )
    assert old_path.target_year == 2026
    assert old_path.planned[2021] == 160 and old_path.planned[2026] == pytest.approx(152)


def test_the_view_takes_programme_and_refuses_an_unknown_one(city):
    view = parse_view("?programme=2026-2031&as_of=2026-06-30")
    assert view.programme == "2026-2031"
    resolved = resolve_view(city, view, AS_OF)
    assert resolved.programme == "2026 - 2031" and "programme=2026+-+2031" in resolved.to_query()
    with pytest.raises(BadParameter, match="Không có giai đoạn «2040 - 2045»"):
        resolve_view(city, parse_view("?programme=2040+-+2045"), AS_OF)
    lenient = resolve_view(city, parse_view("?programme=2040+-+2045"), AS_OF, lenient=True)
    assert lenient.programme is None
    assert lenient.notices[0].startswith("Không có giai đoạn «2040 - 2045» trong số liệu")


def test_the_command_line_picks_a_programme_and_refuses_an_unknown_one(city, engine, capsys):
    url = engine.url.render_as_string(hide_password=False)
    args = ["summary", "--db", url, "--as-of", "2026-06-30", "--json"]
    assert main([*args, "--programme", "2026 - 2031"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["programme"]["name"] == "2026 - 2031"
    assert out["cong_chuc"]["target"] == pytest.approx(29.0)
    assert main([*args]) == 0
    assert json.loads(capsys.readouterr().out)["programme"]["name"] == "2022 - 2026"
    assert main([*args, "--programme", "2040 - 2045"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("Không có giai đoạn «2040 - 2045» trong số liệu")


def test_a_plan_without_giai_doan_belongs_to_the_only_programme(engine, ingest):
    """Absent `Giai đoạn`: the only programme there is; none yet: one made from the row."""
    assert ingest(agencies(), "b01.xlsx").status == "accepted"
    assert ingest(city_targets(), "kh.xlsx").status == "accepted"  # Năm gốc 2021, no path
    ds = service.load_dataset(engine)
    (only,) = programmes.programmes(ds)
    assert (only.name, only.baseline_year, only.start_year, only.end_year) == (
        "Từ năm 2022", 2021, 2022, None,
    )  # fmt: skip
    s = metrics.summary(ds, AS_OF)
    assert s["cong_chuc"]["target"] == pytest.approx(8.0)  # 5% × 160
    # a later plan without the column joins it and supersedes its rows
    assert ingest(city_targets("10%"), "kh2.xlsx").status == "accepted"
    ds = service.load_dataset(engine)
    assert len(programmes.programmes(ds)) == 1
    assert metrics.summary(ds, AS_OF)["cong_chuc"]["target"] == pytest.approx(16.0)


def test_a_plan_without_giai_doan_is_refused_when_several_exist(engine, ingest):
    assert ingest(plan(PLAN_2022), "a.xlsx").status == "accepted"
    assert ingest(plan(PLAN_2026[:2]), "b.xlsx", approve=False).status == "accepted"
    refused = ingest(city_targets(), "kh.xlsx")
    assert [p.code for p in refused.errors] == ["programme-ambiguous"] * 2
    assert "«2022 - 2026», «2026 - 2031»" in refused.errors[0].message_vi


def test_a_new_programme_needs_its_baseline_year(ingest):
    fields = ("stt", "scope", "measure", "pct", "programme")
    refused = ingest(plan([[1, "Toàn thành phố", CC, "5%", "2031 - 2036"]], fields), "k.xlsx")
    assert [p.code for p in refused.errors] == ["programme-baseline-missing"]
    assert "«2031 - 2036»" in refused.errors[0].message_vi


def test_an_unreadable_giai_doan_or_sector_is_refused_at_its_cell(ingest):
    rows = [
        [1, "Toàn thành phố", CC, 2021, "5%", None, "KH", "2026 đến 2031", None, None],
        [2, "Toàn thành phố", NLV, 2021, "5%", None, "KH", "2022 - 2026", None, "Y tế; Thủy sản"],
    ]
    refused = ingest(plan(rows), "k.xlsx")
    assert [(p.code, p.cell) for p in refused.errors] == [
        ("bad-programme", "H3"),
        ("bad-choice", "J4"),
    ]
    assert "«2026 đến 2031»" in refused.errors[0].message_vi
    assert "«Thủy sản»" in refused.errors[1].message_vi


def test_a_waiting_plan_changes_nothing_until_approved(engine, ingest, city):
    changed = [[1, "Toàn thành phố", CC, 2021, "8%", None, "KH", "2022 - 2026", "Khác", None]]
    assert ingest(plan(changed), "k.xlsx", approve=False).status == "accepted"
    ds = service.load_dataset(engine)
    s = metrics.summary(ds, AS_OF)
    assert s["cong_chuc"]["target"] == pytest.approx(8.0) and s["programme"]["basis"] == KL40


def _migrate(engine, target: str) -> None:
    from alembic import command

    from etl.storage import db

    with engine.begin() as conn:
        cfg = db.alembic_config(engine.url.render_as_string(hide_password=False))
        cfg.attributes["connection"] = conn
        if target == "head":
            command.upgrade(cfg, "head")
        else:
            command.downgrade(cfg, target)


def test_the_migration_makes_programmes_from_the_stored_plan_rows(engine, ingest):
    """A database from before programmes: its plan rows get a programme made from their own
    years (baseline year 2021 → starts 2022; the path's last year ends it)."""
    path_plan = xlsx(
        {
            "Biểu 00": [
                ["Biểu số 00"],
                [
                    "STT",
                    "Phạm vi",
                    "Chỉ tiêu",
                    "Năm gốc",
                    "Tỷ lệ giảm (%)",
                    "Văn bản",
                    "Giảm năm 2022",
                    "Giảm năm 2026",
                ],
                [1, "Toàn thành phố", CC, 2021, "5%", "KH 1", 2, 6],
            ]
        }
    )
    assert ingest(agencies(), "b01.xlsx").status == "accepted"
    assert ingest(path_plan, "kh.xlsx").status == "accepted"
    _migrate(engine, "-1")  # back to before programmes: the programme and its column go
    _migrate(engine, "head")
    ds = service.load_dataset(engine)
    (only,) = programmes.programmes(ds)
    assert (only.name, only.baseline_year, only.start_year, only.end_year) == (
        "2022 - 2026", 2021, 2022, 2026,
    )  # fmt: skip
    assert ds.targets["programme_id"].tolist() == [only.id]
    s = metrics.summary(ds, AS_OF)
    assert s["programme"]["name"] == "2022 - 2026" and s["cong_chuc"]["target"] == pytest.approx(8)
    # the yearly path follows «Lộ trình»: 160 − 2 by 2022, − 6 more by 2026
    view = resolve_view(ds, View(), AS_OF)
    path = analysis.yearly_path(ds, view, "cong_chuc", s["cong_chuc"])
    assert path.planned[2021] == 160 and path.planned[2022] == 158 and path.planned[2026] == 152


def test_the_blank_plan_template_has_the_programme_columns():
    import io

    import openpyxl

    from etl.writers.templates import write_template

    buffer = io.BytesIO()
    write_template("00", buffer)
    sheet = openpyxl.load_workbook(io.BytesIO(buffer.getvalue()))["Biểu 00"]
    texts = {c.value for row in sheet.iter_rows() for c in row if isinstance(c.value, str)}
    assert {"Giai đoạn", "Căn cứ", "Lĩnh vực giữ ổn định"} <= texts


# ---------------------------------------------------------------- an administrator's changes


def _ids(ds) -> dict[str, int]:
    return {p.name: p.id for p in programmes.programmes(ds)}


def _count(engine, table: str) -> int:
    from sqlalchemy import text

    with engine.connect() as conn:
        return int(conn.execute(text(f"SELECT COUNT(*) FROM {table}")).scalar_one())


def test_an_admin_edit_is_an_approved_audited_return_and_changes_the_figures(engine, city):
    from etl.storage import plan_reads
    from etl.storage import programmes as stored

    later = _ids(city)["2026 - 2031"]
    with engine.begin() as conn:
        sid = stored.edit(
            conn, later, actor="qt", basis="Nghị quyết mới", baseline_year=2021, end_year=2030
        )
    ds = service.load_dataset(engine)
    s = metrics.summary(ds, AS_OF, programme="2026 - 2031")
    assert s["programme"] == {
        "name": "2026 - 2031",
        "basis": "Nghị quyết mới",
        "baseline_year": 2021,
        "end_year": 2030,
        "start_year": 2026,
    }
    # against 2021 now: 20% × 160 = 32, reduced 160 − 145 = 15
    assert s["cong_chuc"]["target"] == pytest.approx(32.0) and s["cong_chuc"]["reduced"] == 15
    # a rule added: −15% công chức, superseding the plan's −20% (both kept in the history)
    with engine.begin() as conn:
        stored.add_rule(
            conn, later, actor="qt", scope_unit_id=None, measure="cong_chuc", pct=15.0,
            count=None, exclude_sectors=[],
        )  # fmt: skip
    ds = service.load_dataset(engine)
    cc = metrics.summary(ds, AS_OF, programme="2026 - 2031")["cong_chuc"]
    assert cc["target"] == pytest.approx(24.0)  # 15% × 160
    with engine.connect() as conn:
        history = plan_reads.target_history(conn)
    mine = [(r.pct, r.uploader) for r in history if r.programme == "2026 - 2031" and not r.count]
    assert (15.0, "qt") in mine and (20.0, "admin") in [(p, "admin") for p, _ in mine]
    in_force = plan_reads.in_force(history)
    assert {(r.programme, r.measure, r.pct) for r in in_force if r.scope_unit_id is None} == {
        ("2022 - 2026", "cong_chuc", 5.0),
        ("2022 - 2026", "nguoi_lam_viec", 10.0),
        ("2026 - 2031", "cong_chuc", 15.0),
        ("2026 - 2031", "nguoi_lam_viec", 10.0),
    }
    from etl.storage import accounts

    actions = [(e["action"], e["actor"]) for e in accounts.read_audit(engine)]
    assert ("programme.edit", "qt") in actions and ("programme.rule", "qt") in actions
    assert ("review.approve", "qt") in actions and sid > 0
    # the other programme is untouched
    assert metrics.summary(ds, AS_OF)["cong_chuc"]["target"] == pytest.approx(8.0)


@pytest.mark.parametrize(
    ("change", "said"),
    [
        ({"baseline_year": 20, "end_year": 2031}, "Năm gốc phải là năm"),
        ({"baseline_year": 2026, "end_year": 2020}, "Năm kết thúc phải là năm từ năm bắt đầu"),
    ],
)
def test_an_admin_edit_that_cannot_be_stored_changes_nothing(engine, city, change, said):
    from etl.storage import programmes as stored

    before = (_count(engine, "submission"), _count(engine, "audit_log"))
    with pytest.raises(stored.ProgrammeError, match=said), engine.begin() as conn:
        stored.edit(conn, _ids(city)["2026 - 2031"], actor="qt", basis=None, **change)
    with pytest.raises(stored.ProgrammeError, match="một trong hai"), engine.begin() as conn:
        stored.add_rule(
            conn, _ids(city)["2026 - 2031"], actor="qt", scope_unit_id=None,
            measure="cong_chuc", pct=5.0, count=3, exclude_sectors=[],
        )  # fmt: skip
    assert (_count(engine, "submission"), _count(engine, "audit_log")) == before


# ---------------------------------------------------------------- the sample city's app


def test_the_api_takes_programme_and_refuses_an_unknown_one(client):
    ok = client.get("/api/v1/summary?as_of=2024-06-30&programme=2022-2026")
    assert ok.status_code == 200
    body = ok.get_json()
    assert body["programme"]["name"] == "2022 - 2026"
    assert body["programme"]["baseline_year"] == 2021 and body["programme"]["end_year"] == 2026
    assert round(body["cong_chuc"]["pct_of_target"], 2) == 20.43  # the first sample, unchanged
    assert client.get("/api/v1/summary?as_of=2024-06-30").get_json() == body  # the default
    refused = client.get("/api/v1/summary?as_of=2024-06-30&programme=2026+-+2031")
    assert refused.status_code == 400
    assert refused.get_json()["error"].startswith("Không có giai đoạn «2026 - 2031» trong số liệu")


def test_the_dashboard_offers_the_programmes_and_says_which_one_it_shows(signed_in):
    from components.shell import programme_options
    from pages.overview import render_overview
    from tests.test_filters import text_of

    assert programme_options() == [{"label": "2022 - 2026", "value": "2022 - 2026"}]
    shown = text_of(render_overview("?as_of=2024-06-30&programme=2022+-+2026"))
    assert "Giai đoạn 2022 - 2026" in shown and "so với số giao năm 2021" in shown
    assert "20,43%" in shown
    unknown = text_of(render_overview("?as_of=2024-06-30&programme=2040+-+2045"))
    assert "20,43%" in unknown  # the programme at the cut-off, with a notice (the shell's)
    from components import ids
    from tests.test_filters import _shell_callback

    note = text_of(_shell_callback(signed_in, ids.F_FILTER_NOTE)("?programme=2040+-+2045"))
    assert (
        "Không có giai đoạn «2040 - 2045» trong số liệu; đang hiển thị giai đoạn đang thực hiện "
        "tại ngày chốt." in note
    )
    show = _shell_callback(signed_in, f"{ids.F_PROGRAMME}.options")
    value, options = show("?programme=2022-2026")
    assert value == "2022 - 2026" and options == [{"label": "2022 - 2026", "value": "2022 - 2026"}]
    value, options = show("?programme=2040+-+2045")
    assert value == "2040 - 2045"
    assert {"label": "«2040 - 2045» (không có trong số liệu)", "value": "2040 - 2045"} in options
    pick = _shell_callback(signed_in, f"{ids.URL}.search@")  # «Giai đoạn» → the URL
    moved = pick("2022 - 2026", "?as_of=2024-06-30&district=C%E1%BB%9D+%C4%90%E1%BB%8F")
    assert parse_view(moved) == View(
        as_of=dt.date(2024, 6, 30), district="Cờ Đỏ", programme="2022 - 2026"
    )
    assert "programme" not in pick(None, "?as_of=2024-06-30&programme=2022-2026")


def test_a_card_of_a_stable_scope_reads_giu_on_dinh(city):
    from components.cards import measure_card_lines, programme_line
    from tests.test_filters import text_of

    health = Filter(label="Y tế", sector="Y tế")
    s = metrics.summary(city, AS_OF, health, programme="2026 - 2031")
    lines = text_of(
        measure_card_lines(s["nguoi_lam_viec"], "nlv", programme=s["programme"]["name"])
    )
    assert "Chỉ tiêu giảm giai đoạn 2026 - 2031" in lines
    assert "Giữ ổn định (Giáo dục và Đào tạo; Y tế)" in lines
    assert lines.count("Giữ ổn định") == 2  # the target and «Đạt kế hoạch», never 0%
    assert programme_line(s) == (
        f"Giai đoạn 2026 - 2031 · căn cứ {CV} · so với số giao năm 2026 · kết thúc năm 2031"
    )


def test_the_admin_forms_refuse_what_cannot_be_stored_and_change_nothing(signed_in):
    from pages.admin_programmes import programme_action, shown_programmes
    from tests.test_filters import text_of

    engine = signed_in.server.extensions["tgbc_engine"]
    before = (_count(engine, "submission"), _count(engine, "audit_log"))
    (sample,) = shown_programmes()
    cases = [
        (("edit", 10_000), {"baseline_year": 2021}, "Cần chọn giai đoạn"),
        (("edit", sample["id"]), {"baseline_year": "2021"}, "Năm gốc phải là năm"),
        (("edit", sample["id"]), {"baseline_year": 2021, "end_year": 2026.5}, "số năm"),
        (("rule", sample["id"]), {"scope": "Huyện Cờ Đỏ", "measure": "cong_chuc", "pct": 5},
         "phải là Toàn thành phố"),
        (("rule", sample["id"]), {"scope": "Toàn thành phố", "measure": "x", "pct": 5},
         "Cần chọn chỉ tiêu"),
        (("rule", sample["id"]), {"scope": "Toàn thành phố", "measure": "cong_chuc"},
         "một trong hai"),
        (("rule", sample["id"]), {"scope": "Toàn thành phố", "measure": "cong_chuc", "pct": 5,
         "exclude": ["Thủy sản"]}, "Không có lĩnh vực «Thủy sản»"),
    ]  # fmt: skip
    for (action, programme_id), values, said in cases:
        message, ok = programme_action(action, programme_id, **values)
        assert not ok and said in text_of(message), (values, text_of(message))
    assert (_count(engine, "submission"), _count(engine, "audit_log")) == before
