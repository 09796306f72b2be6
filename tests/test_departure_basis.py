"""Departures by legal basis (issue 16.5; docs/forms.md, "Departures by legal basis"): the
optional columns of Biểu 01/02 that break the streamlined count of a row and year down by
decree, read in the phrasings staff write, checked against that count, stored as facts of
their own and summed by `summary["streamlined_by_basis"]`, in the CLI JSON and the API.

Returns go through the real upload path (`ingest`, on SQLite and, with TEST_DATABASE_URL, on
PostgreSQL); every figure below is worked out by hand from the rows written here.
"""

from __future__ import annotations

import datetime as dt
import io
import json

import openpyxl
import pytest
from sqlalchemy import Engine, select

from etl import service
from etl.core.forms import FORM_01, FORM_02
from etl.core.normalize import text_key
from etl.reading.layout import decree_field
from etl.storage import schema
from etl.writers.templates import write_template
from tests.builders import LABELS_01, LABELS_02, Table, per_year, short_title, workbook_bytes
from tests.conftest import login, table_counts

AS_OF = dt.date(2024, 6, 30)
ND29, ND178 = LABELS_01["by_streamlining"], LABELS_01["by_restructuring"]


def facts(engine: Engine, statuses: tuple[str, ...] = ("streamlined", "nd29_154", "nd178_67")):
    """Current figures of the given statuses: (unit, status, year) -> value."""
    f, u = schema.fact.c, schema.unit.c
    query = (
        select(u.name, f.status, f.year, f.value)
        .join_from(schema.fact, schema.unit, f.unit_id == u.id)
        .where(f.status.in_(statuses))
        .order_by(f.submission_id, f.id)
    )
    with engine.connect() as conn:
        return {(n, s, y): v for n, s, y, v in conn.execute(query)}


def accepted(result):
    assert result.status == "accepted", [(p.code, p.cell, p.message_vi) for p in result.errors]
    return result


def b01(columns, rows, title=None):
    return workbook_bytes(Table(columns, rows, title=title or short_title()))


QUOTA_01 = per_year(LABELS_01["quota"], (2021, 2024))
STT_NAME_01 = [LABELS_01["stt"], LABELS_01["name"]]


# ---------------------------------------------------------------- reading


@pytest.mark.parametrize(
    ("header", "field"),
    [
        (ND29, "by_streamlining"),
        (ND178, "by_restructuring"),
        ("Trong đó: tinh giản theo Nghị định số 29/2023/NĐ-CP", "by_streamlining"),
        ("Theo NĐ 154/2025", "by_streamlining"),
        ("NĐ29", "by_streamlining"),
        (
            "Nghỉ theo Nghị định 178/2024/NĐ-CP (sửa đổi bởi Nghị định 67/2025/NĐ-CP)",
            "by_restructuring",
        ),
        ("theo nd 178", "by_restructuring"),
        ("Theo Nghị định 67/2025", "by_restructuring"),
        # not a basis column: another decree, a wrong year, both bases in one column
        ("Mức tự chủ (Nghị định 60/2021/NĐ-CP)", None),
        ("Theo NĐ 29/2024", None),
        ("Tinh giản theo NĐ 29/2023 và NĐ 178/2024", None),
    ],
)
def test_a_header_names_its_basis_by_decree(header, field):
    for form in (FORM_01, FORM_02):
        hit = decree_field(form, text_key(header))
        assert (hit[0] if hit else None) == field, (form.code, header, hit)


def test_basis_columns_are_read_in_the_phrasings_staff_write(engine, ingest):
    # a group label over years; a decree named its own way; one cell per year
    columns = [
        *STT_NAME_01,
        *QUOTA_01,
        *per_year(LABELS_01["streamlined"], (2023, 2024)),
        ("Trong đó: tinh giản theo Nghị định số 29/2023/NĐ-CP", ["Năm 2023", "Năm 2024"]),
        "Nghỉ theo NĐ 178/2024/NĐ-CP năm 2024",
    ]
    rows = [
        [1, "Sở Y tế", 120, 115, 3, 4, 3, 1, 3],
        [2, "Sở Tư pháp", 45, 44, 1, 2, None, 2, None],  # 2024: no NĐ 178 figure
    ]
    accepted(ingest(b01(columns, rows)))
    assert facts(engine) == {
        ("Sở Y tế", "streamlined", 2023): 3,
        ("Sở Y tế", "streamlined", 2024): 4,
        ("Sở Y tế", "nd29_154", 2023): 3,
        ("Sở Y tế", "nd29_154", 2024): 1,
        ("Sở Y tế", "nd178_67", 2024): 3,
        ("Sở Tư pháp", "streamlined", 2023): 1,
        ("Sở Tư pháp", "streamlined", 2024): 2,
        ("Sở Tư pháp", "nd29_154", 2024): 2,
    }


