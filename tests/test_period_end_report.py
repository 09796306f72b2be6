"""The period-end report (báo cáo tổng kết giai đoạn, docs/report.md): a cut-off in the
programme's end year gives the summing-up, an earlier one the ordinary report.

Figures are checked against the Department's own report on the first sample (1.860 → 1.841
công chức, 19 = 1,02%; 1.320 người làm việc reduced and 374 pending; 09 công chức and 95 viên
chức streamlined, 03/03/03 and 75/17/03 by year) and by hand from the plan (−5% of 1.860 = 93,
−10% of 20.734 = 2.073,4, spread evenly over 2022–2026)."""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile

import pytest
from docx import Document

from etl import service
from etl.core.settings import load_settings
from etl.measures.cache import load_dataset
from etl.measures.narrative import Narrative
from etl.measures.query import ResolvedView
from reporting import report
from reporting.charts import ChartContext
from reporting.period_end import (
    PeriodProgramme,
    build_period_end,
    is_period_end,
    period_end_context,
    yearly_table,
)
from reporting.report_data import Letterhead, ReportData, ReportTable
from tests.test_exports import pdf_text

END = dt.date(2026, 12, 31)
MADE = dt.datetime(2027, 1, 5, 9, 0)
SUBJECT = "Tổng kết thực hiện tinh giản biên chế giai đoạn 2022 - 2026"
MISSING = "chưa có số liệu"


@pytest.fixture(scope="module")
def sample_ds(tmp_path_factory: pytest.TempPathFactory):
    data_dir = tmp_path_factory.mktemp("periodend")
    url = f"sqlite:///{data_dir / 'sample.sqlite3'}"
    service.migrate(url)
    engine = service.open_engine(url)
    service.load_sample(engine, load_settings({"DATA_DIR": str(data_dir)}))
    ds = load_dataset(engine)
    engine.dispose()
    return ds


def _gather(ds, as_of: dt.date, **kwargs) -> ReportData:
    view = ResolvedView(as_of)
    ctx = ChartContext(ds, service.summary_of(ds, view), view)
    letterhead = Letterhead.from_settings(load_settings({}))
    return report.gather_report(ctx, None, generated_at=MADE, letterhead=letterhead, **kwargs)


@pytest.fixture(scope="module")
def summing_up(sample_ds) -> ReportData:
    return _gather(sample_ds, END)


def _tables(data: ReportData) -> dict[str, ReportTable]:
    assert data.period_end is not None
    return {
        block.caption.split(". ", 1)[1]: block
        for section in data.period_end.sections
        for block in section.blocks
        if isinstance(block, ReportTable)
    }


def _row(table: ReportTable, first: str) -> list[str]:
    return next(row for row in table.rows if row[0] == first)


def test_the_programme_today_and_when_the_report_sums_it_up() -> None:
    assert period_end_context(None, END, {}) is None  # no programme: nothing to sum up
    assert not is_period_end(END, None)
    today = PeriodProgramme("2022 - 2026", None, 2021, 2026)
    assert is_period_end(dt.date(2026, 1, 1), today) and is_period_end(dt.date(2027, 3, 31), today)
    assert not is_period_end(dt.date(2025, 12, 31), today)
    given = {"name": "2026 - 2031", "basis": "Kết luận 40-KL/TW", "baseline_year": 2025,
             "end_year": 2031}  # fmt: skip
    assert period_end_context(None, END, {"programme": given}) == PeriodProgramme(
        "2026 - 2031", "Kết luận 40-KL/TW", 2025, 2031
    )


def test_a_cut_off_in_the_end_year_gives_the_summing_up(summing_up: ReportData) -> None:
    data = summing_up
    assert data.subject == SUBJECT
    assert data.title == "BÁO CÁO " + SUBJECT.upper()
    assert data.period_end is not None
    assert [s.heading for s in data.period_end.sections] == [
        "I. KẾT QUẢ CHUNG GIAI ĐOẠN 2022 - 2026",
        "II. KẾT QUẢ THỰC HIỆN TỪNG NĂM",
        "III. KẾT QUẢ THEO LĨNH VỰC",
        "IV. KẾT QUẢ THEO QUẬN, HUYỆN",
        "V. TINH GIẢN BIÊN CHẾ THEO CHÍNH SÁCH",
        "VI. SẮP XẾP TỔ CHỨC BỘ MÁY TRONG GIAI ĐOẠN",
    ]  # one province: no section by former province
    opening = data.period_end.opening[0].text()
    assert opening.startswith("Thực hiện kế hoạch tinh giản biên chế giai đoạn 2022 - 2026, ")
    assert opening.endswith("cụ thể như sau:")
    # no legal basis written in the plan: said so in a footnote, not invented
    assert "Văn bản căn cứ của giai đoạn: chưa có số liệu" in data.period_end.footnotes[0]


