"""Excel exports: the consolidated return (Biểu 01/02 tổng hợp) adds up to the database totals,
its `Cộng` rows to their groups, the product's own reader accepts it (and re-uploading it changes
no figure); the data export holds one tidy table per sheet; text that looks like a formula stays
text; the same input writes the same bytes."""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import shutil
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from etl import service
from etl.core.forms import FORM_01, FORM_02, SIGNATURE_WORDS, Form
from etl.core.problems import ProblemLog
from etl.core.settings import ROOT, load_settings
from etl.core.vocabulary import KIND_LABELS, UnitKind
from etl.measures import metrics
from etl.measures.analysis import unit_table
from etl.measures.cache import load_dataset
from etl.measures.dataset import Dataset
from etl.measures.query import ResolvedView
from etl.measures.scoping import Filter, exists_at
from etl.reading.reader import read_grids, read_workbook_sheets
from etl.writers.xlsx_export import DATA_SHEETS, safe_text, write_consolidated, write_data
from tests.builders import form01, workbook_bytes

AS_OF = dt.date(2024, 6, 30)
CITY = Filter()
VIEW = ResolvedView(AS_OF, CITY)  # the whole city at AS_OF
SAMPLE_DIR = ROOT / "data" / "sample"
TRICKY_NAMES = ("=1+1", "@SUM(A1)", '=HYPERLINK("http://x","y")', "+1 Phòng", "-2 Phòng")
FORMS = {"Biểu 01": (FORM_01, "cong_chuc"), "Biểu 02": (FORM_02, "nguoi_lam_viec")}


# --- fixtures -----------------------------------------------------------------------------


def _ingest(db: Path, paths: list[Path]) -> None:
    """Ingest files into a SQLite file through the real upload path; all must be accepted."""
    settings = load_settings({"DATA_DIR": str(db.parent)})
    service.migrate(f"sqlite:///{db}", settings)
    engine = service.open_engine(f"sqlite:///{db}", settings)
    try:
        if paths == sorted(SAMPLE_DIR.glob("*.xlsx")):  # the sample city, its periods approved
            results = service.load_sample(engine, settings)
        else:  # more returns of an open period, approved as the operator's --approve does
            results = service.ingest_files(engine, paths, settings, approve=True)
    finally:
        engine.dispose()
    assert all(r.accepted for r in results), [(r.file_name, r.problems) for r in results]


def _dataset(db: Path) -> Dataset:
    engine = service.open_engine(f"sqlite:///{db}")
    try:
        return load_dataset(engine)
    finally:
        engine.dispose()


@pytest.fixture(scope="module")
def sample_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    db = tmp_path_factory.mktemp("xlsx_export") / "x.sqlite3"
    _ingest(db, sorted(SAMPLE_DIR.glob("*.xlsx")))
    return db


@pytest.fixture(scope="module")
def ds(sample_db: Path) -> Dataset:
    return _dataset(sample_db)


@pytest.fixture(scope="module")
def summary(ds: Dataset) -> dict[str, Any]:
    return metrics.summary(ds, AS_OF, CITY)


@pytest.fixture(scope="module")
def consolidated(ds: Dataset) -> bytes:
    buf = io.BytesIO()
    write_consolidated(ds, VIEW, buf)
    return buf.getvalue()


@pytest.fixture(scope="module")
def values_wb(consolidated: bytes) -> openpyxl.Workbook:
    """The consolidated return as a reader without a calc engine sees it (cached values)."""
    return openpyxl.load_workbook(io.BytesIO(consolidated), data_only=True)


@pytest.fixture(scope="module")
def formulas_wb(consolidated: bytes) -> openpyxl.Workbook:
    return openpyxl.load_workbook(io.BytesIO(consolidated))


@pytest.fixture(scope="module")
def data_wb(ds: Dataset, summary: dict[str, Any]) -> openpyxl.Workbook:
    buf = io.BytesIO()
    write_data(ds, VIEW, summary, buf)
    return openpyxl.load_workbook(buf)