def test_three_row_header_total_and_bases_under_one_group(engine, ingest):
    years = ["Năm 2023", "Năm 2024"]
    columns = [
        *STT_NAME_01,
        *QUOTA_01,
        (
            LABELS_01["streamlined"],
            [("Tổng số", years), ("Theo NĐ 29/2023", years), ("Theo NĐ 178/2024", years)],
        ),
    ]
    rows = [[1, "Sở Y tế", 120, 115, 2, 5, 2, 1, 0, 4]]
    accepted(ingest(b01(columns, rows)))
    assert facts(engine) == {
        ("Sở Y tế", "streamlined", 2023): 2,
        ("Sở Y tế", "streamlined", 2024): 5,
        ("Sở Y tế", "nd29_154", 2023): 2,
        ("Sở Y tế", "nd29_154", 2024): 1,
        ("Sở Y tế", "nd178_67", 2023): 0,
        ("Sở Y tế", "nd178_67", 2024): 4,
    }


def test_biểu_02_reads_the_basis_columns_too(engine, ingest):
    columns = [
        LABELS_02["stt"],
        LABELS_02["name"],
        *per_year(LABELS_02["quota"], (2021, 2024)),
        *per_year(LABELS_02["streamlined"], (2025,)),
        *per_year("Viên chức tinh giản theo NĐ 29/2023 (154/2025)", (2025,)),
        *per_year("Viên chức nghỉ theo NĐ 178/2024 (67/2025)", (2025,)),
    ]
    title = short_title("02")
    accepted(ingest(b01(columns, [[1, "Trường THCS An Bình", 40, 38, 5, 2, 3]], title=title)))
    assert facts(engine) == {
        ("Trường THCS An Bình", "streamlined", 2025): 5,
        ("Trường THCS An Bình", "nd29_154", 2025): 2,
        ("Trường THCS An Bình", "nd178_67", 2025): 3,
    }


# ---------------------------------------------------------------- the totals check

BASIS_2024 = [
    *STT_NAME_01,
    *QUOTA_01,
    "Tinh giản năm 2024",
    f"{ND29} năm 2024",
    f"{ND178} năm 2024",
]


@pytest.mark.parametrize(
    ("figures", "parts", "rule"),
    [
        ((3, 1, 1), "F8 = 1; G8 = 1", "phải bằng"),  # both given, 2 ≠ 3
        ((3, 2, 2), "F8 = 2; G8 = 2", "phải bằng"),  # both given, 4 ≠ 3
        ((3, 4, None), "F8 = 4", "không được lớn hơn"),  # one given, above the count
    ],
)
def test_bases_that_do_not_add_up_refuse_the_file(engine, ingest, figures, parts, rule):
    before = table_counts(engine)
    result = ingest(b01(BASIS_2024, [[1, "Sở Y tế", 120, 115, *figures]]))
    assert result.status == "refused"
    [problem] = result.errors
    assert (problem.code, problem.sheet, problem.cell) == (
        "streamlined-basis-mismatch",
        FORM_01.sheet_name,
        "E8",
    )
    assert parts in problem.message_vi and rule in problem.message_vi, problem.message_vi
    assert table_counts(engine) == before


@pytest.mark.parametrize(
    "figures", [(3, 1, 2), (3, 0, 3), (3, 2, None), (None, 2, 1), (3, None, None)]
)
def test_bases_that_add_up_or_are_partial_are_accepted(engine, ingest, figures):
    accepted(ingest(b01(BASIS_2024, [[1, "Sở Y tế", 120, 115, *figures]])))


# ---------------------------------------------------------------- the figures


def _summary(engine: Engine, **kwargs):
    return service.summary(engine, as_of=AS_OF, **kwargs)["streamlined_by_basis"]