def test_each_year_against_the_path_and_missing_years_never_zero(summing_up: ReportData) -> None:
    tables = _tables(summing_up)
    cc = tables["Biên chế công chức qua các năm"]
    assert _row(cc, "2021") == ["2021", "1.860", "—", "—", "—", "—", "—"]
    # 2024: 1.860 − 1.841 = 19 = 1,02%; path 93 × 3/5 = 55,8; 19 / 55,8 = 34,05%
    assert _row(cc, "2024")[1:] == ["1.841", _row(cc, "2024")[2], "19", "1,02%", "55,8", "34,05%"]
    # 2025 and 2026: no return yet: missing, the path still shown (93 × 4/5, 93)
    assert _row(cc, "2025") == ["2025", MISSING, "—", "—", "—", "74,4", "—"]
    assert _row(cc, "2026") == ["2026", MISSING, "—", "—", "—", "93", "—"]
    nlv = tables["Người làm việc hưởng lương từ ngân sách nhà nước qua các năm"]
    # 2024: 20.734 − 19.414 = 1.320 (6,37%); path 2.073,4 × 3/5 = 1.244,04; 1.320 / 1.244,04
    assert _row(nlv, "2024")[1:] == ["19.414", _row(nlv, "2024")[2], "1.320", "6,37%", "1.244",
                                     "106,11%"]  # fmt: skip
    assert _row(nlv, "2026") == ["2026", MISSING, "—", "—", "—", "2.073,4", "—"]
    # the in-year reductions add up to the cumulative one
    for table, total in ((cc, 19), (nlv, 1320)):
        in_year = [int(r[2].replace(".", "")) for r in table.rows if r[2] not in ("—", MISSING)]
        assert sum(in_year) == total
    for table in tables.values():
        for row in table.rows:
            if row[0] in ("2025", "2026", "Năm 2025", "Năm 2026"):
                assert "0" not in row[1:4] and "0%" not in row


def test_the_periods_result_in_words(summing_up: ReportData) -> None:
    overall = summing_up.period_end.sections[0]
    words = " ".join(b.text() for b in overall.blocks if not isinstance(b, ReportTable))
    assert (
        "Biên chế công chức: năm 2021 được giao 1.860 biên chế; năm 2024 là 1.841 biên chế, "
        "giảm 19 biên chế, tương ứng giảm 1,02% so với năm 2021, đạt 20,43% chỉ tiêu giảm 93 "
        "biên chế của giai đoạn 2022 - 2026. Năm 2025 và năm 2026 chưa có số liệu" in words
    )
    assert "giảm 1.694 người (trong đó đã thực hiện giảm 1.320 người và chờ phê duyệt " in words
    assert "đạt 81,7% chỉ tiêu giảm 2.073,4 người" in words
    assert "hoàn thành chỉ tiêu" not in words  # not judged without the end year's figures
    table = overall.blocks[0]
    assert _row(table, "Biên chế công chức") == [
        "Biên chế công chức", "1.860", "1.841", "19", "1,02%", "93", "20,43%"
    ]  # fmt: skip


def test_streamlined_people_by_year(summing_up: ReportData) -> None:
    table = _tables(summing_up)["Số người được phê duyệt tinh giản biên chế theo năm"]
    assert _row(table, "Năm 2022") == ["Năm 2022", "3", "75", "78"]
    assert _row(table, "Năm 2024") == ["Năm 2024", "3", "3", "6"]
    assert _row(table, "Năm 2025") == ["Năm 2025", MISSING, MISSING, MISSING]
    assert _row(table, "Cộng") == ["Cộng", "9", "95", "104"]
    notes = summing_up.period_end.footnotes
    assert (
        "Trong đó: năm 2022 là 03 công chức, năm 2023 là 03 công chức, năm 2024 là 03 công chức; "
        "năm 2025 và năm 2026 chưa có số liệu." in notes
    )
    section = summing_up.period_end.sections[4]
    assert "phê duyệt tinh giản đối với 09 công chức" in section.blocks[0].text()
    assert "và 95 viên chức" in section.blocks[0].text()


