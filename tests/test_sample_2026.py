"""The second sample (docs/domain.md, "Second sample (2026)"): the new Thành phố Cần Thơ formed
from three provinces. The committed files come from the committed generator and the reader
takes every one of them; the figures of the table, computed by hand from the generator's
constants, come out of them through the ordinary path (`etl demo --set 2026`).

The figures need the programmes, provinces and communes of issue 16 (until those are in, the
new columns are ignored, the new choices refused and the returns after the merger, which have
no 2021 column, refused: see `test_every_file_reads_with_only_the_new_columns_and_choices`)."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from pathlib import Path

import pandas as pd
import pytest

from devdata.sample_2026 import build_city, write_sample_2026
from etl import service
from etl.core.problems import ProblemLog
from etl.core.settings import ROOT
from etl.measures.cache import load_dataset
from etl.measures.scoping import exists_at
from etl.reading.reader import read_forms
from tests.conftest import BACKENDS, make_test_engine, open_period

SAMPLE_DIR = ROOT / "data" / "sample_2026"
AS_OF = dt.date(2026, 6, 30)
BEFORE = dt.date(2024, 12, 31)

# What the reader does not know before issue 16's parts are in: the contract's new columns
# (ignored with a warning) and choices (refused), and (in the returns of the new city, years
# 2025-2026 only) the 2021 column Biểu 01/02 must have today.
NEW_COLUMNS = {"Tỉnh, thành phố", "Xã, phường", "Giai đoạn", "Căn cứ", "Lĩnh vực giữ ổn định"}
NEW_CHOICES = {"Tỉnh, thành phố", "Quận, huyện", "Cơ quan cấp xã"}
NO_2021 = "năm 2021."


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_committed_sample_2026_is_what_the_generator_writes(tmp_path):
    written = write_sample_2026(tmp_path)
    committed = sorted(SAMPLE_DIR.glob("*.xlsx"))
    assert [p.name for p in written] == [p.name for p in committed]
    assert [_digest(p) for p in written] == [_digest(p) for p in committed]


def _quoted(text: str) -> str:
    return re.findall(r"«([^»]*)»", text)[0]


def _unexplained(path: Path) -> list[str]:
    """The problems reading `path` gives besides those of NEW_COLUMNS, NEW_CHOICES and a
    missing 2021 column in a return of the new city."""
    log = ProblemLog(path.name)
    sheets = read_forms(path.read_bytes(), path.name, log)
    after_merger = path.name[:10] > str(BEFORE)
    no_2021 = [p for p in log.items if p.code == "missing-year" and p.message_vi.endswith(NO_2021)]
    left = [] if sheets or (after_merger and no_2021) else [f"{path.name}: không đọc được"]
    for p in log.items:
        if p.code == "unknown-column" and _quoted(p.message_vi) in NEW_COLUMNS:
            continue
        if p.code == "bad-choice" and _quoted(p.message_vi) in NEW_CHOICES:
            continue
        if after_merger and p in no_2021:
            continue
        left.append(f"{p.where} {p.code}: {p.message_vi}")
    return left


def test_every_file_reads_with_only_the_new_columns_and_choices():
    files = sorted(SAMPLE_DIR.glob("*.xlsx"))
    assert len(files) == 56
    assert [problem for path in files for problem in _unexplained(path)] == []


def test_the_generated_city_holds_the_table():
    """The new city's 2025 and 2026 levels as the files write them (read through the product
    in the tests below, once the new city's returns are read)."""
    city = build_city()
    agencies = city.after_so() + [b for bs in city.communes.values() for b in bs]
    assert (len(city.after_so()), len(agencies)) == (8, 20)
    assert [sum(b.quota[y] for b in agencies) for y in (2025, 2026)] == [1455, 1440]
    units = [u for f in city.formers for u in f.units]
    assert len(units) == 72

    def level(year: int, sector: str) -> int:
        return sum(u.quota[year] for u in units if u.sector == sector)

    stable = ("Giáo dục và Đào tạo", "Y tế")
    assert [sum(u.quota[y] for u in units) for y in (2021, 2024, 2025, 2026)] == [
        5000,
        4850,
        4800,
        4700,
    ]
    assert [level(y, s) for s in stable for y in (2021, 2026)] == [1750, 1700, 2630, 2500]
    assert sum(u.quota[2026] for u in units if u.sector not in stable) == 500


