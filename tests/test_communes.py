"""Communes and the end of the district level (docs/domain.md, "Communes", "The end of the
district level"): a district's agencies dissolved into communes on 01/07/2025, another's into
the province, commune-level returns naming the same office in two communes; every figure
computed by hand below."""

from __future__ import annotations

import datetime as dt
import json

import pandas as pd
import pytest

from etl import service
from etl.core.forms import DISTRICT_END_KIND, FORM_01, FORM_02, HEADER_LINES
from etl.core.normalize import commune_key, district_key
from etl.core.vocabulary import UnitKind
from etl.measures import metrics, query
from etl.measures.scoping import Filter, district_level_end, home_units
from tests.builders import (
    LABELS_01,
    LABELS_02,
    SIGNATURE,
    Raw,
    by_year,
    colnums,
    events_return,
    workbook_bytes,
    xlsx,
)

BEFORE = dt.date(2024, 12, 31)
AFTER = dt.date(2025, 12, 31)
END = dt.date(2025, 7, 1)
CO_DO, THOI_HUNG = "Xã Cờ Đỏ", "Xã Thới Hưng"
K_CO_DO, K_THOI_HUNG = commune_key(CO_DO), commune_key(THOI_HUNG)  # as keys are written
ADMIN = "Cơ quan hành chính"


def _as_of_line(day: dt.date) -> list[str]:
    return [f"{HEADER_LINES['as_of']} {day:%d/%m/%Y}"]


def district_return() -> bytes:
    """31/12/2024: two districts' agencies, a sở and a district school (Biểu 02).

    | unit | district | 2021 | 2024 |
    | Phòng Nội vụ | Cờ Đỏ | 10 | 9 |
    | Phòng Tài chính - Kế hoạch | Cờ Đỏ | 8 | 8 |
    | Phòng Nội vụ | Phong Điền | 6 | 5 |
    | Sở Y tế | | 20 | 19 |
    """
    header = [
        LABELS_01["stt"],
        LABELS_01["name"],
        LABELS_01["district"],
        by_year(LABELS_01["quota"], 2021),
        by_year(LABELS_01["quota"], 2024),
    ]
    rows = [
        [1, "Phòng Nội vụ", "Huyện Cờ Đỏ", 10, 9],
        [2, "Phòng Tài chính - Kế hoạch", "Huyện Cờ Đỏ", 8, 8],
        [3, "Phòng Nội vụ", "Huyện Phong Điền", 6, 5],
        [4, "Sở Y tế", None, 20, 19],
    ]
    b01 = [["Biểu số 01"], _as_of_line(BEFORE), header, colnums(len(header)), *rows, *SIGNATURE]
    header02 = [
        LABELS_02["stt"],
        LABELS_02["name"],
        LABELS_02["parent"],
        by_year(LABELS_02["quota"], 2021),
        by_year(LABELS_02["quota"], 2024),
    ]
    b02 = [
        ["Biểu số 02"],
        _as_of_line(BEFORE),
        header02,
        colnums(len(header02)),
        [1, "Trường THCS Thới Lai", "UBND huyện Cờ Đỏ", 30, 28],
        *SIGNATURE,
    ]
    return xlsx({FORM_01.sheet_name: b01, FORM_02.sheet_name: b02})


def district_end_return() -> bytes:
    """Biểu 03: Cờ Đỏ's level ends into two communes, Phong Điền's into the city."""
    return events_return(
        [
            [END, "NQ 1668/NQ-UBTVQH15", "Giải thể", "Huyện Cờ Đỏ", f"{CO_DO}; {THOI_HUNG}",
             DISTRICT_END_KIND, None],
            [END, "NQ 1668/NQ-UBTVQH15", "Giải thể", "UBND huyện Phong Điền", "Toàn thành phố",
             DISTRICT_END_KIND, None],
        ]
    )  # fmt: skip