def test_by_sector_and_by_district(summing_up: ReportData) -> None:
    tables = _tables(summing_up)
    sector = tables["Người làm việc hưởng lương từ ngân sách nhà nước theo lĩnh vực"]
    # 20 of 151 = 13,25%, 20 of 15,1 = 132,45%
    assert _row(sector, "Thông tin và Truyền thông")[1:] == [
        "151", "131", "20", "13,25%", "15,1", "132,45%"
    ]  # fmt: skip
    assert _row(sector, "Khoa học và Công nghệ")[3] == "0"  # a real zero: nothing reduced
    district = tables["Biên chế công chức theo quận, huyện"]
    assert district.rows[0][0] == "Cấp thành phố"
    assert _row(district, "Quận Thốt Nốt")[1:] == ["80", "78", "2", "2,5%", "4", "50%"]


def test_former_provinces_are_a_section_only_with_two_or_more(summing_up, sample_ds) -> None:
    def figures(baseline: int, current: int, target: float) -> dict:
        reduced = baseline - current
        return {
            "baseline": baseline, "current": current, "reduced": reduced,
            "reduced_pct": reduced / baseline * 100, "target": target,
            "pct_of_target": reduced / target * 100,
        }  # fmt: skip

    rows = [
        ("Thành phố Cần Thơ (cũ)", {"cong_chuc": figures(100, 90, 5.0),
                                    "nguoi_lam_viec": figures(1000, 950, 100.0)}),
        ("Tỉnh Hậu Giang (cũ)", {"cong_chuc": figures(60, 60, 3.0),
                                 "nguoi_lam_viec": {"no_data": "no-figures", "baseline": 500}}),
    ]  # fmt: skip
    data = _gather(sample_ds, END, former_provinces=rows)
    headings = [s.heading for s in data.period_end.sections]
    assert "V. KẾT QUẢ THEO TỈNH, THÀNH PHỐ TRƯỚC SẮP XẾP" in headings
    tables = _tables(data)
    cc = tables["Biên chế công chức theo tỉnh, thành phố trước sắp xếp"]
    # 10 of 100 = 10%, 10 of 5 = 200%; 0 of 60 reduced
    assert cc.rows == [
        ["Thành phố Cần Thơ (cũ)", "100", "90", "10", "10%", "5", "200%"],
        ["Tỉnh Hậu Giang (cũ)", "60", "60", "0", "0%", "3", "0%"],
    ]
    nlv = tables[
        "Người làm việc hưởng lương từ ngân sách nhà nước theo tỉnh, thành phố trước sắp xếp"
    ]
    assert nlv.rows[1] == ["Tỉnh Hậu Giang (cũ)", "500", MISSING, MISSING, "—", "—", "—"]
    one = _gather(sample_ds, END, former_provinces=rows[:1])
    assert not any("TRƯỚC SẮP XẾP" in s.heading for s in one.period_end.sections)


def test_a_programme_with_its_legal_basis(sample_ds) -> None:
    basis = "Kết luận số 40-KL/TW ngày 18 tháng 7 năm 2022 của Bộ Chính trị"
    data = _gather(sample_ds, END, programme=PeriodProgramme("2022 - 2026", basis, 2021, 2026))
    assert (
        data.period_end.opening[0]
        .text()
        .startswith(
            f"Thực hiện {basis} về tinh giản biên chế giai đoạn 2022 - 2026, Sở Nội vụ báo cáo"
        )
    )
    assert not any("Văn bản căn cứ" in n for n in data.period_end.footnotes)
    # a programme ending later: the same cut-off gives the ordinary report
    later = _gather(sample_ds, END, programme=PeriodProgramme("2026 - 2031", None, 2025, 2031))
    assert later.period_end is None


def test_after_the_end_year_the_period_is_summed_up_at_its_last_day(sample_ds) -> None:
    """A 2027 return would belong to the next period: the summing-up stops at 31/12/2026."""
    data = _gather(sample_ds, dt.date(2027, 6, 30))
    assert data.subject == SUBJECT and data.as_of == END
    assert data.summary["as_of"] == "2026-12-31"
    assert "số liệu tính đến ngày 31/12/2026" in data.period_end.opening[0].text()
    cc = _tables(data)["Biên chế công chức qua các năm"]
    assert [row[0] for row in cc.rows] == [str(y) for y in range(2021, 2027)]