def _tricky_return() -> bytes:
    """A Biểu 01 return built with openpyxl whose unit names look like formulas."""
    rows = [[i, f"name{i}", 5, 5, 5, 5, "Đã phê duyệt"] for i in range(1, len(TRICKY_NAMES) + 1)]
    wb = openpyxl.load_workbook(io.BytesIO(workbook_bytes(form01(rows))))
    ws = wb.active
    for row in ws.iter_rows():
        for cell in row:
            if isinstance(cell.value, str) and cell.value.startswith("name"):
                cell.value = TRICKY_NAMES[int(cell.value[4:]) - 1]
                cell.data_type = "s"  # a string, not a formula
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


@pytest.fixture(scope="module")
def tricky_ds(sample_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Dataset:
    """The sample plus a return with formula-like unit names, in a copy of the database."""
    tmp = tmp_path_factory.mktemp("tricky")
    db = tmp / "x.sqlite3"
    shutil.copy(sample_db, db)
    path = tmp / "2024-06-30_01_cong_thuc.xlsx"
    path.write_bytes(_tricky_return())
    _ingest(db, [path])
    return _dataset(db)


# --- reading the consolidated sheets --------------------------------------------------------


def _header_row(ws: Any) -> int:
    return next(r for r in range(1, 31) if ws.cell(r, 1).value == "STT")


def _columns(ws: Any, form: Form) -> dict[tuple[str, int | None], int]:
    """(field, year) → 1-based column, read from the two header rows."""
    top = _header_row(ws)
    fields = {c.label: c.field for c in form.columns}
    out: dict[tuple[str, int | None], int] = {}
    group = None
    for col in range(1, ws.max_column + 1):
        label, sub = ws.cell(top, col).value, ws.cell(top + 1, col).value
        group = label or group
        if isinstance(sub, str) and sub.startswith("Năm "):
            out[(fields[group], int(sub[4:]))] = col
        elif label:
            out[(fields[label], None)] = col
    return out


def _count_columns(ws: Any, form: Form) -> dict[tuple[str, int | None], int]:
    return {k: c for k, c in _columns(ws, form).items() if form.column(k[0]).kind == "count"}


def _table(ws: Any, form: Form) -> list[tuple[int, Any, Any]]:
    """(row, STT, name) of every table row, from `Tổng cộng` to the signature block."""
    name_col = _columns(ws, form)[("name", None)]
    rows = []
    for r in range(_header_row(ws) + 3, ws.max_row + 1):
        stt, name = ws.cell(r, 1).value, ws.cell(r, name_col).value
        if stt is None and name is None:
            break
        rows.append((r, stt, name))
    return rows


def _grand_total(ws: Any, form: Form) -> dict[tuple[str, int | None], Any]:
    row = next(r for r, _, name in _table(ws, form) if name == "Tổng cộng")
    return {key: ws.cell(row, col).value for key, col in _count_columns(ws, form).items()}


def _sum(values: list[Any]) -> Any:
    reported = [v for v in values if v is not None]
    return sum(reported) if reported else None


# --- the consolidated return -----------------------------------------------------------------


def test_grand_totals_equal_the_database_totals(values_wb, summary):
    for sheet, (form, measure) in FORMS.items():
        figures = summary[measure]
        total = _grand_total(values_wb[sheet], form)
        assert total[("quota", 2021)] == figures["baseline"]
        assert total[("quota", figures["latest_year"])] == figures["current"]
        streamlined = summary["streamlined"]["vien_chuc" if form is FORM_02 else "cong_chuc"]
        for year, count in streamlined.items():
            assert total[("streamlined", int(year))] == count
    assert (
        _grand_total(values_wb["Biểu 02"], FORM_02)[("pending", None)]
        == (summary["nguoi_lam_viec"]["pending"])
    )
    # the seed report's figures, once
    b01, b02 = (
        _grand_total(values_wb["Biểu 01"], FORM_01),
        _grand_total(values_wb["Biểu 02"], FORM_02),
    )
    assert (b01[("quota", 2021)], b01[("quota", 2024)]) == (1860, 1841)
    assert (b02[("quota", 2021)], b02[("quota", 2024)]) == (20734, 19414)


def test_every_subtotal_is_the_sum_of_its_group(values_wb, formulas_wb):
    for sheet, (form, _) in FORMS.items():
        ws, wf = values_wb[sheet], formulas_wb[sheet]
        columns = _count_columns(ws, form)
        open_groups: list[tuple[str, list[int]]] = []
        units: list[int] = []
        checked = 0
        for row, stt, name in _table(ws, form):
            if isinstance(stt, int):
                units.append(row)
                for _, members in open_groups:
                    members.append(row)
            elif isinstance(stt, str):
                open_groups.append((stt.rstrip("."), []))
            elif name.startswith("Cộng "):
                label = name.removeprefix("Cộng ")
                index = next(i for i, (s, _) in enumerate(open_groups) if s == label)
                _, members = open_groups.pop(index)
                assert members, f"{sheet}!{row}: empty group"
                for col in columns.values():
                    stated = ws.cell(row, col).value
                    assert stated == _sum([ws.cell(m, col).value for m in members]), (sheet, row)
                    formula = wf.cell(row, col).value
                    assert stated is None or str(formula).startswith("=SUM("), formula
                checked += 1
        assert not open_groups and checked >= 4
        total = _grand_total(ws, form)
        for key, col in columns.items():
            assert total[key] == _sum([ws.cell(m, col).value for m in units]), (sheet, key)


def test_the_products_reader_accepts_the_consolidated_return(consolidated, ds):
    log = ProblemLog("tong_hop.xlsx")
    grids = read_grids(consolidated, "tong_hop.xlsx", log)
    assert grids is not None
    sheets = read_workbook_sheets(grids, log)
    assert not log.has_errors, [(p.code, p.where, p.message_vi) for p in log.items]
    assert not [p for p in log.items if "formula" in p.code]  # cached values are there
    assert [(s.sheet, s.form) for s in sheets] == [("Biểu 01", "01"), ("Biểu 02", "02")]
    assert all(s.header.as_of == AS_OF for s in sheets)
    existing = ds.units[exists_at(ds.units, AS_OF)]
    agencies = int((existing["kind"] != UnitKind.DON_VI_SU_NGHIEP).sum())
    assert len(sheets[0].units) == agencies == 139
    grid = grids[0]  # python-calamine, as the upload path reads it
    total = next(row for row in grid.cells if "Tổng cộng" in row)
    assert [v for v in total if isinstance(v, float | int)][:4] == [1860, 1853, 1845, 1841]


def test_reuploading_the_consolidated_return_changes_no_figure(
    consolidated, sample_db, summary, tmp_path
):
    db = tmp_path / "x.sqlite3"
    shutil.copy(sample_db, db)
    path = tmp_path / "tong_hop.xlsx"
    path.write_bytes(consolidated)
    _ingest(db, [path])
    again = metrics.summary(_dataset(db), AS_OF, CITY)
    for key in ("cong_chuc", "nguoi_lam_viec", "streamlined", "job_positions"):
        assert again[key] == summary[key], key


def test_groups_follow_the_forms(values_wb):
    b01 = _table(values_wb["Biểu 01"], FORM_01)
    groups = [name for _, stt, name in b01 if isinstance(stt, str) and not stt.endswith(".")]
    assert groups == [KIND_LABELS[k] for k in ("co_quan_chuyen_mon_tinh",
        "to_chuc_hanh_chinh_khac", "chi_cuc", "co_quan_chuyen_mon_huyen")]  # fmt: skip
    assert [stt for _, stt, _ in b01 if isinstance(stt, str)][:4] == ["I", "II", "III", "IV"]
    districts = [name for _, stt, name in b01 if isinstance(stt, str) and stt.endswith(".")]
    assert len(districts) == 9 and "Huyện Cờ Đỏ" in districts and "Quận Ninh Kiều" in districts
    b02 = _table(values_wb["Biểu 02"], FORM_02)
    sectors = [name for _, stt, name in b02 if isinstance(stt, str)]
    assert sectors[:2] == ["Giáo dục và Đào tạo", "Y tế"]
    assert b01[0][2] == b02[0][2] == "Tổng cộng"


def test_an_unreported_figure_stays_empty(values_wb, ds):
    assigned = ds.facts[(ds.facts["status"] == "assigned") & (ds.facts["year"] == 2021)]
    existing = ds.units[exists_at(ds.units, AS_OF)]
    service = existing["kind"] == UnitKind.DON_VI_SU_NGHIEP
    new = existing[service & ~existing["id"].isin(assigned["unit_id"])]
    assert len(new)
    ws = values_wb["Biểu 02"]
    col = _columns(ws, FORM_02)[("quota", 2021)]
    rows = {name: r for r, _, name in _table(ws, FORM_02)}
    for name in new["name"]:
        assert ws.cell(rows[name], col).value is None
    present = _columns(values_wb["Biểu 01"], FORM_01)[("present", None)]
    cells = [
        values_wb["Biểu 01"].cell(r, present).value
        for r, *_ in _table(values_wb["Biểu 01"], FORM_01)
    ]
    assert None in cells and 0 not in cells


def test_layout_title_header_print_setup(formulas_wb):
    ws = formulas_wb["Biểu 01"]
    texts = [c.value for row in ws.iter_rows(max_row=8) for c in row if c.value]
    assert texts[:2] == ["SỞ NỘI VỤ", "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"]
    assert "Độc lập - Tự do - Hạnh phúc" in texts
    assert "Biểu số 01 (tổng hợp)" in texts and FORM_01.title in texts
    assert "Số liệu tính đến ngày: 30/06/2024" in texts and "Phạm vi: Toàn thành phố" in texts
    top = _header_row(ws)
    merged = {str(m) for m in ws.merged_cells.ranges}
    assert f"A{top}:A{top + 1}" in merged and f"F{top}:I{top}" in merged
    assert ws.cell(top, 6).value == FORM_01.column("quota").label
    assert [ws.cell(top + 1, c).value for c in range(6, 10)] == [
        f"Năm {y}" for y in range(2021, 2025)
    ]
    assert ws.cell(top + 2, 1).value == "(1)"
    assert ws.freeze_panes == f"D{top + 3}"
    assert ws.print_title_rows == f"${top}:${top + 2}"
    assert ws.page_setup.orientation == "landscape" and ws.page_setup.paperSize == 9
    unit = ws.cell(top + 5, 6)
    assert unit.number_format == "#,##0" and unit.font.name == "Times New Roman"
    tail = [c.value for row in ws.iter_rows(min_row=ws.max_row - 3) for c in row if c.value]
    assert SIGNATURE_WORDS[0] in tail and SIGNATURE_WORDS[1] in tail


def test_output_is_deterministic(ds, consolidated, tmp_path):
    again = io.BytesIO()
    write_consolidated(ds, VIEW, again)
    assert again.getvalue() == consolidated
    path = tmp_path / "tong_hop.xlsx"
    write_consolidated(ds, VIEW, path)
    assert path.read_bytes() == consolidated
    props = openpyxl.load_workbook(path).properties
    assert props.created == dt.datetime(2024, 6, 30)


# --- the data export ---------------------------------------------------------------------------


def _records(ws: Any) -> list[tuple[Any, ...]]:
    return list(ws.iter_rows(min_row=2, values_only=True))


def test_data_export_sheets_and_row_counts(data_wb, ds, summary):
    assert data_wb.sheetnames == list(DATA_SHEETS)
    assert len(_records(data_wb["Đơn vị"])) == len(unit_table(ds, VIEW))
    facts = ds.facts[ds.facts["year"] <= AS_OF.year]
    assert len(_records(data_wb["Số liệu"])) == len(facts)
    events = ds.events[ds.events["effective_date"] <= AS_OF]
    assert len(_records(data_wb["Sự kiện"])) == len(events)
    assert len(_records(data_wb["Chỉ tiêu"])) == len(ds.targets)
    figures = {row[3]: row[2] for row in _records(data_wb["Tổng hợp"])}
    assert figures["cong_chuc.baseline"] == 1860
    assert figures["nguoi_lam_viec.reduced_pct"] == summary["nguoi_lam_viec"]["reduced_pct"]
    assert figures["streamlined.vien_chuc.2022"] == 75
    for ws in data_wb.worksheets:
        assert ws.freeze_panes == "A2" and ws.auto_filter.ref.startswith("A1:")
        assert ws["A1"].font.b and ws.column_dimensions["B"].width > 6


def test_data_export_traces_figures_to_files(data_wb, ds):
    header = next(data_wb["Số liệu"].iter_rows(max_row=1, values_only=True))
    rows = [dict(zip(header, r, strict=True)) for r in _records(data_wb["Số liệu"])]
    files = set(ds.submissions["file_name"])
    assert all(r["Tệp nguồn"] in files and r["Trang tính"] and r["Ô"] for r in rows)
    quota = [r for r in rows if r["Loại số liệu"] == FORM_01.column("quota").label]
    assert sum(r["Giá trị"] for r in quota if r["Năm"] == 2021) == 1860
    events = _records(data_wb["Sự kiện"])
    assert any("Trường Tiểu học An Phú B" in (r[3] or "") for r in events)


# --- text stays text ---------------------------------------------------------------------------


def _string_cells(wb: openpyxl.Workbook, sheet: str) -> dict[str, str]:
    return {
        c.value: c.data_type
        for row in wb[sheet].iter_rows()
        for c in row
        if c.value in TRICKY_NAMES
    }


def test_formula_like_names_stay_text(tricky_ds):
    assert set(TRICKY_NAMES) <= set(tricky_ds.units["name"])
    buf = io.BytesIO()
    write_consolidated(tricky_ds, VIEW, buf)
    wb = openpyxl.load_workbook(io.BytesIO(buf.getvalue()))
    assert _string_cells(wb, "Biểu 01") == dict.fromkeys(TRICKY_NAMES, "s")
    log = ProblemLog("x.xlsx")
    read_workbook_sheets(read_grids(buf.getvalue(), "x.xlsx", log), log)
    assert not log.has_errors
    out = io.BytesIO()
    write_data(tricky_ds, VIEW, metrics.summary(tricky_ds, AS_OF, CITY), out)
    data = openpyxl.load_workbook(out)
    for sheet in ("Đơn vị", "Số liệu"):
        assert _string_cells(data, sheet) == dict.fromkeys(TRICKY_NAMES, "s")


def test_control_characters_are_stripped(ds):
    assert safe_text("Sở\x07 Y tế\x00\r\n(1)") == "Sở Y tế\n(1)"
    units = ds.units.copy()
    first = units.index[exists_at(units, AS_OF) & (units["kind"] == "chi_cuc")][0]
    units.loc[first, "name"] = "Chi cục\x01 Thử\x1f nghiệm"
    changed = dataclasses.replace(ds, units=units, memo={})
    data, consolidated = io.BytesIO(), io.BytesIO()
    write_data(changed, VIEW, {}, data)
    write_consolidated(changed, VIEW, consolidated)
    names = [r[2] for r in _records(openpyxl.load_workbook(data)["Đơn vị"])]
    assert "Chi cục Thử nghiệm" in names
    ws = openpyxl.load_workbook(consolidated)["Biểu 01"]
    assert "Chi cục Thử nghiệm" in [name for _, _, name in _table(ws, FORM_01)]
