"""The mapping step (etl/reading/mapping.py, etl/storage/mappings.py): a header the reader cannot
place is described cell by cell; read with a mapping it gives the same figures as the tidy form;
the mapping is kept per reporting unit and applied when the same headers come again (SQLite and,
with TEST_DATABASE_URL, PostgreSQL); `etl ingest --mapping FILE.json`."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from etl.cli import main
from etl.core.forms import FORM_01
from etl.core.problems import ProblemLog
from etl.core.vocabulary import IngestStatus
from etl.reading.mapping import (
    SKIP,
    SheetLayout,
    clean_workbook_mapping,
    header_key,
    offered_years,
    suggest,
    target_label,
    target_options,
)
from etl.reading.reader import read_forms, read_grids, read_workbook_sheets
from etl.storage import mappings
from tests.builders import LABELS_01, SN, TITLE_01, Table, form01, workbook_bytes

ROWS = [
    [1, "Sở Nội vụ", 43, 43, 42, 41, "Đã phê duyệt"],
    [2, "Sở Y tế", 120, 118, 116, 115, "Chưa phê duyệt"],
]
PHONE = ["0292 3820 111", "0292 3820 222"]
SHEET = FORM_01.sheet_name
RENAMED_NAME = "Đơn vị thực hiện"  # not a phrasing of «Tên cơ quan, tổ chức» the form knows
RENAMED_QUOTA = "Chỉ tiêu biên chế"  # nor of «Biên chế công chức được giao»


def tidy() -> bytes:
    return workbook_bytes(form01(ROWS))


def with_phone(rows: list[list]) -> list[list]:
    return [[*r, phone] for r, phone in zip(rows, PHONE, strict=True)]


def renamed_name(rows: list[list] = ROWS) -> bytes:
    """The name column renamed and a column the clerk added: no header row is found."""
    extra = (LABELS_01["job_position"], "Số điện thoại")
    return workbook_bytes(form01(with_phone(rows), name_label=RENAMED_NAME, extra=extra))


def renamed_quota(rows: list[list] = ROWS) -> bytes:
    """The quota group label renamed and a column added: the header is found, the years not."""
    extra = (LABELS_01["job_position"], "Số điện thoại")
    return workbook_bytes(form01(with_phone(rows), group_label=RENAMED_QUOTA, extra=extra))


def read(content: bytes, mapping=None) -> tuple[ProblemLog, list, list[SheetLayout]]:
    """Read in this process (read_grids, then the forms), with the layouts collected."""
    log = ProblemLog("x.xlsx")
    grids = read_grids(content, "x.xlsx", log)
    layouts: list[SheetLayout] = []
    sheets = read_workbook_sheets(grids, log, mapping, layouts)
    return log, sheets, layouts


def figures(sheets: list) -> list[tuple]:
    return sorted(
        (u.name.value, f, y, c.value, u.attrs.get("job_position").value)
        for s in sheets
        for u in s.units
        for (f, y), c in u.yearly.items()
    )


def cell(layout: SheetLayout, text: str):
    return next(c for c in layout.cells if c.text == text)


# ---------------------------------------------------------------- reading


def test_an_unknown_name_column_gives_the_sheets_header_cell_by_cell():
    log, sheets, layouts = read(renamed_name())
    assert sheets == []
    assert [p.code for p in log.items if p.is_error] == ["header-not-found"]
    (layout,) = layouts
    assert (layout.sheet, layout.form, layout.header_found) == (SHEET, "01", False)
    assert layout.reporting_unit == "Sở Nội vụ"
    top = len(TITLE_01) + 1
    assert layout.header_rows == [top, top + 1]  # the group label and its `Năm` row
    assert [c.text for c in layout.cells] == [
        "STT",
        RENAMED_NAME,
        *[f"{LABELS_01['quota']} / Năm {y}" for y in (2021, 2022, 2023, 2024)],
        LABELS_01["job_position"],
        "Số điện thoại",
    ]
    assert [c.ref for c in layout.cells][:3] == [f"A{top + 1}", f"B{top + 1}", f"C{top + 1}"]
    assert cell(layout, RENAMED_NAME).found == ""
    assert cell(layout, RENAMED_NAME).samples == ["Sở Nội vụ", "Sở Y tế"]
    assert cell(layout, f"{LABELS_01['quota']} / Năm 2021").found == "quota@2021"
    assert layout.unplaced == [header_key(RENAMED_NAME), header_key("Số điện thoại")]
    assert layout.missing == ["name"] and layout.needs_mapping


def test_an_unknown_group_label_leaves_the_required_years_missing():
    log, _sheets, layouts = read(renamed_quota())
    assert "missing-year" in {p.code for p in log.items if p.is_error}
    (layout,) = layouts
    assert layout.header_found and layout.missing == ["quota@any"]  # no year at all
    assert cell(layout, f"{RENAMED_QUOTA} / Năm 2023").samples == ["42", "116"]


def test_a_kept_layout_is_the_whole_description_and_a_tidy_sheet_keeps_none():
    """`map_columns` describes a sheet without its samples and reporting unit to decide whether
    it needs the step, then fills them in: a kept layout is exactly `describe`'s whole one
    (its samples, its reporting unit), with or without a mapping; a tidy sheet keeps none."""
    from etl.core.forms import FORMS
    from etl.reading.layout import find_columns, read_header_lines
    from etl.reading.mapping import describe, guess_header

    for content, mapping in (
        (renamed_name(), None),
        (renamed_quota(), None),
        (renamed_name(), {SHEET: {header_key(RENAMED_NAME): "name"}}),
    ):
        _log, _sheets, layouts = read(content, clean_workbook_mapping(mapping))
        (grid,) = read_grids(content, "x.xlsx", ProblemLog("x.xlsx"))
        found = find_columns(FORMS["01"], grid)
        base = found or guess_header(FORMS["01"], grid)
        (layout,) = layouts
        whole = describe(
            FORMS["01"],
            grid,
            base,
            base.by_col,
            reporting_unit=read_header_lines(grid).reporting_unit,
            header_found=found is not None,
            mapped=False,
        )
        assert layout.reporting_unit == "Sở Nội vụ" and any(c.samples for c in layout.cells)
        if mapping is None:
            assert layout == whole
        else:  # the same cells and samples, read as the mapping says
            assert [(c.col, c.samples) for c in layout.cells] == [
                (c.col, c.samples) for c in whole.cells
            ]
    assert read(tidy())[2] == []


def since_merger(rows: list[list] | None = None, group_label: str = RENAMED_QUOTA) -> bytes:
    """A merged province's return: years 2025 and 2026 only, the quota label renamed."""
    rows = rows or [[1, "Sở Nội vụ", 52, 50, "Đã phê duyệt"], [2, "Sở Y tế", 98, 95, None]]
    return workbook_bytes(form01(rows, years=(2025, 2026), group_label=group_label))