@pytest.mark.parametrize("as_of", [dt.date(2024, 6, 30), dt.date(2025, 12, 31)])
def test_an_earlier_cut_off_gives_the_ordinary_report(sample_ds, as_of: dt.date) -> None:
    data = _gather(sample_ds, as_of)
    assert data.period_end is None
    # the ordinary subject, naming the programme the sample's plan is of
    assert data.subject == f"{report.REPORT_SUBJECT} giai đoạn 2022 - 2026"
    doc = Document(io.BytesIO(report.build_document(data, "docx")))
    paragraphs = [p.text for p in doc.paragraphs]
    assert "I. SỐ LIỆU TỔNG HỢP" in paragraphs
    assert not any("Tổng kết" in p or "TỪNG NĂM" in p for p in paragraphs)


def test_yearly_table_without_a_target_or_with_a_partial_year() -> None:
    programme = PeriodProgramme("2022 - 2026", None, 2021, 2026)
    quota = {2021: 200, 2022: 190, 2023: 150}
    table, behind = yearly_table(1, "cong_chuc", quota, None, programme, {2023: 4}, END)
    assert table.rows[1] == ["2022", "190", "10", "10", "5%", "chưa có chỉ tiêu", "—"]
    assert table.rows[3][1] == MISSING and behind == []
    assert "năm 2023: 04 đơn vị chưa có số liệu" in table.notes[-1]
    # target 20 over 5 years: 4 a year; 2022: 2 of 4 = 50%, behind the path
    table, behind = yearly_table(1, "cong_chuc", {2021: 200, 2022: 198}, 20.0, programme, {}, END)
    assert table.rows[1][5:] == ["4", "50%"] and behind == [2022]


def test_the_summing_up_as_pdf_and_word(summing_up: ReportData) -> None:
    """Both files carry the same content: the letterhead and the signer of an administrative
    report, the title, the sections, the figures, the footnotes."""
    text = pdf_text(report.build_document(summing_up, "pdf"))
    flat = re.sub(r"\s+", " ", text)
    assert re.search(r"^ *Số:\s{4,}/BC-SNV ", text, re.M)
    for expected in [
        "UBND THÀNH PHỐ CẦN THƠ", "SỞ NỘI VỤ", "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh phúc", "Cần Thơ, ngày 05 tháng 01 năm 2027", "BÁO CÁO",
        SUBJECT, "Số liệu tính đến ngày 31/12/2026", "II. KẾT QUẢ THỰC HIỆN TỪNG NĂM",
        "Bảng 2. Biên chế công chức qua các năm", "34,05%", "106,11%", "132,45%",
        "Năm 2025 và năm 2026 chưa có số liệu", "Nơi nhận:", "- Lưu: VT, TCBC.",
        "KT. GIÁM ĐỐC", "PHÓ GIÁM ĐỐC", "Báo cáo không kèm biểu đồ.",
    ]:  # fmt: skip
        assert expected in flat, expected
    docx_bytes = report.build_document(summing_up, "docx")
    doc = Document(io.BytesIO(docx_bytes))
    paragraphs = [p.text for p in doc.paragraphs]
    assert paragraphs[paragraphs.index("BÁO CÁO") + 1] == SUBJECT
    for section in summing_up.period_end.sections:
        assert section.heading in paragraphs
    cells = [[c.text for c in row.cells] for t in doc.tables for row in t.rows]
    assert ["2025", MISSING, "—", "—", "—", "74,4", "—"] in cells
    assert ["Cộng", "9", "95", "104"] in cells
    with zipfile.ZipFile(io.BytesIO(docx_bytes)) as package:
        footnotes = package.read("word/footnotes.xml").decode()
    assert "năm 2022 là 75 viên chức" in footnotes
    assert footnotes.count("<w:footnoteRef/>") == len(summing_up.period_end.footnotes)