def commune_return(ubnd_thoi_hung: int = 6) -> bytes:
    """31/12/2025: the communes' bodies (`Phòng Kinh tế` in both communes) and the sở.

    | unit | commune | 2025 |
    | UBND xã Cờ Đỏ | Xã Cờ Đỏ | 12 |
    | Phòng Kinh tế | Xã Cờ Đỏ | 3 |
    | UBND xã Thới Hưng | Xã Thới Hưng | 6 |
    | Phòng Kinh tế | Xã Thới Hưng | 2 |
    | Sở Y tế | | 18 |
    """
    header = [
        LABELS_01["stt"],
        LABELS_01["name"],
        LABELS_01["commune"],
        by_year(LABELS_01["quota"], 2021),
        by_year(LABELS_01["quota"], 2025),
    ]
    rows = [  # the form asks for 2021, which the communes leave empty: they did not exist
        [1, "UBND xã Cờ Đỏ", CO_DO, None, 12],
        [2, "Phòng Kinh tế", CO_DO, None, 3],
        [3, "UBND xã Thới Hưng", THOI_HUNG, None, ubnd_thoi_hung],
        [4, "Phòng Kinh tế", THOI_HUNG, None, 2],
        [5, "Sở Y tế", None, 20, 18],
    ]
    b01 = [["Biểu số 01"], _as_of_line(AFTER), header, colnums(len(header)), *rows, *SIGNATURE]
    return xlsx({FORM_01.sheet_name: b01})


def test_the_upload_preview_names_the_district_and_where_it_went(ingest):
    result = ingest(district_end_return(), "03.xlsx", dry_run=True)
    units = [row["unit"] for row in result.preview]
    assert units == [
        "Giải thể 01/07/2025: Huyện Cờ Đỏ → UBND xã Cờ Đỏ; UBND xã Thới Hưng",
        "Giải thể 01/07/2025: UBND huyện Phong Điền → Toàn thành phố",
    ]


@pytest.fixture
def city(engine, ingest):
    for name, content in (
        ("huyen.xlsx", district_return()),
        ("03.xlsx", district_end_return()),
        ("xa.xlsx", commune_return()),
    ):
        result = ingest(content, name)
        assert result.status == "accepted", [p.message_vi for p in result.errors]
    return engine


def _units(ds):
    return {(r["name"], r["district_key"], r["commune_key"]): r for _i, r in ds.units.iterrows()}


def _cc(ds, as_of, flt: Filter | None = None):
    return metrics.summary(ds, as_of, flt or Filter())["cong_chuc"]


def test_commune_bodies_are_units_of_their_commune(city):
    ds = service.load_dataset(city)
    units = _units(ds)
    kinds = {(k[0], k[2]): r["kind"] for k, r in units.items() if r["commune_key"]}
    # the same office in two communes is two units, each of its commune's kind
    assert kinds == {
        ("UBND xã Cờ Đỏ", K_CO_DO): UnitKind.CO_QUAN_CAP_XA,
        ("Phòng Kinh tế", K_CO_DO): UnitKind.CO_QUAN_CAP_XA,
        ("UBND xã Thới Hưng", K_THOI_HUNG): UnitKind.CO_QUAN_CAP_XA,
        ("Phòng Kinh tế", K_THOI_HUNG): UnitKind.CO_QUAN_CAP_XA,
    }
    # dates from the data: the councils from the district-end row, the offices from their
    # commune's council; the district's agencies end that day, its school continues
    for (name, _d, commune), row in units.items():
        if commune:
            assert row["valid_from"] == END, name
    for (name, district, _c), row in units.items():
        if district and name.startswith("Phòng"):
            assert row["valid_to"] == END, name
    assert pd.isna(units[("Trường THCS Thới Lai", district_key("Cờ Đỏ"), "")]["valid_to"])
    assert district_level_end(ds) == END


def test_a_second_commune_return_matches_the_same_units(city, ingest):
    before = len(service.load_dataset(city).units)
    result = ingest(commune_return(ubnd_thoi_hung=5), "xa-2.xlsx")
    assert result.status == "accepted"
    assert not [p for p in result.problems if p.code == "new-unit"]
    assert len(service.load_dataset(city).units) == before