def test_a_return_of_2025_and_2026_only_is_offered_and_read_with_those_years():
    log, sheets, (layout,) = read(since_merger())
    assert sheets == [] and [p.code for p in log.items if p.is_error] == ["missing-year"]
    assert layout.missing == ["quota@any"]
    assert offered_years([layout], dt.date(2026, 12, 6)) == [2021, 2022, 2023, 2024, 2025, 2026]
    mapping = {SHEET: {f"{RENAMED_QUOTA} / Năm {y}": f"quota@{y}" for y in (2025, 2026)}}
    log, sheets, (mapped,) = read(since_merger(), clean_workbook_mapping(mapping))
    assert not log.has_errors, [p.message_vi for p in log.items]
    assert mapped.missing == [] and not mapped.needs_mapping
    assert sorted(
        (u.name.value, y, c.value) for u in sheets[0].units for (_, y), c in u.yearly.items()
    ) == [
        ("Sở Nội vụ", 2025, 52),
        ("Sở Nội vụ", 2026, 50),
        ("Sở Y tế", 2025, 98),
        ("Sở Y tế", 2026, 95),
    ]


def test_the_years_offered_follow_the_header_and_today():
    _, _, (layout,) = read(since_merger())
    # this year and the five before, widened to any year the header names or reads
    assert offered_years([layout], dt.date(2031, 3, 1)) == list(range(2025, 2032))
    assert offered_years([layout], dt.date(2024, 1, 1)) == list(range(2019, 2027))
    _, _, (older,) = read(renamed_quota())  # names 2021-2024
    assert offered_years([older, layout], dt.date(2033, 1, 1)) == list(range(2021, 2034))
    assert offered_years([], dt.date(2026, 1, 1)) == list(range(2021, 2027))
    options = dict(target_options(FORM_01, offered_years([layout], dt.date(2026, 7, 1))))
    assert options["quota@2026"] == "Biên chế công chức được giao năm 2026"
    assert "quota@2020" not in options and "quota@2027" not in options
    assert target_label(FORM_01, "quota@any") == "Biên chế công chức được giao (ít nhất một năm)"