def test_build_period_end_from_figures_alone() -> None:
    """A scope where one measure has no figure at all: said, never a zero."""
    none = {"baseline_year": 2021, "baseline": 40, "latest_year": None, "current": None,
            "reduced": None, "reduced_pct": None, "target": 2.0, "pct_of_target": None,
            "no_data": "no-figures"}  # fmt: skip
    cc = {"baseline_year": 2021, "baseline": 50, "latest_year": 2026, "current": 45,
          "reduced": 5, "reduced_pct": 10.0, "target": 2.5, "pct_of_target": 200.0,
          "no_data": None}  # fmt: skip
    summary = {"as_of": "2026-12-31", "scope": "Huyện Cờ Đỏ", "cong_chuc": cc,
               "nguoi_lam_viec": none, "streamlined": {"cong_chuc": {}, "vien_chuc": {}},
               "missing": []}  # fmt: skip
    body = build_period_end(
        summary,
        PeriodProgramme("2022 - 2026", None, 2021, 2026),
        quota={"cong_chuc": {2021: 50, 2026: 45}, "nguoi_lam_viec": {}},
        by_sector={},
        by_area={},
        area_is_district=False,
        former_provinces=[],
        narrative=Narrative("", [], []),
    )
    words = " ".join(
        b.text() for s in body.sections for b in s.blocks if not isinstance(b, ReportTable)
    )
    assert "Đến năm 2026, hoàn thành chỉ tiêu của giai đoạn." in words
    assert ("Số lượng người làm việc hưởng lương từ ngân sách nhà nước: chưa có số liệu (chưa "
            "đơn vị nào trong phạm vi này có số liệu đến ngày chốt).") in words  # fmt: skip
    streamlined = next(b for s in body.sections for b in s.blocks if isinstance(b, ReportTable)
                       and b.headings[1] == "Công chức")  # fmt: skip
    assert streamlined.rows[-1] == ["Cộng", MISSING, MISSING, MISSING]
    assert "số công chức, viên chức được phê duyệt tinh giản: chưa có số liệu." in words
    assert not re.search(r"\b00\b", words)


def test_the_download_route_gives_the_summing_up(client, no_browser) -> None:
    """What the report links and the overview's button produce (reporting/exports.py)."""
    got = client.get("/export/report.docx?as_of=2026-12-31")
    assert got.status_code == 200
    paragraphs = [p.text for p in Document(io.BytesIO(got.data)).paragraphs]
    assert SUBJECT in paragraphs and "II. KẾT QUẢ THỰC HIỆN TỪNG NĂM" in paragraphs
    earlier = client.get("/export/report.docx?as_of=2024-06-30")
    paragraphs = [p.text for p in Document(io.BytesIO(earlier.data)).paragraphs]
    assert "I. SỐ LIỆU TỔNG HỢP" in paragraphs and SUBJECT not in paragraphs


# --- rows that add up (each row the summary of its scope) and the plan's yearly path ----------


def _sums(rows, measure: str) -> tuple:
    figures = [s[measure] for _, s in rows if not s[measure]["no_data"]]
    return tuple(sum(f[k] for f in figures) for k in ("baseline", "current", "reduced"))


@pytest.mark.parametrize("by", ["sector", "district", "kind"])
def test_the_rows_of_a_breakdown_add_up_to_the_total(sample_ds, by: str) -> None:
    """The Department's figures at 30/06/2024: 1.860 → 1.841 công chức (19), 20.734 →
    19.414 người làm việc (1.694 with 374 pending); the rows of every breakdown add up to
    them (a unit table's rows summed to 1.772 reduced: new units and dissolved ones)."""
    from etl.measures import analysis

    rows = analysis.scope_breakdown(sample_ds, ResolvedView(dt.date(2024, 6, 30)), by)
    assert _sums(rows, "cong_chuc") == (1860, 1841, 19)
    assert _sums(rows, "nguoi_lam_viec") == (20734, 19414, 1694)
    labels = [label for label, _ in rows]
    assert len(labels) == len(set(labels)) > 1
    if by == "sector":  # the agencies name no sector: one row of their own, all 1.860
        blank = dict(rows)[analysis.NO_SECTOR_LABEL]
        assert blank["cong_chuc"]["baseline"] == 1860
        assert blank["nguoi_lam_viec"]["no_data"] == "no-figures"
    if by == "district":
        assert labels[0] == analysis.NO_DISTRICT_LABEL
    # a row is the summary of its scope, as the dashboard's filter would give it
    from etl.measures import metrics
    from etl.measures.scoping import Filter

    label, figures = rows[1]
    value = {"sector": label, "district": label}.get(by, "don_vi_su_nghiep")
    if by == "kind":
        label, figures = next(r for r in rows if r[0] == "Đơn vị sự nghiệp công lập")
    own = metrics.summary(sample_ds, dt.date(2024, 6, 30), Filter(**{by: value}))
    for m in ("cong_chuc", "nguoi_lam_viec"):
        assert figures[m] == own[m]