@pytest.mark.parametrize(
    ("tail", "districts", "figures"),
    [
        ("can_tho", ("quan_ninh_kieu", "huyen_co_do"), (600, 588, 2000, 1940)),
        ("soc_trang", ("huyen_my_tu", "huyen_ke_sach"), (500, 490, 1700, 1650)),
        ("hau_giang", ("huyen_phung_hiep", "huyen_long_my"), (400, 392, 1300, 1260)),
    ],
)
def test_each_former_province_alone(engine, tail, districts, figures):
    """One former province's returns as at 31/12/2024, alone in a database: its 2021 and 2024
    levels (the table's first rows) through the ordinary path, province part or not."""
    open_period(engine, BEFORE)
    files = sorted(SAMPLE_DIR.glob(f"{BEFORE}_01_*_{tail}.xlsx"))
    files += [SAMPLE_DIR / f"{BEFORE}_01_ubnd_{d}.xlsx" for d in districts]
    assert len(files) == 12
    results = service.ingest_files(engine, files, approve=True)
    assert [r.status for r in results] == ["accepted"] * 12
    s = service.summary(engine, as_of=BEFORE)
    cc, nlv = s["cong_chuc"], s["nguoi_lam_viec"]
    assert (cc["baseline"], cc["current"], nlv["baseline"], nlv["current"]) == figures
    assert s["streamlined"] == {
        "cong_chuc": {"2022": 2, "2023": 2, "2024": 1},
        "vien_chuc": {"2022": 10, "2023": 6, "2024": 4},
    }


# ---------------------------------------------------------------- the merged city (issue 16)


@pytest.fixture(scope="module", params=BACKENDS)
def merged(request, tmp_path_factory):
    """The second sample loaded as `etl demo --set 2026` loads it, on every configured backend."""
    engine, cleanup = make_test_engine(request.param, tmp_path_factory.mktemp("sample_2026"))
    results = service.load_sample(engine, sample_set="2026")
    yield engine, results
    cleanup()


def test_every_file_is_accepted(merged):
    refused = [(r.file_name, sorted({p.code for p in r.errors})) for r in merged[1] if r.errors]
    assert refused == []
    assert [r.status for r in merged[1]] == ["accepted"] * 56


def _summary(merged, programme: str | None = None, as_of: dt.date = AS_OF) -> dict:
    engine = merged[0]
    if programme is None:
        return service.summary(engine, as_of=as_of)
    return service.summary(engine, as_of=as_of, programme=programme)


def test_2022_2026_closed_across_the_merger(merged):
    s = _summary(merged, "2022 - 2026")
    assert s["programme"] == {
        "start_year": 2022,
        "name": "2022 - 2026",
        "basis": "Kết luận 40-KL/TW ngày 18/07/2022",
        "baseline_year": 2021,
        "end_year": 2026,
    }
    cc = s["cong_chuc"]  # 600 + 500 + 400; 1.440 in 2026; 5% of 1.500
    assert (cc["baseline"], cc["current"], cc["reduced"]) == (1500, 1440, 60)
    assert cc["reduced_pct"] == pytest.approx(4.0)
    assert cc["target"] == pytest.approx(75.0)
    assert cc["pct_of_target"] == pytest.approx(80.0)
    nlv = s["nguoi_lam_viec"]  # 2.000 + 1.700 + 1.300; 4.700 in 2026; 10% of 5.000
    assert (nlv["baseline"], nlv["current"], nlv["reduced"]) == (5000, 4700, 300)
    assert nlv["reduced_pct"] == pytest.approx(6.0)
    assert nlv["target"] == pytest.approx(500.0)
    assert nlv["pct_of_target"] == pytest.approx(60.0)