def test_a_quota_label_without_years_is_for_the_clerk_to_date():
    """`Biên chế công chức được giao` over no year: refused (`missing-year` at its cell), shown
    as placed nowhere, and read once the clerk gives it a year."""
    rows = [[1, "Sở Nội vụ", 50, "Đã phê duyệt"]]
    content = workbook_bytes(form01(rows, years=(2026,), one_row_header=True))
    log, sheets, layouts = read(content)
    assert not layouts and not log.has_errors  # `Biên chế … năm 2026`: a year, read as is
    yearless = workbook_bytes(Table(["STT", LABELS_01["name"], LABELS_01["quota"]], [rows[0][:3]]))
    log, sheets, (layout,) = read(yearless)
    [error] = [p for p in log.items if p.is_error]
    quota_cell = cell(layout, LABELS_01["quota"])
    assert (error.code, error.cell) == ("missing-year", quota_cell.ref)
    assert (quota_cell.found, quota_cell.target, layout.missing) == ("", "", ["quota@any"])
    log, sheets, _ = read(yearless, {SHEET: {header_key(LABELS_01["quota"]): "quota@2026"}})
    assert not log.has_errors, [p.message_vi for p in log.items]
    assert [(u.name.value, dict(u.yearly)[("quota", 2026)].value) for u in sheets[0].units] == [
        ("Sở Nội vụ", 50)
    ]


def test_a_tidy_form_needs_no_mapping():
    log, sheets, layouts = read(tidy())
    assert not log.has_errors and layouts == [] and len(sheets[0].units) == 2


@pytest.mark.parametrize("content", [renamed_name(), renamed_quota()])
def test_mapped_gives_the_same_figures_as_the_tidy_form(content):
    _log, tidy_sheets, _ = read(tidy())
    _, _, (layout,) = read(content)
    chosen: dict = {}
    for c in layout.cells:
        if c.text == RENAMED_NAME:
            chosen[c.text] = "name"
        elif c.text.startswith(RENAMED_QUOTA):
            chosen[c.text] = f"quota@{c.text[-4:]}"
        elif c.text == "Số điện thoại":
            chosen[c.text] = None  # JSON null: not read
    mapping = clean_workbook_mapping({SHEET: chosen})
    log, sheets, (mapped,) = read(content, mapping)
    assert not log.has_errors, [p.message_vi for p in log.items]
    assert figures(sheets) == figures(tidy_sheets)
    assert mapped.mapped and mapped.missing == [] and not mapped.needs_mapping
    assert cell(mapped, "Số điện thoại").target == SKIP
    noted = [p for p in log.items if p.code == "header-mapped"]
    assert len(noted) == len(chosen) and not any(p.code == "unknown-column" for p in log.items)
    assert any("được bỏ qua theo cách ghép cột" in p.message_vi for p in noted)
    # the same in the reading child: the mapping travels there, the layouts come back
    there: list[SheetLayout] = []
    child = read_forms(content, "x.xlsx", ProblemLog("x.xlsx"), mapping=mapping, layouts=there)
    assert figures(child) == figures(tidy_sheets) and there == [mapped]