def test_the_summing_ups_tables_say_their_rows_add_up(summing_up: ReportData) -> None:
    tables = _tables(summing_up)
    sector = tables["Người làm việc hưởng lương từ ngân sách nhà nước theo lĩnh vực"]
    figures = [[int(c.replace(".", "")) for c in row[1:4]] for row in sector.rows]
    assert [sum(col) for col in zip(*figures, strict=True)] == [20734, 19414, 1694]
    assert "Cộng các dòng bằng số liệu chung (năm gốc, hiện có, đã giảm)." in sector.notes
    # công chức: no agency names a sector, so no table of a lone «Chưa ghi lĩnh vực» row
    assert "Biên chế công chức theo lĩnh vực" not in tables
    district = tables["Biên chế công chức theo quận, huyện"]
    assert sum(int(r[3]) for r in district.rows) == 19


def test_a_breakdown_whose_rows_cannot_add_up_says_why() -> None:
    from reporting.period_end import breakdown_notes

    total = {"baseline": 100, "current": 90, "reduced": 10, "latest_year": 2026, "target": 5.0}
    rows = [
        ("Y tế", {"baseline": 60, "current": 55, "reduced": 5, "latest_year": 2026}),
        ("Khác", {"baseline": 40, "current": 38, "reduced": 2, "latest_year": 2025}),
    ]
    notes = breakdown_notes(rows, total, "lĩnh vực")
    # 55 + 38 = 93 against 90; 5 + 2 = 7 against 10
    assert notes[-1] == (
        "Cộng các dòng khác số liệu chung (hiện có 93 so với 90; đã giảm 7 so với 10) vì Khác "
        "có số liệu đến năm 2025."
    )


def test_the_yearly_path_of_the_plan_where_it_gives_one() -> None:
    programme = PeriodProgramme("2022 - 2026", None, 2021, 2026)
    steps = {2022: 2, 2023: 8, 2024: 4, 2025: 3, 2026: 3}  # 20 in all
    quota = {2021: 200, 2022: 198, 2023: 195}
    table, behind = yearly_table(1, "cong_chuc", quota, 20.0, programme, {}, END, steps)
    # 2022: 2 of 2 planned = 100%; 2023: 5 of 2 + 8 = 10 = 50%, behind the plan's path
    assert table.rows[1][5:] == ["2", "100%"] and table.rows[2][5:] == ["10", "50%"]
    assert table.rows[5] == ["2026", MISSING, "—", "—", "—", "20", "—"]
    assert behind == [2023]
    assert "theo lộ trình giảm từng năm của kế hoạch (Biểu 00)" in table.notes[0]
    straight, _ = yearly_table(1, "cong_chuc", quota, 20.0, programme, {}, END)
    assert straight.rows[2][5] == "8" and "chia đều" in straight.notes[0]  # 20 × 2/5


@pytest.fixture(scope="module")
def merged_ds(tmp_path_factory: pytest.TempPathFactory):
    data_dir = tmp_path_factory.mktemp("periodend2026")
    url = f"sqlite:///{data_dir / 'sample.sqlite3'}"
    service.migrate(url)
    engine = service.open_engine(url)
    service.load_sample(engine, load_settings({"DATA_DIR": str(data_dir)}), sample_set="2026")
    ds = load_dataset(engine)
    engine.dispose()
    return ds