CITY_ROWS = [
    # 2023: Sở Y tế broken down in full, Sở Tư pháp not at all
    # 2024: Sở Y tế only by NĐ 29 (1 of 4), Sở Tư pháp in full
    [1, "Sở Y tế", 120, 115, 3, 4, 2, 1, 1, None],
    [2, "Sở Tư pháp", 45, 44, 2, 3, None, 1, None, 2],
]
CITY_COLUMNS = [
    *STT_NAME_01,
    *QUOTA_01,
    *per_year(LABELS_01["streamlined"], (2023, 2024)),
    *per_year(ND29, (2023, 2024)),
    *per_year(ND178, (2023, 2024)),
]


def test_summary_by_basis_with_the_part_not_broken_down(engine, ingest):
    accepted(ingest(b01(CITY_COLUMNS, CITY_ROWS)))
    got = _summary(engine)
    assert got["cong_chuc"] == {
        "2023": {"nd29_154": 2, "nd178_67": 1, "not_broken_down": 2},
        "2024": {"nd29_154": 2, "nd178_67": 2, "not_broken_down": 3},
    }
    assert got["vien_chuc"] == {}
    # the streamlined counts themselves are as before
    assert service.summary(engine, as_of=AS_OF)["streamlined"]["cong_chuc"] == {
        "2023": 5,
        "2024": 7,
    }
    # a scope: one unit
    assert _summary(engine, scope="Sở Tư pháp")["cong_chuc"] == {
        "2023": {"nd29_154": None, "nd178_67": None, "not_broken_down": 2},
        "2024": {"nd29_154": 1, "nd178_67": 2, "not_broken_down": 0},
    }
    # the cut-off: nothing after its year
    earlier = service.summary(engine, as_of=dt.date(2023, 12, 31))["streamlined_by_basis"]
    assert list(earlier["cong_chuc"]) == ["2023"]


def test_no_basis_column_is_not_broken_down_never_zero(engine, ingest):
    columns = [*STT_NAME_01, *QUOTA_01, *per_year(LABELS_01["streamlined"], (2023,))]
    accepted(ingest(b01(columns, [[1, "Sở Y tế", 120, 115, 3]])))
    assert _summary(engine)["cong_chuc"] == {
        "2023": {"nd29_154": None, "nd178_67": None, "not_broken_down": 3}
    }


def test_a_later_return_without_breakdown_supersedes_the_breakdown(engine, ingest):
    accepted(ingest(b01(CITY_COLUMNS, CITY_ROWS)))
    columns = [*STT_NAME_01, *QUOTA_01, *per_year(LABELS_01["streamlined"], (2024,))]
    accepted(ingest(b01(columns, [[1, "Sở Tư pháp", 45, 44, 4]])))
    assert _summary(engine, scope="Sở Tư pháp")["cong_chuc"]["2024"] == {
        "nd29_154": None,
        "nd178_67": None,
        "not_broken_down": 4,
    }


def test_api_and_cli_json_carry_streamlined_by_basis(isolated_app):
    client = isolated_app.server.test_client()
    login(client)
    got = client.get("/api/v1/summary?as_of=2024-06-30").get_json()
    sample = got["streamlined_by_basis"]
    # the sample reports no breakdown: every year is "not broken down", in full
    for kind in ("cong_chuc", "vien_chuc"):
        assert set(sample[kind]) == set(got["streamlined"][kind])
        for year, count in got["streamlined"][kind].items():
            assert sample[kind][year] == {
                "nd29_154": None,
                "nd178_67": None,
                "not_broken_down": count,
            }
    assert json.dumps(got, ensure_ascii=False).count('"nd29_154": null') == 6


# ---------------------------------------------------------------- the blank templates


@pytest.mark.parametrize("code", ["01", "02"])
def test_template_offers_the_basis_columns_from_their_decree(code):
    buffer = io.BytesIO()
    write_template(code, buffer)
    sheet = openpyxl.load_workbook(io.BytesIO(buffer.getvalue()))[f"Biểu {code}"]
    header = [[c.value for c in row] for row in sheet.iter_rows(min_row=1, max_row=15)]
    top = next(i for i, row in enumerate(header) if ND29 in row)
    labels, years = header[top], header[top + 1]
    start_29, start_178 = labels.index(ND29), labels.index(ND178)
    assert years[start_29:start_178] == ["Năm 2023", "Năm 2024", "Năm 2025", "Năm 2026"]
    assert years[start_178 : start_178 + 3] == ["Năm 2024", "Năm 2025", "Năm 2026"]
    guide = openpyxl.load_workbook(io.BytesIO(buffer.getvalue()))["Hướng dẫn"]
    text = " ".join(str(c.value) for row in guide.iter_rows() for c in row if c.value)
    assert f"Các cột «{ND29}» và «{ND178}» chia số tinh giản" in text
    assert "không ghi 0" in text