def test_a_renamed_required_column_of_biểu_03_is_mapped_like_any_other():
    from tests.builders import B03_HEADER, b03

    event = [2, "01/07/2023", "20/QĐ-UBND", "Giải thể", "Trung tâm Dịch vụ X", None, SN, None]
    renamed = [B03_HEADER[0], "Ngày quyết định có hiệu lực", *B03_HEADER[2:]]
    _, tidy_sheets, _ = read(b03(event))
    log, sheets, (layout,) = read(b03(event, header=renamed))
    assert sheets == [] and "header-not-found" in {p.code for p in log.items}
    assert (layout.form, layout.header_rows, layout.missing) == ("03", [2], ["date"])
    assert cell(layout, "Ngày quyết định có hiệu lực").ref == "B2"
    mapping = clean_workbook_mapping({"Biểu 03": {"Ngày quyết định có hiệu lực": "date"}})
    log, sheets, _ = read(b03(event, header=renamed), mapping)
    assert not log.has_errors and sheets[0].events == tidy_sheets[0].events


def test_the_reading_child_gives_the_layouts_of_a_refused_file():
    log, layouts = ProblemLog("x.xlsx"), []
    assert read_forms(renamed_name(), "x.xlsx", log, layouts=layouts) == []  # no sheet read
    assert log.has_errors and [lay.missing for lay in layouts] == [["name"]]


def test_a_mapping_from_outside_keeps_only_plain_targets():
    raw = {
        SHEET: {
            "Đơn vị THỰC HIỆN": "name",  # any case: the key is normalised
            "Số điện thoại": "",
            "A": "quota@2021",
            "B": "<script>",
            "C": 5,
            7: "name",
        },
        "Khác": "not a dict",
        3: {"x": "name"},
    }
    assert clean_workbook_mapping(raw) == {
        SHEET: {
            header_key(RENAMED_NAME): "name",
            header_key("Số điện thoại"): SKIP,
            "a": "quota@2021",
        }
    }
    assert clean_workbook_mapping(["not", "a", "dict"]) == {}
    # a target the form does not have is left out when applied: the name is still missing
    log, sheets, _ = read(renamed_name(), {SHEET: {header_key(RENAMED_NAME): "nonsense"}})
    assert sheets == [] and "missing-column" in {p.code for p in log.items if p.is_error}


def test_suggestions_are_offered_only_when_one_field_is_close():
    assert suggest(FORM_01, "Tên cơ quan, đơn vị thực hiện") == "name"
    assert suggest(FORM_01, "Biên chế giao (người) 2022") == "quota@2022"
    assert suggest(FORM_01, "Số điện thoại") == ""
    assert suggest(FORM_01, RENAMED_NAME) == ""  # as close to «Mã đơn vị» as to «Tên đơn vị»


# ---------------------------------------------------------------- kept per reporting unit


def test_kept_mappings_replace_by_header_and_are_deleted_with_an_audit(engine: Engine):
    entries = [("a", "A", "name"), ("b", "B", SKIP)]
    with engine.begin() as conn:
        assert (
            mappings.remember(
                conn, owner_key="k", owner="Sở Nội vụ", form="01", entries=entries, actor="u"
            )
            == 2
        )
        mappings.remember(
            conn, owner_key="k", owner="Sở Nội vụ", form="01", entries=[("a", "A", "note")],
            actor="v",
        )  # fmt: skip
        mappings.remember(
            conn, owner_key="k", owner="Sở Nội vụ", form="02", entries=entries, actor="u"
        )
    with engine.connect() as conn:
        assert mappings.for_owner(conn, "k", "01") == {"a": "note", "b": SKIP}
        assert mappings.for_owner(conn, "other", "01") == {}
        rows = mappings.list_all(conn)
    assert len(rows) == 4
    first = next(r for r in rows if r.form == "01" and r.header_key == "a")
    assert (first.saved_by, first.owner) == ("v", "Sở Nội vụ")
    with engine.begin() as conn:
        assert mappings.delete_one(conn, first.id, "admin") == first
        assert mappings.delete_one(conn, first.id, "admin") is None
    with engine.connect() as conn:
        assert mappings.for_owner(conn, "k", "01") == {"b": SKIP}
        actions = conn.execute(text("SELECT action FROM audit_log ORDER BY id")).scalars().all()
    assert actions == ["mapping.saved"] * 3 + ["mapping.deleted"]