def test_the_merged_citys_summing_up(merged_ds) -> None:
    """docs/domain.md "Second sample (2026)": 2022–2026 closed at 30/06/2026 across the
    merger: 1.500 → 1.440 công chức (target 5% = 75), 5.000 → 4.700 người làm việc (10% =
    500); the former provinces' baselines 600 + 500 + 400 and 2.000 + 1.700 + 1.300."""
    data = _gather(merged_ds, dt.date(2026, 6, 30))
    assert data.subject == SUBJECT
    headings = [s.heading for s in data.period_end.sections]
    assert "IV. KẾT QUẢ THEO QUẬN, HUYỆN (CŨ)" in headings
    assert "V. KẾT QUẢ THEO TỈNH, THÀNH PHỐ TRƯỚC SẮP XẾP" in headings
    tables = _tables(data)
    cc = tables["Biên chế công chức theo tỉnh, thành phố trước sắp xếp"]
    assert [r[0] for r in cc.rows] == [
        "Thành phố Cần Thơ (cũ)", "Tỉnh Hậu Giang (cũ)", "Tỉnh Sóc Trăng (cũ)"
    ]  # fmt: skip
    assert [(r[1], r[5]) for r in cc.rows] == [("600", "30"), ("400", "20"), ("500", "25")]
    nlv = tables[
        "Người làm việc hưởng lương từ ngân sách nhà nước theo tỉnh, thành phố trước sắp xếp"
    ]
    assert [r[1] for r in nlv.rows] == ["2.000", "1.300", "1.700"]
    for table, total in ((cc, [1500, 1440, 60]), (nlv, [5000, 4700, 300])):
        figures = [[int(c.replace(".", "")) for c in row[1:4]] for row in table.rows]
        assert [sum(col) for col in zip(*figures, strict=True)] == total
        assert "Cộng các dòng bằng số liệu chung (năm gốc, hiện có, đã giảm)." in table.notes
        assert table.notes[0].startswith("Quy ước (giả định, chưa có văn bản quy định)")
    # người làm việc by sector: Giáo dục 1.750 → 1.700, Y tế 2.630 → 2.500, the rest 620 → 500
    sector = tables["Người làm việc hưởng lương từ ngân sách nhà nước theo lĩnh vực"]
    assert _row(sector, "Giáo dục và Đào tạo")[1:3] == ["1.750", "1.700"]
    assert _row(sector, "Y tế")[1:3] == ["2.630", "2.500"]
    rest = [r for r in sector.rows if r[0] not in ("Giáo dục và Đào tạo", "Y tế")]
    assert sum(int(r[1].replace(".", "")) for r in rest) == 620
    assert sum(int(r[2].replace(".", "")) for r in rest) == 500
    # each year of công chức: 1.500 (2021, the predecessors' sum), 1.470 (2024), 1.455, 1.440;
    # the phòng whose staff went to two communes count once, not once per commune
    years = tables["Biên chế công chức qua các năm"]
    assert [_row(years, str(y))[1] for y in (2021, 2024, 2025, 2026)] == [
        "1.500", "1.470", "1.455", "1.440"
    ]  # fmt: skip
    district = tables["Biên chế công chức theo quận, huyện (cũ)"]
    assert sum(int(r[3]) for r in district.rows) == 60
    assert any("cấp huyện kết thúc" in n for n in district.notes)


def test_the_next_programme_on_the_merged_city_is_the_ordinary_report(merged_ds) -> None:
    view = ResolvedView(dt.date(2026, 6, 30), programme="2026 - 2031")
    ctx = ChartContext(merged_ds, service.summary_of(merged_ds, view), view)
    data = report.gather_report(
        ctx, None, generated_at=MADE, letterhead=Letterhead.from_settings(load_settings({}))
    )
    assert data.period_end is None
    assert data.subject.startswith(f"{report.REPORT_SUBJECT} giai đoạn 2026 - 2031")


def test_a_former_provinces_rows_add_up_to_its_share(merged_ds) -> None:
    """Tỉnh Hậu Giang (cũ): 400 công chức and 1.300 người làm việc in 2021 (docs/domain.md);
    its figures held by the new city's sở (shares by baseline) are in the rows too."""
    from etl.measures import analysis, metrics
    from etl.measures.query import View, resolve_view

    asked = View(as_of=dt.date(2026, 6, 30), province="Tỉnh Hậu Giang (cũ)")
    view = resolve_view(merged_ds, asked, lambda: None)
    whole = metrics.summary(merged_ds, view.as_of, view.filter)
    assert (whole["cong_chuc"]["baseline"], whole["nguoi_lam_viec"]["baseline"]) == (400, 1300)
    for by in analysis.BREAKDOWNS:
        rows = analysis.scope_breakdown(merged_ds, view, by)
        for m in ("cong_chuc", "nguoi_lam_viec"):
            for k in ("baseline", "current", "reduced"):
                given = [f[m][k] for _, f in rows if f[m][k] is not None]
                assert sum(given) == pytest.approx(whole[m][k]), (by, m, k)


def test_the_summing_up_follows_the_plans_yearly_path(engine, ingest) -> None:
    """Sở Alpha 100 → 90 and Sở Beta 60 → 55 (2021 → 2026): 15 of 160 reduced. The plan: −5%
    = 8 công chức over 2022–2026, «Giảm năm» 1, 1, 2, 2, 2: the path reads 1, 2, 4, 6, 8
    (a straight line would read 1,6, 3,2, …); 15 of 8 = 187,5% in 2026."""
    from tests.builders import xlsx
    from tests.test_programmes import CC, LABELS_00, agencies

    fields = ("stt", "scope", "measure", "base_year", "pct", "doc_ref", "programme")
    header = [LABELS_00[f] for f in fields] + [f"Giảm năm {y}" for y in range(2022, 2027)]
    row = [1, "Toàn thành phố", CC, 2021, "5%", "KH 1", "2022 - 2026", 1, 1, 2, 2, 2]
    plan = xlsx({"Biểu 00": [["Biểu số 00"], header, row]})
    for content, name in ((agencies(), "b01.xlsx"), (plan, "kh.xlsx")):
        assert ingest(content, name).status == "accepted"
    ds = load_dataset(engine)
    data = _gather(ds, dt.date(2026, 6, 30))
    table = _tables(data)["Biên chế công chức qua các năm"]
    assert [r[5] for r in table.rows] == ["—", "1", "2", "4", "6", "8"]
    assert _row(table, "2026") == ["2026", "145", MISSING, "15", "9,38%", "8", "187,5%"]
    assert "theo lộ trình giảm từng năm của kế hoạch (Biểu 00)" in table.notes[0]