def test_each_former_province_share(merged):
    s = _summary(merged, "2022 - 2026")
    shares = {
        p["province"]: (p["cong_chuc"]["baseline"], p["nguoi_lam_viec"]["baseline"])
        for p in s["predecessors"]
    }
    assert shares == {
        "Thành phố Cần Thơ": (600, 2000),
        "Tỉnh Sóc Trăng": (500, 1700),
        "Tỉnh Hậu Giang": (400, 1300),
    }


def test_2026_2031_opened_with_its_own_targets(merged):
    s = _summary(merged, "2026 - 2031")
    assert s["programme"] == {
        "start_year": 2026,
        "name": "2026 - 2031",
        "basis": "Công văn 10989/BNV-TCBC",
        "baseline_year": 2026,
        "end_year": 2031,
    }
    cc = s["cong_chuc"]  # −20% of the 2026 level, nothing cut yet
    assert (cc["baseline"], cc["current"], cc["reduced"]) == (1440, 1440, 0)
    assert cc["target"] == pytest.approx(288.0)
    nlv = s["nguoi_lam_viec"]  # −10% of the sectors not kept stable: 4.700 − 1.700 − 2.500
    assert nlv["current"] == 4700
    assert nlv["reduced"] == 0
    assert nlv["target"] == pytest.approx(50.0)


def test_default_programme_is_the_earliest_running(merged):
    assert _summary(merged)["programme"]["name"] == "2022 - 2026"


def test_before_the_merger(merged):
    s = _summary(merged, as_of=BEFORE)  # 588 + 490 + 392; 1.940 + 1.650 + 1.260
    assert (s["cong_chuc"]["baseline"], s["cong_chuc"]["current"]) == (1500, 1470)
    assert (s["nguoi_lam_viec"]["baseline"], s["nguoi_lam_viec"]["current"]) == (5000, 4850)


def test_streamlined_by_year(merged):
    assert _summary(merged)["streamlined"] == {
        "cong_chuc": {"2022": 6, "2023": 6, "2024": 3, "2025": 10, "2026": 3},
        "vien_chuc": {"2022": 30, "2023": 18, "2024": 12, "2025": 30, "2026": 8},
    }


def test_units_after_the_merger(merged):
    ds = load_dataset(merged[0])
    existing = ds.units[exists_at(ds.units, AS_OF)]
    assert existing["kind"].value_counts().to_dict() == {
        "don_vi_su_nghiep": 72,
        "co_quan_cap_xa": 12,
        "co_quan_chuyen_mon_tinh": 8,
    }


def test_the_yearly_path_counts_a_district_s_phong_once(merged):
    """The chart by year at 30/06/2026: the phòng split between two communes' UBND on
    01/07/2025 count once in the years before (each home takes its half), so 2021 is the
    baseline 1.500 (600 + 500 + 400), not 1.500 plus the phòng once more; 2024 is the table's
    588 + 490 + 392."""
    from etl.core.vocabulary import Measure
    from etl.measures.metrics import quota_by_year
    from etl.measures.scoping import Filter, home_units

    ds = load_dataset(merged[0])
    homes = home_units(ds, AS_OF)
    cc = quota_by_year(ds, homes, Filter(), Measure.CONG_CHUC, AS_OF, 2021)
    assert {y: cc[y] for y in (2021, 2024, 2025, 2026)} == {
        2021: 1500,
        2024: 1470,
        2025: 1455,
        2026: 1440,
    }
    nlv = quota_by_year(ds, homes, Filter(), Measure.NGUOI_LAM_VIEC, AS_OF, 2021)
    assert {y: nlv[y] for y in (2021, 2024, 2025, 2026)} == {
        2021: 5000,
        2024: 4850,
        2025: 4800,
        2026: 4700,
    }


def _texts(node) -> str:
    """Every string under a Dash component, joined."""
    if isinstance(node, str | int | float):
        return str(node)
    if isinstance(node, list | tuple):
        return " | ".join(_texts(n) for n in node)
    children = getattr(node, "children", None)
    return _texts(children) if children is not None else ""