def test_owner_is_the_reporting_unit_or_else_the_account():
    assert mappings.owner_of("  Sở  Nội vụ ", "canbo") == (
        mappings.owner_of("Sở Nội vụ", "x")[0],
        "Sở Nội vụ",
    )
    assert mappings.owner_of("", "canbo") == ("@canbo", "Tài khoản canbo")


def _facts(engine: Engine, submission_id: int) -> list[tuple]:
    with engine.connect() as conn:
        return sorted(
            conn.execute(
                text(
                    "SELECT u.name, f.year, f.value FROM fact f JOIN unit u ON u.id = f.unit_id "
                    "WHERE f.submission_id = :s AND f.status = 'assigned'"
                ),
                {"s": submission_id},
            ).all()
        )


def _mapping_for(result) -> dict:
    (layout,) = result.layouts
    chosen = {}
    for c in layout.cells:
        if c.text.startswith(RENAMED_QUOTA):
            chosen[c.text] = f"quota@{c.text[-4:]}"
        elif not c.target:
            chosen[c.text] = SKIP
    return {layout.sheet: chosen}


def test_a_given_mapping_is_kept_and_applied_when_the_same_headers_come_again(engine, ingest):
    first = ingest(renamed_quota())
    assert first.status == IngestStatus.REFUSED and first.mapping_source is None
    mapping = _mapping_for(first)
    stored = ingest(renamed_quota(), mapping=mapping)
    assert stored.status == IngestStatus.ACCEPTED and stored.mapping_source == "given"
    tidy_result = ingest(tidy(), "tidy.xlsx")
    assert _facts(engine, stored.submission_id) == _facts(engine, tidy_result.submission_id)
    with engine.connect() as conn:
        kept = mappings.list_all(conn)
    assert {(k.owner, k.header_text, k.target) for k in kept} == {
        ("Sở Nội vụ", f"{RENAMED_QUOTA} / Năm {y}", f"quota@{y}") for y in (2021, 2022, 2023, 2024)
    } | {("Sở Nội vụ", "Số điện thoại", SKIP)}
    # the next return of the same layout, other figures: read with the kept mapping
    later_rows = [[1, "Sở Nội vụ", 43, 43, 42, 40, "Đã phê duyệt"], ROWS[1]]
    later = ingest(renamed_quota(later_rows), "lan_sau.xlsx")
    assert later.status == IngestStatus.ACCEPTED and later.mapping_source == "stored"
    assert ("Sở Nội vụ", 2024, 40) in _facts(engine, later.submission_id)
    assert {p.code for p in later.problems} >= {"header-mapped"}
    # a tidy return of the same unit is read as it always was
    again = ingest(workbook_bytes(form01([[1, "Sở Nội vụ", 43, 43, 42, 39, None]])), "t2.xlsx")
    assert again.status == IngestStatus.ACCEPTED and again.mapping_source is None
    assert again.layouts == []


def test_a_kept_mapping_that_does_not_cover_the_headers_is_only_offered(engine, ingest):
    first = ingest(renamed_quota())
    mapping = _mapping_for(first)
    assert ingest(renamed_quota(), mapping=mapping).status == IngestStatus.ACCEPTED
    extra = (LABELS_01["job_position"], "Số điện thoại", "Email")
    rows = [[*r, "a@b.vn"] for r in with_phone(ROWS)]
    other = workbook_bytes(form01(rows, group_label=RENAMED_QUOTA, extra=extra))
    result = ingest(other, "khac.xlsx")
    assert result.status == IngestStatus.REFUSED and result.mapping_source is None
    from etl.ingest.load import kept_choices

    offered = kept_choices(engine, result.layouts, "cli")[SHEET]
    assert offered[header_key(f"{RENAMED_QUOTA} / Năm 2021")] == "quota@2021"
    assert header_key("Email") not in offered


def test_a_dry_run_keeps_nothing(engine, ingest):
    first = ingest(renamed_quota())
    checked = ingest(renamed_quota(), mapping=_mapping_for(first), dry_run=True)
    assert checked.status == IngestStatus.CHECKED
    with engine.connect() as conn:
        assert mappings.list_all(conn) == []