@pytest.mark.parametrize("which", ["sample", "merged"])
def test_a_breakdown_with_kept_plan_rows_equals_each_rows_own_computation(
    request: pytest.FixtureRequest, which: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The breakdowns (every row `metrics.quota_measure` of its scope) read each measure's plan
    row once per scope from the kept ones (`metrics._target_row`); computed again on a Dataset
    with nothing kept and the plan row looked up afresh for every figure, every row of every
    breakdown (cut-offs before, in and after the end year; a former province) is the same."""
    import dataclasses

    from etl.measures import analysis, metrics
    from etl.measures.query import View, resolve_view

    ds = request.getfixturevalue(f"{which}_ds")
    asked = [View(as_of=d) for d in (dt.date(2024, 6, 30), dt.date(2026, 6, 30), END)]
    if which == "merged":
        asked.append(View(as_of=dt.date(2026, 6, 30), province="Tỉnh Hậu Giang (cũ)"))
    views = [resolve_view(ds, v, lambda: None) for v in asked]
    kept = {
        (v.key, by): analysis.scope_breakdown(ds, v, by)
        for v in views
        for by in analysis.BREAKDOWNS
    }
    fresh = dataclasses.replace(ds, memo={})
    looked_up: list[str] = []

    def afresh(ds_, flt, measure, programme):
        looked_up.append(measure)
        return metrics._find_target_row(metrics.targets_of(ds_, programme), flt.unit_id, measure)

    monkeypatch.setattr(metrics, "_target_row", afresh)
    for v in views:
        for by in analysis.BREAKDOWNS:
            assert analysis.scope_breakdown(fresh, v, by) == kept[(v.key, by)], (v.key, by)
    assert looked_up and sum(len(rows) for rows in kept.values()) > 3 * len(views)


def test_a_chart_is_drawn_once_per_view_format_and_renderer(sample_ds, monkeypatch) -> None:
    """A report or a download asked again takes the picture drawn before (kept with the
    dataset); another format or renderer draws its own; without a browser the renderer is
    asked again (and says what to install), even of a chart it drew before."""
    from reporting import render
    from reporting.charts import REPORT_CHARTS, render_chart
    from tests.test_render_remote import CountingRenderer

    monkeypatch.setattr(render, "find_browser", lambda: "chromium")  # a browser, found
    view = ResolvedView(dt.date(2024, 6, 30))
    ctx = ChartContext(sample_ds, service.summary_of(sample_ds, view), view)
    one, other = CountingRenderer(), CountingRenderer()
    try:
        chart = REPORT_CHARTS[0]
        first = render_chart(chart, ctx, one, "png")
        assert render_chart(chart, ctx, one, "png") == first and len(one.drawn) == 1
        render_chart(chart, ctx, one, "pdf")
        render_chart(chart, ctx, other, "png")
        assert (len(one.drawn), len(other.drawn)) == (2, 1)
        monkeypatch.setattr(render, "find_browser", lambda: None)
        render_chart(chart, ctx, one, "png")
        assert len(one.drawn) == 3
    finally:
        one.close()
        other.close()


def test_the_word_tables_are_the_summing_ups_tables_cell_by_cell(summing_up: ReportData) -> None:
    """Each table of the summing-up is in the Word file as built: its headings, then its rows
    in order, every cell at its column's width (the file fills the table row by row)."""
    doc = Document(io.BytesIO(report.build_document(summing_up, "docx")))
    written = [[[c.text for c in row.cells] for row in t.rows] for t in doc.tables]
    for table in _tables(summing_up).values():
        assert [list(table.headings), *map(list, table.rows)] in written, table.caption
        grid = doc.tables[written.index([list(table.headings), *map(list, table.rows)])]
        widths = {tuple(round(c.width.mm, 1) for c in row.cells) for row in grid.rows}
        assert widths == {tuple(table.widths_mm)}, table.caption