def test_the_overview_s_tables_for_each_programme(merged):
    """What a leader reads on the overview, by hand from the table: the former provinces named
    «(cũ)»; in 2026–2031 no unit of Sóc Trăng or Hậu Giang holds công chức (their sở merged
    into Cần Thơ's on 01/07/2025), so their công chức read «—», not a baseline of 0; the units
    furthest behind head their baseline column with the programme's baseline year; the card
    tells the 2026 baseline from the 2026 current figure."""
    from components.cards import make_measure_card
    from components.overview import make_behind_table, make_predecessors_panel
    from etl.measures import analysis

    old = _texts(make_predecessors_panel(_summary(merged, "2022 - 2026")["predecessors"]))
    for name, cc in (
        ("Thành phố Cần Thơ (cũ)", "600"),
        ("Tỉnh Hậu Giang (cũ)", "400"),
        ("Tỉnh Sóc Trăng (cũ)", "500"),
    ):
        assert f"{name} | {cc} |" in old
    new = _summary(merged, "2026 - 2031")
    panel = _texts(make_predecessors_panel(new["predecessors"]))
    assert "Tỉnh Hậu Giang (cũ) | — | — | — | — |" in panel
    assert "Tỉnh Sóc Trăng (cũ) | — | — | — | — |" in panel
    assert "Thành phố Cần Thơ (cũ) | 1.440 | 1.440 | 0 | 0% |" in panel
    table = pd.DataFrame(
        {"measure": ["cong_chuc"], "gap": [1.0], "name": ["Sở Y tế"], "unit_id": [1]}
        | {c: [1.0] for c in ("baseline", "reduced", "target", "pct_of_target")}
    )
    head = _texts(make_behind_table(analysis.furthest_behind(table, "cong_chuc"), "", 2026))
    assert head.startswith("Đơn vị | Năm 2026 |")
    empty = table.iloc[0:0]
    assert "Không có đơn vị nào" in _texts(make_behind_table(empty, "", 2026))
    card = _texts(make_measure_card("Biên chế công chức", new["cong_chuc"], "cc"))
    assert "Năm 2026 (năm gốc) | 1.440" in card and "Năm 2026 (hiện nay) | 1.440" in card
    old_card = _texts(make_measure_card("Biên chế công chức", _summary(merged)["cong_chuc"], "cc"))
    assert "Năm 2021 | 1.500" in old_card and "Năm 2026 | 1.440" in old_card


def test_2026_2031_in_its_first_year_reads_plainly():
    """In 2026, the baseline year of 2026–2031, no unit has reduced yet: the spread says so
    (not «việc giảm tập trung vào một số đơn vị»), and the units grid tells its two «Năm 2026»
    columns apart; 2022–2026's columns stay «Năm 2021», «Năm 2026»."""
    from components.analysis_view import spread_sentence
    from components.units import unit_columns

    stats = {"units": 72, "median_pct": 0.0, "std_pct": 0.0}
    stats |= {"zero_share_pct": 100.0, "near_median_share_pct": 100.0}
    said = spread_sentence(stats, 2026)
    assert said.endswith("chưa đơn vị nào giảm so với năm gốc.") and "tập trung" not in said
    names = {c["field"]: c["headerName"] for c in unit_columns(2026, 2026)}
    assert (names["baseline"], names["current"]) == ("Năm 2026 (năm gốc)", "Năm 2026 (hiện nay)")
    names = {c["field"]: c["headerName"] for c in unit_columns(2026, 2021)}
    assert (names["baseline"], names["current"]) == ("Năm 2021", "Năm 2026")