def test_the_baseline_follows_the_district_agencies_to_the_communes(city):
    ds = service.load_dataset(city)
    # before the end (31/12/2024): 10 + 8 + 6 + 20 = 44; 2024: 9 + 8 + 5 + 19 = 41
    cc = _cc(ds, BEFORE)
    assert (cc["baseline"], cc["current"], cc["reduced"]) == (44, 41, 3)
    co_do = _cc(ds, BEFORE, Filter(district="Huyện Cờ Đỏ"))
    assert (co_do["baseline"], co_do["current"], co_do["reduced"]) == (18, 17, 1)
    # after it (31/12/2025): the baseline is the same 44 (Phong Điền's dissolved agency keeps
    # its 6 in the totals); 2025: 18 + 12 + 3 + 6 + 2 = 41
    cc = _cc(ds, AFTER)
    assert (cc["baseline"], cc["latest_year"], cc["current"], cc["reduced"]) == (44, 2025, 41, 3)
    # each Cờ Đỏ agency's 2021 quota goes half to each commune's council
    homes = home_units(ds, AFTER)
    ids = {k: r["id"] for k, r in _units(ds).items()}
    nv = homes[homes["unit_id"] == ids[("Phòng Nội vụ", district_key("Cờ Đỏ"), "")]]
    assert sorted(nv["weight"]) == [0.5, 0.5]
    councils = {ids[("UBND xã Cờ Đỏ", "", K_CO_DO)], ids[("UBND xã Thới Hưng", "", K_THOI_HUNG)]}
    assert set(nv["home_id"]) == councils
    # the former district after the end: its agencies' 18 by lineage; its communes' 2025
    # quota 12 + 3 + 6 + 2 = 23, so 18 − 23 = −5
    co_do = _cc(ds, AFTER, Filter(district="Huyện Cờ Đỏ"))
    assert (co_do["baseline"], co_do["current"], co_do["reduced"]) == (18, 23, -5)
    # one commune: half of 10 + 8 = 9; 6 + 2 = 8 → reduced 1
    thoi_hung = _cc(ds, AFTER, Filter(commune=THOI_HUNG))
    assert (thoi_hung["baseline"], thoi_hung["current"], thoi_hung["reduced"]) == (9, 8, 1)
    co_do_xa = _cc(ds, AFTER, Filter(commune=CO_DO))  # 9; 12 + 3 = 15
    assert (co_do_xa["baseline"], co_do_xa["current"]) == (9, 15)
    # a commune is a scope too (`--scope "Xã Thới Hưng"`)
    scoped = service.summary(city, as_of=AFTER, scope="Xã Thới Hưng")["cong_chuc"]
    assert (scoped["baseline"], scoped["current"]) == (9, 8)
    # a commune is named as units write it, or without diacritics
    view = query.resolve_view(ds, query.View(commune="xa co do"), AFTER)
    assert view.filter.commune == CO_DO and view.label == CO_DO


def test_a_commune_before_the_end_has_no_figures_and_a_notice(city):
    ds = service.load_dataset(city)
    view = query.resolve_view(ds, query.View(as_of=BEFORE, commune="Thới Hưng"), BEFORE)
    assert view.filter.commune == THOI_HUNG
    assert view.notices == [
        "Xã, phường «Xã Thới Hưng» chỉ có số liệu từ ngày 01/07/2025; ngày chốt 31/12/2024 "
        "chưa có số liệu của xã, phường này."
    ]
    cc = _cc(ds, BEFORE, view.filter)
    assert cc["current"] is None and cc["no_data"] == "no-figures"
    after = query.resolve_view(ds, query.View(as_of=AFTER, district="Cờ Đỏ"), AFTER)
    assert after.notices == [] and after.label == "Huyện Cờ Đỏ (cũ)"
    before = query.resolve_view(ds, query.View(as_of=BEFORE, district="Cờ Đỏ"), BEFORE)
    assert before.label == "Huyện Cờ Đỏ"
    with pytest.raises(query.BadParameter, match="Không có xã, phường «Xã Không Có»"):
        query.resolve_view(ds, query.View(as_of=AFTER, commune="Xã Không Có"), AFTER)