# ---------------------------------------------------------------- the command line


@pytest.fixture
def cli_env(tmp_path, monkeypatch):
    monkeypatch.setenv("DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    assert main(["migrate"]) == 0
    as_of = ["--as-of", "2024-06-30", "--deadline", "2024-07-15"]
    assert main(["period", "add", "--name", "6 tháng đầu năm 2024", *as_of]) == 0
    return tmp_path


def test_cli_ingest_takes_a_mapping_file_then_applies_the_kept_one(cli_env: Path, capsys):
    path = cli_env / "bao_cao.xlsx"
    path.write_bytes(renamed_quota())
    assert main(["ingest", str(path)]) == 2
    hint = capsys.readouterr().out
    assert "Ghép cột: trang «Biểu 01» (Biểu 01), tiêu đề ở dòng 8, 9" in hint
    assert f"C9 «{RENAMED_QUOTA} / Năm 2021»: chưa nhận ra" in hint
    assert "còn thiếu: quota@any (Biên chế công chức được giao (ít nhất một năm))" in hint
    chosen = {f"{RENAMED_QUOTA} / Năm {y}": f"quota@{y}" for y in (2021, 2022, 2023, 2024)}
    spec = cli_env / "ghep_cot.json"
    spec.write_text(json.dumps({SHEET: {**chosen, "Số điện thoại": None}}), encoding="utf-8")
    assert main(["ingest", str(path), "--mapping", str(spec)]) == 0
    out = capsys.readouterr().out
    assert "bao_cao.xlsx: ĐÃ NHẬN" in out and "header-mapped" in out
    later = cli_env / "lan_sau.xlsx"
    later.write_bytes(renamed_quota([[1, "Sở Nội vụ", 43, 43, 42, 40, None], ROWS[1]]))
    assert main(["ingest", str(later)]) == 0  # the kept mapping, no file needed


@pytest.mark.parametrize(
    "content", ["{not json", json.dumps(["a"]), json.dumps({SHEET: {"x": "<b>"}}), None]
)
def test_cli_refuses_a_bad_mapping_file_with_exit_2(cli_env: Path, capsys, content):
    path = cli_env / "bao_cao.xlsx"
    path.write_bytes(renamed_quota())
    spec = cli_env / "ghep_cot.json"
    if content is not None:
        spec.write_text(content, encoding="utf-8")
    with pytest.raises(SystemExit) as stop:
        main(["ingest", str(path), "--mapping", str(spec)])
    assert stop.value.code == 2
    err = capsys.readouterr().err
    assert "tệp ghép cột" in err and "Traceback" not in err


def test_a_scoped_uploader_cannot_keep_a_mapping_for_another_unit(engine, ingest):
    """A mapping is kept per reporting unit; an uploader's return must name one of its own
    units (docs/forms.md, `reporting-unit-not-allowed`), so no account can change how another
    unit's returns are read."""
    from etl.storage import accounts

    ingest(tidy(), "tidy.xlsx")  # the units exist
    (own,) = accounts.resolve_units(engine, ["Sở Nội vụ"])
    title = [["Biểu số 01"], ["Đơn vị báo cáo: Sở Y tế"], ["Số liệu tính đến ngày: 30/06/2024"]]
    extra = (LABELS_01["job_position"], "Số điện thoại")

    def claimed(quota: int) -> bytes:
        row = [1, "Sở Nội vụ", 43, 43, 42, quota, None, "0292"]
        return workbook_bytes(form01([row], group_label=RENAMED_QUOTA, extra=extra, title=title))

    scoped = {"uploader": "donvi", "allowed_units": [own]}
    first = ingest(claimed(39), "a.xlsx", **scoped)
    assert first.status == IngestStatus.REFUSED
    mapped = ingest(claimed(39), "a.xlsx", mapping=_mapping_for(first), **scoped)
    assert mapped.status == IngestStatus.REFUSED
    assert "reporting-unit-not-allowed" in {p.code for p in mapped.problems}
    with engine.connect() as conn:
        assert list(mappings.list_all(conn)) == []