def test_a_former_province_without_cong_chuc_in_2026_has_no_baseline_not_0(merged):
    """Sóc Trăng's ten sở all merged into Cần Thơ's on 01/07/2025 and its districts' phòng
    into the communes' UBND (of the new city): in 2026–2031 (baseline 2026) no unit of Sóc
    Trăng (cũ) holds công chức, so its baseline and target are missing, not 0; its người làm
    việc (its 24 units) have a baseline, nothing cut from it yet."""
    engine = merged[0]
    s = service.summary(engine, as_of=AS_OF, programme="2026 - 2031", province="soc trang")
    cc = s["cong_chuc"]
    assert cc["no_data"] == "no-figures"
    assert (cc["baseline"], cc["current"], cc["target"]) == (None, None, None)
    assert s["nguoi_lam_viec"]["baseline"] == s["nguoi_lam_viec"]["current"]


def test_the_reorganisation_list_names_the_district_of_each_district_end(merged):
    """The four districts' ends list phòng of the same names (`Phòng Nội vụ tỉnh Sóc Trăng
    (cũ)` in Mỹ Tú and in Kế Sách): each row is led by its district; a sở merger is not."""
    from components.reorg_view import events_frame

    listed = events_frame(load_dataset(merged[0]), AS_OF)
    ends = sorted(b.split(":")[0] for b in listed.loc[listed["event_type"] == "Giải thể", "before"])
    assert ends == [
        "Huyện Cờ Đỏ",
        "Huyện Kế Sách",
        "Huyện Long Mỹ",
        "Huyện Mỹ Tú",
        "Huyện Phụng Hiệp",
        "Quận Ninh Kiều",
    ]
    merged_sy = listed[listed["after"] == "Sở Y tế"]["before"].iloc[0]
    assert merged_sy == "Sở Y tế tỉnh Hậu Giang (cũ); Sở Y tế tỉnh Sóc Trăng (cũ)"


def test_a_merged_sở_s_chart_follows_its_predecessors(merged):
    """The new Sở Y tế's page: its bars are its own figures (Cần Thơ's 58 in 2021), and a
    line adds its predecessors' in the years they existed: 2021 = 58 + 36 + 47 = 141, the
    card's baseline (the figures of data/sample_2026's three Sở Y tế)."""
    from components.units import _with_predecessors, make_unit_page
    from etl.measures import query
    from etl.measures.scoping import predecessors_of

    ds = load_dataset(merged[0])
    sy = int(ds.units[(ds.units["name"] == "Sở Y tế") & (ds.units["province_key"] == "")].index[0])
    view = query.resolve_view(ds, query.View(), AS_OF)
    line = _with_predecessors(ds, sy, view, predecessors_of(ds, sy, AS_OF))
    assert line is not None and line[2021] == 141
    page = make_unit_page(ds, sy, view)
    figure = page[1].children[1].children.figure
    assert [t.name for t in figure.data] == [
        "Số được giao của riêng đơn vị",
        "Gồm cả đơn vị tiền thân",
    ]


def test_a_former_province_s_years_before_the_merger_are_its_own(merged):
    """At 30/06/2026 each former province's chart by year reads, for 2021 and 2024, the
    table's figures of that time (600/500/400 → 588/490/392 công chức, 2.000/1.700/1.300 →
    1.940/1.650/1.260 người làm việc), not a share of the merged sở's figures; its baseline
    is unchanged (the same sum)."""
    from etl.core.vocabulary import Measure
    from etl.measures.metrics import quota_by_year
    from etl.measures.scoping import Filter, home_units

    ds = load_dataset(merged[0])
    homes = home_units(ds, AS_OF)
    expected = {
        "can tho": ((600, 588), (2000, 1940)),
        "soc trang": ((500, 490), (1700, 1650)),
        "hau giang": ((400, 392), (1300, 1260)),
    }
    for key, (cc, nlv) in expected.items():
        flt = Filter(province=key)
        by_cc = quota_by_year(ds, homes, flt, Measure.CONG_CHUC, AS_OF, 2021)
        by_nlv = quota_by_year(ds, homes, flt, Measure.NGUOI_LAM_VIEC, AS_OF, 2021)
        assert ((by_cc[2021], by_cc[2024]), (by_nlv[2021], by_nlv[2024])) == (cc, nlv), key
        s = service.summary(merged[0], as_of=AS_OF, province=key)
        assert s["cong_chuc"]["baseline"] == cc[0]