# ---------------------------------------------------------------- chart, report, CLI, export


def _city(engine: Engine, ingest):
    from etl.measures.cache import load_dataset
    from etl.measures.query import ResolvedView

    accepted(ingest(b01(CITY_COLUMNS, CITY_ROWS)))
    return load_dataset(engine), ResolvedView(AS_OF)


def test_chart_stacks_each_kind_by_basis(engine, ingest):
    from reporting.figures import make_streamlined_figure

    summary = service.summary(engine, as_of=AS_OF)
    unbroken = make_streamlined_figure(summary["streamlined"], summary["streamlined_by_basis"])
    assert [t.name for t in unbroken.data] == ["Công chức", "Viên chức"]  # nothing reported yet
    accepted(ingest(b01(CITY_COLUMNS, CITY_ROWS)))
    summary = service.summary(engine, as_of=AS_OF)
    fig = make_streamlined_figure(summary["streamlined"], summary["streamlined_by_basis"])
    bars = {t.name: (list(t.x), list(t.y), list(t.base)) for t in fig.data}
    assert bars == {
        f"Công chức: {ND29}": (["2023", "2024"], [2, 2], [0, 0]),
        f"Công chức: {ND178}": (["2023", "2024"], [1, 2], [2, 2]),
        "Công chức: Chưa phân theo căn cứ": (["2023", "2024"], [2, 3], [3, 4]),
    }
    # the bars of each year add up to that year's streamlined count (5, 7)
    tops = [b + y for b, y in zip(fig.data[-1].base, fig.data[-1].y, strict=True)]
    assert tops == [summary["streamlined"]["cong_chuc"][y] for y in ("2023", "2024")]


def test_report_sentence_names_each_basis_given(engine, ingest):
    from etl.measures import metrics
    from etl.measures.narrative import build_narrative

    ds, view = _city(engine, ingest)
    text = build_narrative(metrics.summary(ds, view.as_of)).plain_text()
    assert (
        "Trong đó, theo Nghị định số 29/2023/NĐ-CP (từ ngày 16/06/2025 là Nghị định số "
        "154/2025/NĐ-CP) về tinh giản biên chế: 04 công chức; theo Nghị định số 178/2024/NĐ-CP "
        "(được sửa đổi, bổ sung bởi Nghị định số 67/2025/NĐ-CP): 03 công chức; chưa phân theo "
        "căn cứ: 05 công chức." in text
    ), text
    assert "viên chức;" not in text.split("Trong đó, theo")[1].split(".")[0]


def test_cli_text_and_json(engine, ingest, capsys):
    from etl import cli

    _city(engine, ingest)
    db = ["--db", engine.url.render_as_string(hide_password=False)]
    assert cli.main(["summary", *db, "--as-of", "2024-06-30", "--json"]) == 0
    got = json.loads(capsys.readouterr().out)
    assert got["streamlined_by_basis"]["cong_chuc"]["2024"] == {
        "nd29_154": 2,
        "nd178_67": 2,
        "not_broken_down": 3,
    }
    assert cli.main(["summary", *db, "--as-of", "2024-06-30"]) == 0
    text = capsys.readouterr().out
    assert (
        f"Theo căn cứ pháp lý, công chức: năm 2023: {ND29} 02, {ND178} 01, chưa phân theo căn "
        f"cứ 02; năm 2024: {ND29} 02, {ND178} 02, chưa phân theo căn cứ 03." in text
    ), text


def test_consolidated_return_shows_basis_columns_only_when_given(engine, ingest):
    from etl.measures.cache import load_dataset
    from etl.measures.query import ResolvedView
    from etl.writers.xlsx_export import write_consolidated

    def header_of(ds) -> list:
        buffer = io.BytesIO()
        write_consolidated(ds, ResolvedView(AS_OF), buffer)
        sheet = openpyxl.load_workbook(io.BytesIO(buffer.getvalue()))["Biểu 01"]
        return [c.value for row in sheet.iter_rows(max_row=15) for c in row]

    columns = [*STT_NAME_01, *QUOTA_01, *per_year(LABELS_01["streamlined"], (2023,))]
    accepted(ingest(b01(columns, [[1, "Sở Công Thương", 60, 58, 1]])))
    cells = header_of(load_dataset(engine))
    assert LABELS_01["streamlined"] in cells and ND29 not in cells and ND178 not in cells
    accepted(ingest(b01(CITY_COLUMNS, CITY_ROWS)))
    cells = header_of(load_dataset(engine))
    assert ND29 in cells and ND178 in cells