def test_reorganisation_counts_each_ended_agency(city):
    ds = service.load_dataset(city)
    admin = "co_quan_hanh_chinh"
    # nothing ended by 31/12/2024
    reorg = metrics.summary(ds, BEFORE, Filter())["reorganization"][admin]
    assert (reorg["reduced"], reorg["established"]) == (0, 0)
    # 01/07/2025: Cờ Đỏ's two phòng and Phong Điền's one; the councils are not established
    # by the district-end rows
    reorg = metrics.summary(ds, AFTER, Filter())["reorganization"][admin]
    assert (reorg["reduced"], reorg["established"]) == (3, 0)
    reorg = metrics.summary(ds, AFTER, Filter(district="Cờ Đỏ"))["reorganization"][admin]
    assert reorg["reduced"] == 2
    service_units = metrics.summary(ds, AFTER, Filter())["reorganization"]["don_vi_su_nghiep"]
    assert service_units["reduced"] == 0


def test_summary_by_commune_on_the_cli_and_service(city, capsys):
    from etl.cli import main

    figures = service.summary(city, as_of=AFTER, commune="Thới Hưng")["cong_chuc"]
    assert (figures["baseline"], figures["current"]) == (9, 8)
    with pytest.raises(service.ScopeNotFound):
        service.summary(city, as_of=AFTER, commune="Không Có")
    url = city.url.render_as_string(hide_password=False)
    args = ["summary", "--db", url, "--as-of", "2025-12-31", "--json"]
    assert main([*args, "--commune", "xa thoi hung"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["scope"] == THOI_HUNG and shown["cong_chuc"]["current"] == 8
    assert main([*args, "--commune", "Xã Không Có"]) == 2
    assert "Không có xã, phường «Xã Không Có» trong số liệu" in capsys.readouterr().err


def test_a_district_end_row_needs_one_district(ingest):
    bad = events_return(
        [[END, "NQ", "Giải thể", "Huyện Cờ Đỏ; Huyện Phong Điền", CO_DO, DISTRICT_END_KIND, None]]
    )
    result = ingest(bad, "03.xlsx")
    assert result.status == "refused"
    assert [p.code for p in result.errors] == ["event-missing-units"]
    assert "cần ghi một quận, huyện" in result.errors[0].message_vi
    # after it: communes written with their kind, or the province alone
    for after in ("Thới Hưng", "UBND thành phố Cần Thơ", f"{CO_DO}; Toàn thành phố"):
        row = [END, "NQ", "Giải thể", "Huyện Cờ Đỏ", after, DISTRICT_END_KIND, None]
        result = ingest(events_return([row]), "03.xlsx")
        assert [p.code for p in result.errors] == ["event-missing-units"], after


def test_commune_kind_is_inferred_from_names(ingest, engine):
    header = [
        LABELS_01["stt"],
        LABELS_01["name"],
        LABELS_01["district"],
        LABELS_01["agency_kind"],
        by_year(LABELS_01["quota"], 2021),
        by_year(LABELS_01["quota"], 2025),
    ]
    rows = [
        [1, "Ủy ban nhân dân phường An Bình", None, None, None, 20],
        [2, "Văn phòng HĐND và UBND xã Thới Hưng", None, None, None, 5],
        [3, "Phòng Văn hóa - Xã hội phường An Bình", None, None, None, 4],
        [4, "Phòng Lao động - Thương binh và Xã hội", "Huyện Cờ Đỏ", None, 3, 3],
        [5, "Ban Quản lý chợ", None, "Cơ quan cấp xã", None, 2],
    ]
    sheet = [["Biểu số 01"], _as_of_line(AFTER), header, colnums(len(header)), *rows, *SIGNATURE]
    result = ingest(workbook_bytes(Raw(FORM_01.sheet_name, sheet)), "xa.xlsx")
    assert result.status == "accepted", [p.message_vi for p in result.errors]
    units = service.load_dataset(engine).units.set_index("name")
    xa = UnitKind.CO_QUAN_CAP_XA
    assert units.loc["Ủy ban nhân dân phường An Bình", ["kind", "commune"]].tolist() == [
        xa,
        "Phường An Bình",
    ]
    assert units.loc["Văn phòng HĐND và UBND xã Thới Hưng", "commune"] == "Xã Thới Hưng"
    assert units.loc["Phòng Văn hóa - Xã hội phường An Bình", "kind"] == xa
    assert units.loc["Phòng Lao động - Thương binh và Xã hội", "kind"] == (
        UnitKind.CO_QUAN_CHUYEN_MON_HUYEN
    )
    assert units.loc["Ban Quản lý chợ", "kind"] == xa
    # no event dates them: 1 January of their first figure's year
    assert units.loc["Ủy ban nhân dân phường An Bình", "valid_from"] == dt.date(2025, 1, 1)
    assert pd.isna(units.loc["Phòng Lao động - Thương binh và Xã hội", "valid_from"])
    # the council and the culture office are of one commune
    keys = units.loc[
        ["Ủy ban nhân dân phường An Bình", "Phòng Văn hóa - Xã hội phường An Bình"], "commune_key"
    ]
    assert len(set(keys)) == 1 and keys.iloc[0]


# ---------------------------------------------------------------- the filter bar and the pages


def test_the_filter_bar_follows_the_end_of_the_district_level(isolated_app, tmp_path):
    """On a copy of the sample city, Cờ Đỏ's level ends on 01/07/2025 into two communes:
    from that date the district filter is «Quận, huyện (cũ)» and «Xã, phường» is offered;
    before it neither, and a commune asked for then is a notice, not an error."""
    from dash._callback_context import context_value
    from dash._utils import AttributeDict
    from flask_login import login_user

    from components import ids
    from components.shell import FORMER_DISTRICT_LABEL, HIDDEN
    from etl.storage import accounts
    from pages.analysis import render_analysis
    from pages.overview import render_overview
    from pages.reorg import render_reorg
    from pages.tracker import render_tracker
    from pages.units import render_units
    from tests.conftest import ingest_with_period
    from tests.test_filters import _shell_callback
    from web import context
    from web.auth import User

    engine = isolated_app.server.extensions[context.ENGINE_KEY]
    for name, content in (("03.xlsx", district_end_return()), ("xa.xlsx", commune_return())):
        result = ingest_with_period(engine, content, name, uploads_dir=tmp_path)
        assert result.status == "accepted", [p.message_vi for p in result.errors]
    with isolated_app.server.test_request_context():
        login_user(User(accounts.get_account(engine, username="admin")))
        sync = _shell_callback(isolated_app, f"{ids.F_DISTRICT}.options")
        context_value.set(AttributeDict(triggered_inputs=[{"prop_id": "url.search"}]))
        out = sync("?as_of=2025-12-31&commune=Thoi+Hung", *[None] * 8)
        commune, communes, label, box = out[-5:-1]
        assert (commune, label, box) == (THOI_HUNG, FORMER_DISTRICT_LABEL, {})
        assert {"label": CO_DO, "value": CO_DO} in communes
        out = sync("?as_of=2024-06-30", *[None] * 8)
        assert out[-3:-1] == ("Quận, huyện", HIDDEN)
        # a commune before communes existed: shown, with a notice; no error anywhere
        out = sync("?as_of=2024-06-30&commune=Thới+Hưng", *[None] * 8)
        assert out[-5] == THOI_HUNG and out[-2] == {}
        notes = _shell_callback(isolated_app, ids.F_FILTER_NOTE)
        note = notes("?as_of=2024-06-30&commune=Xã+Thới+Hưng")
        assert "chỉ có số liệu từ ngày 01/07/2025" in str(note)
        for search in (
            "?as_of=2024-06-30&commune=Thới+Hưng",
            "?as_of=2025-12-31&commune=Thới+Hưng",
            "?as_of=2025-12-31&district=Cờ+Đỏ",
            "?as_of=2025-12-31&district=Cờ+Đỏ&commune=Xã+Cờ+Đỏ",
            "?as_of=2025-12-31&commune=Khong+Co",
        ):
            assert render_overview(search), search
            for measure in ("cong_chuc", "nguoi_lam_viec"):
                assert render_units(search, measure, "district"), search
                assert render_analysis(search, measure), search
            assert render_reorg(search), search
            assert render_tracker(search, None), search
        former = str(render_overview("?as_of=2025-12-31&district=Cờ+Đỏ"))
        assert "Huyện Cờ Đỏ (cũ)" in former
    client = isolated_app.server.test_client()
    from tests.conftest import login

    login(client)
    got = client.get("/api/v1/summary?as_of=2025-12-31&commune=" + "Th%E1%BB%9Bi+H%C6%B0ng")
    assert got.status_code == 200 and got.get_json()["cong_chuc"]["current"] == 8
    refused = client.get("/api/v1/summary?as_of=2025-12-31&commune=Khong+Co")
    assert refused.status_code == 400
    assert "Không có xã, phường «Khong Co»" in refused.get_json()["error"]


def test_a_council_established_in_bieu_03_is_of_its_commune(ingest, engine):
    """`Thành lập mới` of `UBND phường An Bình` on 01/07/2025: a commune-level body of
    Phường An Bình from that day (not a public service unit), counted as established."""
    result = ingest(
        events_return([[END, "QĐ 1", "Thành lập mới", None, "UBND phường An Bình", ADMIN, None]]),
        "03.xlsx",
    )
    assert result.status == "accepted", [p.message_vi for p in result.errors]
    ds = service.load_dataset(engine)
    row = ds.units.set_index("name").loc["UBND phường An Bình"]
    assert (row["kind"], row["commune"], row["valid_from"]) == (
        UnitKind.CO_QUAN_CAP_XA,
        "Phường An Bình",
        END,
    )
    reorg = metrics.summary(ds, AFTER, Filter())["reorganization"]["co_quan_hanh_chinh"]
    assert (reorg["established"], reorg["reduced"]) == (1, 0)


def test_refreshed_datasets_equal_full_loads(engine, ingest, refreshes):
    """The derived before rows and dates are the same whether the Dataset is refreshed after
    each upload (the district-end row before or after the returns it ends) or read at once."""
    from etl.measures.cache import DatasetCache
    from tests.test_approved_figures import _check

    cache = DatasetCache()
    _check(cache, engine)
    for name, content in (
        ("03.xlsx", district_end_return()),
        ("huyen.xlsx", district_return()),
        ("xa.xlsx", commune_return()),
    ):
        assert ingest(content, name).status == "accepted"
        got = _check(cache, engine)
    assert refreshes  # refreshed, not rebuilt
    cc = _cc(got["approved"], AFTER)  # as in the other order: 44 → 41
    assert (cc["baseline"], cc["current"]) == (44, 41)


def test_a_commune_is_not_a_plan_scope_on_the_admin_page(isolated_app, tmp_path):
    """A target rule is for the whole city or one unit: a commune named as its scope is
    refused, as a district is, never stored as a rule of the whole city."""
    from flask_login import login_user
    from sqlalchemy import text

    from etl.storage import accounts
    from pages.admin_programmes import programme_action, shown_programmes
    from tests.conftest import ingest_with_period
    from tests.test_filters import text_of
    from web import context
    from web.auth import User

    engine = isolated_app.server.extensions[context.ENGINE_KEY]
    for name, content in (("03.xlsx", district_end_return()), ("xa.xlsx", commune_return())):
        result = ingest_with_period(engine, content, name, uploads_dir=tmp_path)
        assert result.status == "accepted", [p.message_vi for p in result.errors]
    with isolated_app.server.test_request_context():
        login_user(User(accounts.get_account(engine, username="admin")))
        (programme,) = shown_programmes()
        with engine.connect() as conn:
            before = conn.execute(text("SELECT count(*) FROM target")).scalar_one()
        message, ok = programme_action(
            "rule", programme["id"], scope="Xã Thới Hưng", measure="cong_chuc", pct=5
        )
        with engine.connect() as conn:
            after = conn.execute(text("SELECT count(*) FROM target")).scalar_one()
    assert not ok and "phải là Toàn thành phố" in text_of(message)
    assert after == before
