"""Provinces in a unit's identity and mergers of provinces (docs/domain.md, "Provinces and
mergers"), on small merged provinces whose figures are worked out by hand below.

Two provinces: Thành phố Cần Thơ (the deployment's, its returns name no province) and Tỉnh
Hậu Giang (its returns say so in the letterhead) merge on 01/07/2025 into Thành phố Cần Thơ;
the same year Cần Thơ's Sở Lao động - Thương binh và Xã hội merges into its Sở Nội vụ
(01/03/2025), and Hậu Giang's Sở Y tế merges into Cần Thơ's on the merger date. Three
provinces: Sóc Trăng too (letterhead `UBND tỉnh Sóc Trăng`; Hậu Giang then by its column
`Tỉnh, thành phố`).
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from sqlalchemy import text

from etl import service
from etl.core.forms import FORM_00, FORM_01, HEADER_LINES
from etl.measures.query import BadParameter, View
from tests.builders import B03_HEADER, LABELS_01, by_year, colnums, xlsx

AS_OF = dt.date(2025, 12, 31)
MERGER = [
    1, "01/07/2025", "Nghị quyết 202/2025/QH15", "Hợp nhất",
    "Thành phố Cần Thơ; Tỉnh Hậu Giang", "Thành phố Cần Thơ", "Tỉnh, thành phố", None,
]  # fmt: skip


def b01(letterhead: str | None, rows: list[list[Any]], *, province: bool = False) -> bytes:
    """Biểu 01 as at 31/12/2025: STT, name, (Tỉnh, thành phố), quota 2021, quota 2025."""
    header = [LABELS_01["stt"], LABELS_01["name"]]
    header += [LABELS_01["province"]] if province else []
    header += [by_year(LABELS_01["quota"], 2021), by_year(LABELS_01["quota"], 2025)]
    top: list[list[Any]] = [["Biểu số 01"]]
    if letterhead:
        top.append([f"{HEADER_LINES['unit']} {letterhead}"])
    top += [[f"{HEADER_LINES['as_of']} 31/12/2025"], header, colnums(len(header))]
    numbered = [[i + 1, *r] for i, r in enumerate(rows)]
    return xlsx({FORM_01.sheet_name: [*top, *numbered]})


def b03(rows: list[list[Any]]) -> bytes:
    """Biểu 03 (no cut-off date): STT, date, document, type, before, after, kind, phòng."""
    return xlsx({"Biểu 03": [["Biểu số 03"], B03_HEADER, colnums(len(B03_HEADER)), *rows]})


def plan_5pct() -> bytes:
    """Biểu 00: Toàn tỉnh, biên chế công chức, 5% of 2021."""
    header = [c.label for c in FORM_00.columns][:7]
    row = [1, "Toàn tỉnh", "Biên chế công chức", 2021, "5%", None, "KH 1/KH-UBND"]
    return xlsx({FORM_00.sheet_name: [["Biểu số 00"], header, row]})


def accepted(result: Any) -> Any:
    assert result.status == "accepted", [(p.code, p.cell, p.message_vi) for p in result.errors]
    return result


@pytest.fixture
def two(ingest, monkeypatch):
    """Cần Thơ 2021 → 2025: Sở Y tế 100 → 160 (with Hậu Giang's after the merger), Sở Tư pháp
    50 → 48, Sở LĐTBXH 40 (merged into Sở Nội vụ 01/03/2025), Sở Nội vụ 60 → 85. Hậu Giang:
    Sở Y tế 80 (merged into Cần Thơ's 01/07/2025), Sở Tư pháp 30 → 28 (continues)."""
    monkeypatch.setenv("PROVINCE", "Thành phố Cần Thơ")
    accepted(ingest(plan_5pct(), "00.xlsx"))
    accepted(
        ingest(
            b01(
                "Sở Nội vụ",
                [
                    ["Sở Y tế", 100, 160],
                    ["Sở Tư pháp", 50, 48],
                    ["Sở Lao động - Thương binh và Xã hội", 40, None],
                    ["Sở Nội vụ", 60, 85],
                ],
            ),
            "ct.xlsx",
        )
    )
    accepted(
        ingest(
            b01("Sở Nội vụ tỉnh Hậu Giang", [["Sở Y tế", 80, None], ["Sở Tư pháp", 30, 28]]),
            "hg.xlsx",
        )
    )
    accepted(
        ingest(
            b03(
                [
                    MERGER,
                    [
                        2,
                        "01/03/2025",
                        "QĐ 10",
                        "Sáp nhập",
                        "Sở Lao động - Thương binh và Xã hội",
                        "Sở Nội vụ",
                        "Cơ quan hành chính",
                        None,
                    ],
                    [
                        3,
                        "01/07/2025",
                        "QĐ 20",
                        "Sáp nhập",
                        "Sở Y tế tỉnh Hậu Giang (cũ)",
                        "Sở Y tế",
                        "Cơ quan hành chính",
                        None,
                    ],
                ]
            ),
            "03.xlsx",
        )
    )
    return ingest


def test_same_name_in_two_provinces_is_two_units(engine, two):
    with engine.connect() as conn:
        rows = conn.execute(
            text("SELECT province, province_key FROM unit WHERE name = 'Sở Tư pháp'")
        ).all()
        events = conn.execute(text("SELECT unit_kind, doc_ref FROM event")).all()
    assert sorted((p or "", k) for p, k in rows) == [("", ""), ("Tỉnh Hậu Giang", "hau giang")]
    assert ("tinh_thanh_pho", "Nghị quyết 202/2025/QH15") in [tuple(e) for e in events]


def test_two_provinces_merged(engine, two):
    s = service.summary(engine, as_of=AS_OF)
    cc = s["cong_chuc"]
    # baseline: Cần Thơ 100 + 50 + 40 + 60 = 250, Hậu Giang 80 + 30 = 110 → 360
    assert cc["baseline"] == 360
    # existing at 31/12/2025: Sở Y tế 160, Sở Tư pháp 48 and 28, Sở Nội vụ 85 → 321
    assert cc["current"] == 321
    assert cc["reduced"] == 39
    assert cc["target"] == pytest.approx(18)  # 5% × 360
    # Sở Y tế's 180 at baseline: 100 Cần Thơ's (5/9), 80 Hậu Giang's (4/9); its 160 split so
    hg = {p["key"]: p for p in s["predecessors"]}["hau giang"]
    assert hg["province"] == "Tỉnh Hậu Giang"
    assert hg["cong_chuc"]["baseline"] == 110
    assert hg["cong_chuc"]["current"] == pytest.approx(160 * 4 / 9 + 28)
    assert hg["cong_chuc"]["reduced"] == pytest.approx(110 - (160 * 4 / 9 + 28))
    assert hg["cong_chuc"]["target"] == pytest.approx(5.5)  # 5% × 110
    ct = {p["key"]: p for p in s["predecessors"]}["can tho"]
    assert ct["cong_chuc"]["baseline"] == 250
    assert ct["cong_chuc"]["current"] == pytest.approx(160 * 5 / 9 + 48 + 85)
    assert [p["province"] for p in s["predecessors"]] == ["Thành phố Cần Thơ", "Tỉnh Hậu Giang"]
    assert "Nghị quyết 202/2025/QH15" in s["merger_rule"]
    assert "tổng số gốc" in s["merger_rule"]


def test_former_province_scope(engine, two):
    """`province=` (and a scope naming the former province) selects its share."""
    by_param = service.summary(engine, as_of=AS_OF, province="Tỉnh Hậu Giang (cũ)")
    by_scope = service.summary(engine, as_of=AS_OF, scope="Tỉnh Hậu Giang (cũ)")
    by_key = service.summary(engine, as_of=AS_OF, province="hau giang")
    for s in (by_param, by_scope, by_key):
        assert s["cong_chuc"]["baseline"] == 110
        assert s["cong_chuc"]["current"] == pytest.approx(160 * 4 / 9 + 28)
        assert s["predecessors"] == []
    assert by_param["scope"] == "Tỉnh Hậu Giang (cũ)"
    with pytest.raises(service.ScopeNotFound):
        service.summary(engine, as_of=AS_OF, province="Tỉnh Bạc Liêu")
    ds = service.load_dataset(engine)
    with pytest.raises(BadParameter, match="Không có tỉnh, thành phố \\(cũ\\) «Bạc Liêu»"):
        service.resolve_view(engine, ds, View(as_of=AS_OF, province="Bạc Liêu"))


def test_before_the_merger_each_unit_stands_alone(engine, two):
    """At 30/06/2025 Hậu Giang's Sở Y tế still exists (no 2025 figure of its own), Sở
    LĐTBXH has merged into Sở Nội vụ: the baseline is the same 360."""
    s = service.summary(engine, as_of=dt.date(2025, 6, 30))
    assert s["cong_chuc"]["baseline"] == 360
    hg = {p["key"]: p for p in s["predecessors"]}["hau giang"]
    assert hg["cong_chuc"]["baseline"] == 110
    assert hg["cong_chuc"]["current"] == 28  # Sở Y tế HG gave no 2025 figure: not counted


def test_units_of_the_merged_province_show_it(engine, two):
    ds = service.load_dataset(engine)
    names = sorted(ds.units["name"])
    assert "Sở Y tế tỉnh Hậu Giang (cũ)" in names
    assert "Sở Tư pháp tỉnh Hậu Giang (cũ)" in names
    assert names.count("Sở Tư pháp") == 1


def test_other_rule_counts_a_merged_unit_in_the_receiver(engine, two, monkeypatch):
    monkeypatch.setenv("MERGER_BASELINE_RULE", "theo_don_vi_tiep_nhan")
    s = service.summary(engine, as_of=AS_OF, province="Tỉnh Hậu Giang (cũ)")
    # Sở Y tế HG's 80 counts in the receiving Sở Y tế of Cần Thơ: Hậu Giang keeps Sở Tư pháp
    assert s["cong_chuc"]["baseline"] == 30
    assert s["cong_chuc"]["current"] == 28
    whole = service.summary(engine, as_of=AS_OF)
    assert whole["cong_chuc"]["baseline"] == 360  # the whole province is the same
    assert "tính trọn" in whole["merger_rule"]


def test_one_province_writes_nothing_new(engine, ingest):
    """Without `PROVINCE` and without a merger, a letterhead naming the province is read as
    it always was: the same Sở Y tế, no province stored."""
    accepted(ingest(b01("Sở Nội vụ", [["Sở Y tế", 100, 90]]), "ct.xlsx"))
    again = accepted(ingest(b01("Sở Y tế thành phố Cần Thơ", [["Sở Y tế", 100, 91]]), "sy.xlsx"))
    assert not [p for p in again.problems if p.code == "new-unit"]
    with engine.connect() as conn:
        assert conn.execute(text("SELECT province_key FROM unit")).scalars().all() == [""]
    s = service.summary(engine, as_of=AS_OF)
    assert s["predecessors"] == [] and s["merger_rule"] is None
    with pytest.raises(service.ScopeNotFound):
        service.summary(engine, as_of=AS_OF, province="Thành phố Cần Thơ")


@pytest.fixture
def three(ingest, monkeypatch):
    """Cần Thơ: Sở Y tế 100 → 200 (with Sóc Trăng's and Hậu Giang's). Sóc Trăng (letterhead
    `UBND tỉnh Sóc Trăng`): Sở Y tế 70, Sở Xây dựng 20 → 18. Hậu Giang (column `Tỉnh, thành
    phố` in a return without letterhead): Sở Y tế 80."""
    monkeypatch.setenv("PROVINCE", "TP. Cần Thơ")
    accepted(ingest(plan_5pct(), "00.xlsx"))
    accepted(ingest(b01("Sở Nội vụ", [["Sở Y tế", 100, 200]]), "ct.xlsx"))
    accepted(
        ingest(
            b01("UBND tỉnh Sóc Trăng", [["Sở Y tế", 70, None], ["Sở Xây dựng", 20, 18]]),
            "st.xlsx",
        )
    )
    accepted(ingest(b01(None, [["Sở Y tế", "Tỉnh Hậu Giang", 80, None]], province=True), "hg.xlsx"))
    merger = [*MERGER[:4], "Thành phố Cần Thơ; Tỉnh Sóc Trăng; Tỉnh Hậu Giang", *MERGER[5:]]
    accepted(
        ingest(
            b03(
                [
                    merger,
                    [
                        2,
                        "01/07/2025",
                        "QĐ 20",
                        "Sáp nhập",
                        "Sở Y tế tỉnh Sóc Trăng (cũ); Sở Y tế tỉnh Hậu Giang (cũ)",
                        "Sở Y tế",
                        "Cơ quan hành chính",
                        None,
                    ],
                ]
            ),
            "03.xlsx",
        )
    )
    return ingest


def test_three_provinces_merged(engine, three):
    s = service.summary(engine, as_of=AS_OF)
    # 100 + 70 + 20 + 80 = 270; existing Sở Y tế 200 and Sở Xây dựng 18
    assert s["cong_chuc"]["baseline"] == 270
    assert s["cong_chuc"]["current"] == 218
    assert s["cong_chuc"]["reduced"] == 52
    parts = {p["key"]: p["cong_chuc"] for p in s["predecessors"]}
    assert set(parts) == {"can tho", "soc trang", "hau giang"}
    # Sở Y tế's 250 at baseline: 100 / 70 / 80 → its 200 is 80 / 56 / 64
    assert parts["can tho"]["baseline"] == 100
    assert parts["can tho"]["current"] == pytest.approx(80)
    assert parts["soc trang"]["baseline"] == 90
    assert parts["soc trang"]["current"] == pytest.approx(56 + 18)
    assert parts["soc trang"]["reduced"] == pytest.approx(16)
    assert parts["hau giang"]["baseline"] == 80
    assert parts["hau giang"]["current"] == pytest.approx(64)
    assert parts["hau giang"]["target"] == pytest.approx(4)  # 5% × 80
    assert sum(p["reduced"] for p in parts.values()) == pytest.approx(52)


def test_after_the_merger_a_row_naming_no_province_finds_the_merged_ones(engine, three):
    """A 2026 return of the merged city lists Sóc Trăng's Sở Xây dựng by its bare name: the
    one unit of that name among the merged provinces; Sở Y tế is its own."""
    with engine.connect() as conn:
        before = conn.execute(text("SELECT COUNT(*) FROM unit")).scalar_one()
    result = accepted(
        three(b01("Sở Nội vụ thành phố Cần Thơ", [["Sở Xây dựng", 20, 17], ["Sở Y tế", 100, 190]]))
    )
    assert not [p for p in result.problems if p.code == "new-unit"]
    with engine.connect() as conn:
        assert conn.execute(text("SELECT COUNT(*) FROM unit")).scalar_one() == before
    s = service.summary(engine, as_of=AS_OF)
    assert s["cong_chuc"]["current"] == 190 + 17


def test_a_name_in_two_merged_provinces_asks_for_the_province(engine, three):
    accepted(three(b01("UBND tỉnh Hậu Giang", [["Sở Xây dựng", 25, None]]), "hg2.xlsx"))
    result = three(b01(None, [["Sở Xây dựng", 20, 17]]), "ct2.xlsx")
    assert result.status == "refused"
    problem = next(p for p in result.errors if p.code == "name-ambiguous-province")
    assert "Tỉnh Sóc Trăng" in problem.message_vi and "Tỉnh Hậu Giang" in problem.message_vi


def test_sqlite_unit_keeps_its_change_triggers(sqlite_engine):
    """Migration 0009 rebuilds `unit` on SQLite: the data_change triggers of 0003 are back."""
    with sqlite_engine.connect() as conn:
        names = conn.execute(
            text("SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'unit'")
        ).scalars()
        assert sorted(names) == [
            "data_change_unit_delete",
            "data_change_unit_insert",
            "data_change_unit_renumber",
            "data_change_unit_update",
        ]


def _texts(node: Any) -> str:
    """Every string under a Dash component, joined."""
    if isinstance(node, str | int | float):
        return str(node)
    if isinstance(node, list | tuple):
        return " ".join(_texts(n) for n in node)
    children = getattr(node, "children", None)
    return _texts(children) if children is not None else ""


def test_pages_and_report_show_the_rule_and_the_former_provinces(engine, two):
    from components.overview import make_merger_note, make_predecessors_panel
    from components.shell import filter_options
    from components.units import make_unit_page
    from etl.measures.narrative import build_narrative

    ds = service.load_dataset(engine)
    view = service.resolve_view(engine, ds, View(as_of=AS_OF))
    s = service.summary_of(ds, view)
    note = _texts(make_merger_note(s["merger_rule"]))
    assert "Nghị quyết 202/2025/QH15" in note and "01/07/2025" in note
    panel = _texts(make_predecessors_panel(s["predecessors"]))
    assert "Tỉnh Hậu Giang" in panel and "Thành phố Cần Thơ" in panel
    assert "110" in panel  # Hậu Giang's baseline
    assert [o["label"] for o in filter_options(ds)["province"]] == [
        "Thành phố Cần Thơ (cũ)",
        "Tỉnh Hậu Giang (cũ)",
    ]
    # the unit page of Cần Thơ's Sở Y tế follows Hậu Giang's across the merger
    sy = ds.units[ds.units["name"] == "Sở Y tế"].index[0]
    page = _texts(make_unit_page(ds, int(sy), view))
    assert "Sở Y tế tỉnh Hậu Giang (cũ)" in page
    assert "biên chế công chức năm 2021: 80" in page
    assert "Quy ước" in page
    text = build_narrative(s).plain_text()
    assert "Theo tỉnh, thành phố trước hợp nhất:" in text and "Quy ước" in text


def test_one_province_shows_no_province_filter(engine, ingest):
    from components.shell import filter_options

    accepted(ingest(b01("Sở Nội vụ", [["Sở Y tế", 100, 90]]), "ct.xlsx"))
    assert filter_options(service.load_dataset(engine))["province"] == []


def test_province_in_the_address_round_trips(engine, two):
    from etl.measures.query import parse_view

    view = parse_view("?as_of=2025-12-31&province=hau+giang")
    ds = service.load_dataset(engine)
    resolved = service.resolve_view(engine, ds, view)
    assert resolved.filter.province == "hau giang"
    assert resolved.label == "Tỉnh Hậu Giang (cũ)"
    assert parse_view(resolved.to_query()).province == "Tỉnh Hậu Giang (cũ)"


def test_breadcrumbs_name_the_former_province():
    from components.drill import breadcrumbs

    crumbs = _texts(breadcrumbs("/", View(province="Tỉnh Hậu Giang (cũ)", sector="Y tế")))
    assert "Toàn thành phố" in crumbs and "Tỉnh Hậu Giang (cũ)" in crumbs


def test_a_province_too_long_for_its_column_is_refused_naming_the_cell(engine, ingest):
    long_name = "Tỉnh " + "Hậu Giang " * 14  # 145 characters: the column holds 120
    result = ingest(b01(None, [["Sở Y tế", long_name, 80, 70]], province=True), "x.xlsx")
    assert result.status == "refused"
    problem = next(p for p in result.errors if p.code == "text-too-long")
    assert problem.cell == "B5" and "Tỉnh, thành phố" in problem.message_vi
    result = ingest(b03([[1, "01/03/2025", "QĐ", "Giải thể", f"Sở Y tế {long_name} (cũ)",
                          None, "Cơ quan hành chính", None]]), "y.xlsx")  # fmt: skip
    assert result.status == "refused"
    assert "text-too-long" in {p.code for p in result.errors}


def test_the_merger_is_listed_but_counts_no_unit(engine, two):
    from components.reorg_view import events_frame
    from etl.measures import analysis

    ds = service.load_dataset(engine)
    listed = events_frame(ds, AS_OF)
    merger = listed[listed["doc_ref"] == "Nghị quyết 202/2025/QH15"].iloc[0]
    assert merger["before"] == "Thành phố Cần Thơ; Tỉnh Hậu Giang"
    assert merger["after"] == "Thành phố Cần Thơ"
    timeline = analysis.reorg_timeline(ds, AS_OF)
    assert "tinh_thanh_pho" not in set(timeline["unit_kind"])
    # the two sở mergers: LĐTBXH into Nội vụ, Y tế HG into Y tế: 1 + 1 administrative units
    s = service.summary(engine, as_of=AS_OF)
    assert s["reorganization"]["co_quan_hanh_chinh"]["reduced"] == 2


def test_biểu_03_province_column_names_its_units_province(engine, two):
    """A Biểu 03 row whose `Tỉnh, thành phố` says Hậu Giang: its units are Hậu Giang's."""
    from etl.core.forms import FORM_03

    header = [*B03_HEADER, FORM_03.column("province").label]
    row = [1, "01/08/2025", "QĐ 30", "Đổi tên", "Sở Tư pháp", "Sở Tư pháp và Pháp chế",
           "Cơ quan hành chính", None, "Tỉnh Hậu Giang"]  # fmt: skip
    accepted(two(xlsx({"Biểu 03": [["Biểu số 03"], header, colnums(len(header)), row]})))
    with engine.connect() as conn:
        renamed = conn.execute(
            text("SELECT province_key FROM unit WHERE name = 'Sở Tư pháp và Pháp chế'")
        ).scalar_one()
    assert renamed == "hau giang"
    s = service.summary(engine, as_of=AS_OF, province="Tỉnh Hậu Giang (cũ)")
    assert s["cong_chuc"]["baseline"] == 110  # the renamed unit carries its 30


def test_refresh_over_the_merger_equals_a_full_load(engine, ingest, monkeypatch, refreshes):
    """The app refreshes its Dataset after each upload: the names gain `(cũ)` and the former
    provinces' figures are those of a full load."""
    import pandas as pd

    from etl.measures import metrics
    from etl.measures.cache import load_dataset
    from etl.measures.scoping import Filter

    monkeypatch.setenv("PROVINCE", "Thành phố Cần Thơ")
    uploads = [
        b01("Sở Nội vụ", [["Sở Y tế", 100, 160], ["Sở Tư pháp", 50, 48]]),
        b01("Sở Nội vụ tỉnh Hậu Giang", [["Sở Y tế", 80, None], ["Sở Tư pháp", 30, 28]]),
        b03(
            [
                MERGER,
                [
                    2,
                    "01/07/2025",
                    "QĐ 20",
                    "Sáp nhập",
                    "Sở Y tế tỉnh Hậu Giang (cũ)",
                    "Sở Y tế",
                    "Cơ quan hành chính",
                    None,
                ],
            ]
        ),
    ]
    previous = None
    for i, content in enumerate(uploads):
        accepted(ingest(content, f"{i}.xlsx"))
        full = load_dataset(engine)
        if previous is not None:
            refreshed = load_dataset(engine, previous=previous)
            pd.testing.assert_frame_equal(refreshed.units, full.units, check_exact=True)
            for part in (Filter(), Filter(province="hau giang", label="Tỉnh Hậu Giang (cũ)")):
                got = metrics.summary(refreshed, AS_OF, part)
                assert got == metrics.summary(full, AS_OF, part)
            previous = refreshed
        else:
            previous = full
    assert "Sở Y tế tỉnh Hậu Giang (cũ)" in set(previous.units["name"])
    assert len(refreshes) == 2  # after each upload but the first: derived, not loaded


def test_a_name_holding_its_province_is_shown_once_and_matched_as_shown(
    engine, ingest, monkeypatch
):
    """Hậu Giang's `Văn phòng UBND tỉnh Hậu Giang` is shown after the merger as `Văn phòng
    UBND tỉnh Hậu Giang (cũ)` (not `… tỉnh Hậu Giang tỉnh Hậu Giang (cũ)`), and a later
    return naming it so is that unit, not a new `Văn phòng UBND` of Hậu Giang."""
    monkeypatch.setenv("PROVINCE", "Thành phố Cần Thơ")
    accepted(
        ingest(
            b01("Sở Nội vụ tỉnh Hậu Giang", [["Văn phòng UBND tỉnh Hậu Giang", 50, 45]]),
            "hg.xlsx",
        )
    )
    accepted(ingest(b03([MERGER]), "03.xlsx"))
    names = set(service.load_dataset(engine).units["name"])
    assert "Văn phòng UBND tỉnh Hậu Giang (cũ)" in names
    assert not [n for n in names if n.count("Hậu Giang") > 1]
    again = accepted(
        ingest(b01("Sở Nội vụ", [["Văn phòng UBND tỉnh Hậu Giang (cũ)", 50, 44]]), "ct.xlsx")
    )
    assert not [p for p in again.problems if p.code == "new-unit"]
    with engine.connect() as conn:
        count = conn.execute(text("SELECT COUNT(*) FROM unit WHERE name LIKE 'Văn phòng%'"))
        assert count.scalar_one() == 1
    s = service.summary(engine, as_of=AS_OF, province="hau giang")
    assert (s["cong_chuc"]["baseline"], s["cong_chuc"]["current"]) == (50, 44)


def test_the_reorg_page_is_kept_until_the_events_change(engine, two, monkeypatch):
    """The reorganisation page's list of events is built once per data version and cut-off
    (components/reorg_view.py): the page drawn again from the kept list is the one drawn
    first, for two views; a return with a new event (a new data version) builds it again."""
    from plotly.io.json import to_json_plotly

    from components import reorg_view
    from etl.measures.query import ResolvedView

    builds: list[dt.date] = []
    build = reorg_view._build_events_frame

    def counted(ds: Any, as_of: dt.date) -> Any:
        builds.append(as_of)
        return build(ds, as_of)

    monkeypatch.setattr(reorg_view, "_build_events_frame", counted)

    def page(ds: Any, view: ResolvedView) -> str:
        drawn = to_json_plotly(reorg_view.make_reorg(ds, service.summary_of(ds, view), view))
        return json.dumps(json.loads(drawn), ensure_ascii=False)

    ds = service.load_dataset(engine)
    views = [ResolvedView(AS_OF), ResolvedView(dt.date(2025, 3, 31))]
    first = [page(ds, v) for v in views]
    assert builds == [AS_OF, dt.date(2025, 3, 31)]
    assert [page(ds, v) for v in views] == first  # from the kept lists: the same page
    assert len(builds) == 2
    assert "3 sự kiện" in first[0] and "1 sự kiện" in first[1]  # by 31/03/2025: QĐ 10 only

    # Hậu Giang's Sở Tư pháp merges into Cần Thơ's: a new data version, a new event
    row = [1, "01/08/2025", "QĐ 30", "Sáp nhập", "Sở Tư pháp tỉnh Hậu Giang (cũ)",
           "Sở Tư pháp", "Cơ quan hành chính", None]  # fmt: skip
    accepted(two(b03([row]), "03b.xlsx"))
    ds = service.load_dataset(engine)
    again = page(ds, views[0])
    assert builds[2:] == [AS_OF] and again != first[0]
    assert "4 sự kiện" in again and "QĐ 30" in again
    listed = reorg_view.events_frame(ds, AS_OF)
    assert listed["doc_ref"].iloc[0] == "QĐ 30"  # newest first
    assert set(listed["doc_ref"]) == {"QĐ 30", "Nghị quyết 202/2025/QH15", "QĐ 20", "QĐ 10"}