def test_each_former_province_s_reorganisation(merged):
    """Units fewer by 30/06/2026, each where it was: Sóc Trăng and Hậu Giang lost their ten
    sở (two in their own 2025 mergers, eight into Cần Thơ's) and their eight phòng: 18 each;
    Cần Thơ two sở (Kế hoạch và Đầu tư; the two combined into Nông nghiệp và Môi trường) and
    its eight phòng: 10; 18 + 18 + 10 = 46, the whole city's (30 sở + 24 phòng → 8 sở)."""
    counts = {
        key: _summary_of_province(merged, key)["reorganization"]["co_quan_hanh_chinh"]["reduced"]
        for key in (None, "can tho", "soc trang", "hau giang")
    }
    assert counts == {None: 46, "can tho": 10, "soc trang": 18, "hau giang": 18}


def _summary_of_province(merged, key: str | None) -> dict:
    return service.summary(merged[0], as_of=AS_OF, province=key)


def test_the_report_s_agencies_after_the_district_level_ended(merged):
    """At 30/06/2026 the city has its 8 sở and the 12 communes' UBND and no district agency:
    the report's sentence names the communes' bodies, not «00 cơ quan chuyên môn cấp
    huyện»; at 31/12/2024 (30 sở, 24 phòng, no commune yet) it reads as it always did."""
    from etl.measures import analysis, query
    from etl.measures.narrative import build_narrative

    ds = load_dataset(merged[0])
    for as_of, said in (
        (
            AS_OF,
            "có 08 cơ quan chuyên môn cấp thành phố, 00 chi cục, 00 tổ chức hành chính khác "
            "và 12 cơ quan cấp xã (UBND xã, phường); giảm 46 cơ quan",
        ),
        (
            BEFORE,
            "có 30 cơ quan chuyên môn cấp thành phố, 00 chi cục, 00 tổ chức hành chính khác "
            "và 24 cơ quan chuyên môn cấp huyện",
        ),
    ):
        view = query.resolve_view(ds, query.View(as_of=as_of), as_of)
        text = build_narrative(
            service.summary_of(ds, view), agency_counts=analysis.agency_counts(ds, view)
        ).plain_text()
        assert said in text, text


def test_a_unit_s_province_line(merged):
    """The new Sở Y tế (Cần Thơ's, still there on 01/07/2025) is the new city's; Sở Kế hoạch
    và Đầu tư (ended 01/03/2025) and Hậu Giang's Sở Y tế are their former provinces'."""
    from components.units import _province_fact

    ds = load_dataset(merged[0])
    u = ds.units

    def fact(name: str, key: str) -> tuple[str, str | None]:
        found = u[(u["name_stored"] == name) & (u["province_key"] == key)].index[0]
        return _province_fact(ds, int(found))

    assert fact("Sở Y tế", "") == ("Tỉnh, thành phố", "Thành phố Cần Thơ")
    assert fact("Sở Kế hoạch và Đầu tư", "") == ("Tỉnh, thành phố (cũ)", "Thành phố Cần Thơ (cũ)")
    assert fact("Sở Y tế", "hau giang") == ("Tỉnh, thành phố (cũ)", "Tỉnh Hậu Giang (cũ)")


def test_the_reorganisation_page_of_a_former_province_says_its_list_is_the_city_s(merged):
    """Sóc Trăng (cũ)'s reorganisation page: 18 agencies fewer in its panel, while its chart
    and list are the whole city's 33 events, and it says so; the city's page says nothing."""
    from components.reorg_view import make_reorg
    from etl.measures import query

    ds = load_dataset(merged[0])
    for key, whole in ((None, False), ("soc trang", True)):
        view = query.resolve_view(ds, query.View(province=key), AS_OF)
        s = service.summary_of(ds, view)
        text = _texts(make_reorg(ds, s, view))
        assert "33 sự kiện" in text
        assert ("33 sự kiện của toàn thành phố (biểu đồ và danh sách" in text) is whole
        assert f"| {18 if whole else 46} | Cơ quan hành chính giảm" in text