# ---------------------------------------------------------------- the dashboard


def text_of(component) -> str:
    """Everything a component tree would show, as one JSON string."""
    from plotly.io.json import to_json_plotly

    return json.dumps(json.loads(to_json_plotly(component)), ensure_ascii=False)


def test_overview_table_by_basis_writes_not_given_never_zero(engine, ingest):
    from components.basis import NONE_GIVEN, NOT_GIVEN, make_basis_table

    def cells(component) -> list[str]:
        found: list[str] = []

        def walk(node) -> None:
            children = getattr(node, "children", None)
            if getattr(node, "_type", "") in ("Td", "Th") and isinstance(children, str):
                found.append(children)
            for child in children if isinstance(children, list) else [children]:
                if hasattr(child, "_type"):
                    walk(child)

        walk(component)
        return found

    columns = [*STT_NAME_01, *QUOTA_01, *per_year(LABELS_01["streamlined"], (2023,))]
    accepted(ingest(b01(columns, [[1, "Sở Y tế", 120, 115, 3]])))
    unbroken = make_basis_table(_summary(engine))
    assert NONE_GIVEN in text_of(unbroken) and not cells(unbroken)
    accepted(ingest(b01(CITY_COLUMNS, CITY_ROWS)))
    shown = cells(make_basis_table(_summary(engine)))
    # Công chức 2023: 2, 1, 2; 2024: 2, 2, 3 (both units); no row says 0 for a basis not given
    assert shown[-9:] == ["Công chức", "2023", "2", "1", "2", "2024", "2", "2", "3"]
    assert "0" not in shown
    scoped = cells(make_basis_table(_summary(engine, scope="Sở Tư pháp")))
    assert scoped[-8:] == ["2023", NOT_GIVEN, NOT_GIVEN, "2", "2024", "1", "2", "0"]


def test_sample_overview_says_nothing_is_broken_down(isolated_app):
    from flask_login import login_user

    from components.basis import NONE_GIVEN
    from etl.storage import accounts
    from pages.overview import render_overview
    from web import context
    from web.auth import User

    engine = isolated_app.server.extensions[context.ENGINE_KEY]
    with isolated_app.server.test_request_context():
        login_user(User(accounts.get_account(engine, username="admin")))
        shown = text_of(render_overview("?as_of=2024-06-30"))
    assert NONE_GIVEN in shown and "20,43%" in shown


def test_a_filled_in_blank_template_is_read_back(engine, ingest):
    """The template's own columns, filled in as a unit would, store what was typed."""
    buffer = io.BytesIO()
    write_template("01", buffer)
    wb = openpyxl.load_workbook(io.BytesIO(buffer.getvalue()))
    sheet = wb["Biểu 01"]
    rows = [[c.value for c in row] for row in sheet.iter_rows(max_row=20)]
    top = next(i for i, row in enumerate(rows) if ND29 in row)
    for i, row in enumerate(rows[:top]):
        if row[0] and str(row[0]).startswith("Số liệu tính đến ngày"):
            sheet.cell(i + 1, 1, "Số liệu tính đến ngày: 31/12/2025")
    labels, years = rows[top], rows[top + 1]
    group = None
    where: dict[tuple[str, str | None], int] = {}
    for c, (label, year) in enumerate(zip(labels, years, strict=True)):
        group = label or group
        where[(group, year)] = c + 1
    first = top + 4  # the two header rows, the column numbers, then the first input row
    typed = {
        (LABELS_01["name"], None): "Sở Nội vụ",
        (LABELS_01["quota"], "Năm 2021"): 40,
        (LABELS_01["quota"], "Năm 2025"): 38,
        (LABELS_01["streamlined"], "Năm 2025"): 5,
        (ND29, "Năm 2025"): 2,
        (ND178, "Năm 2025"): 3,
    }
    for key, value in typed.items():
        sheet.cell(first, where[key], value)
    out = io.BytesIO()
    wb.save(out)
    accepted(ingest(out.getvalue()))
    assert facts(engine) == {
        ("Sở Nội vụ", "streamlined", 2025): 5,
        ("Sở Nội vụ", "nd29_154", 2025): 2,
        ("Sở Nội vụ", "nd178_67", 2025): 3,
    }
