"""The dashboard's callbacks, figure factories and routes, called directly (no browser)."""

from __future__ import annotations

import base64
import io
import json
from contextlib import contextmanager
from types import SimpleNamespace

import openpyxl
import pytest
from plotly.io.json import to_json_plotly

from etl import service
from tests.builders import form01, workbook_bytes
from tests.conftest import login

AS_OF = "?as_of=2024-06-30"


def text_of(component) -> str:
    """Everything a component tree would show, as one JSON string."""
    return json.dumps(json.loads(to_json_plotly(component)), ensure_ascii=False)


@pytest.fixture(scope="module")
def app(sample_app):
    return sample_app


@pytest.fixture
def request_ctx(signed_in):
    return signed_in


@contextmanager
def as_admin(app):
    """A request context with the admin signed in (the app's current database)."""
    from flask_login import login_user

    from components.auth import User
    from etl import accounts

    with app.server.test_request_context():
        engine = app.server.extensions["tgbc_engine"]
        login_user(User(accounts.get_account(engine, username="admin")))
        yield app


def test_overview_shows_the_seed_figures(request_ctx):
    from pages.overview import render_overview

    shown = text_of(render_overview(AS_OF))
    for figure in ("1.860", "1.841", "20,43%", "1,02%", "20.734", "1.694", "1.320 / 374"):
        assert figure in shown
    assert "81,7%" in shown and "8,17%" in shown
    assert "chưa đạt kế hoạch" in shown  # công chức at the current pace
    assert "Giảm 21 tổ chức bên trong: 14 phòng, 02 khoa, 05 chi nhánh." in shown


def test_overview_without_pending(request_ctx):
    from pages.overview import render_overview

    shown = text_of(render_overview(AS_OF + "&pending=0"))
    assert "1.320" in shown and "6,37%" in shown  # 1.320 / 20.734


def test_overview_by_district(request_ctx):
    from pages.overview import render_overview

    shown = text_of(render_overview(AS_OF + "&district=Cờ Đỏ"))
    assert "Cờ Đỏ" in shown and "20,43%" not in shown


def test_filters_round_trip_through_the_url(app):
    from etl.query import View, parse_view

    view = parse_view("?as_of=2024-06-30&district=C%E1%BB%9D+%C4%90%E1%BB%8F&pending=0")
    assert view.district == "Cờ Đỏ" and not view.include_pending
    assert parse_view(view.to_query()) == view
    assert View().to_query() == ""


def test_units_table_sorted_by_gap(request_ctx):
    from pages.units import render_units

    children = render_units(AS_OF, "nguoi_lam_viec", "district")
    grid = children[-1].children
    assert len(grid.rowData) == 527
    gap = next(c for c in grid.columnDefs if c["field"] == "gap")
    assert gap["sort"] == "desc"
    assert "Cấp thành phố" in text_of(children[1])


def test_unit_page_traces_figures_to_cells(request_ctx):
    from pages.unit import layout

    ds = request_ctx.server.extensions["tgbc_cache"].get(service.open_engine())
    unit_id = int(ds.units.index[ds.units["name"] == "Sở Nội vụ"][0])
    shown = text_of(layout(unit_id=str(unit_id), as_of="2024-06-30"))
    assert "Sở Nội vụ" in shown and "Biểu 01!" in shown and ".xlsx" in shown


def test_unknown_unit_page(request_ctx):
    from pages.unit import layout

    assert "Không tìm thấy đơn vị" in text_of(layout(unit_id="999999"))


def test_analysis_page(request_ctx):
    from pages.analysis import render_analysis

    shown = text_of(render_analysis(AS_OF, "nguoi_lam_viec"))
    assert "trung vị" in shown and "Y tế" in shown and "5 đơn vị còn xa chỉ tiêu nhất" in shown


def test_reorg_page(request_ctx):
    from pages.reorg import render_lineage, render_reorg

    shown = text_of(render_reorg(AS_OF))
    assert "109" in shown and "140 sự kiện" in shown
    assert "Chọn một đơn vị" in text_of(render_lineage(None))


def test_tracker_page(request_ctx):
    from pages.tracker import render_tracker

    shown = text_of(render_tracker(AS_OF, 2023))
    assert "Kỳ báo cáo năm 2023: 3 tệp đã nộp" in shown
    assert "đã được thay thế" in shown


def _upload(content: bytes) -> str:
    return "data:application/octet-stream;base64," + base64.b64encode(content).decode()


def test_upload_bad_file_names_the_cell_and_can_be_downloaded_marked(isolated_app):
    from pages.upload import on_annotate, on_upload

    with as_admin(isolated_app):
        _check_bad_upload(on_upload, on_annotate)


def _check_bad_upload(on_upload, on_annotate):
    bad = workbook_bytes(form01([[1, "Sở Nội vụ", 43, 43, "bốn hai", 42]]))
    results, staged, _ = on_upload([_upload(bad)], ["loi.xlsx"])
    shown = text_of(results)
    assert staged[0]["status"] == "refused"
    assert "E11" in shown and "bốn hai" in shown and "Bị từ chối" in shown
    from dash._callback_context import context_value

    clicked = [{"prop_id": '{"index":0,"role":"annotate"}.n_clicks', "value": 1}]
    token = context_value.set(SimpleNamespace(triggered_inputs=clicked))
    try:
        sent = on_annotate([1], staged)
    finally:
        context_value.reset(token)
    wb = openpyxl.load_workbook(io.BytesIO(base64.b64decode(sent["content"])))
    cell = wb["Biểu 01"]["E11"]
    assert cell.comment is not None and "không phải là số" in cell.comment.text
    assert sent["filename"] == "loi_danh_dau_loi.xlsx"


def test_upload_good_file_then_confirm_changes_the_figures(isolated_app):
    from pages.overview import render_overview
    from pages.upload import on_confirm, on_upload

    with as_admin(isolated_app):
        _check_good_upload(render_overview, on_confirm, on_upload)


def _check_good_upload(render_overview, on_confirm, on_upload):
    before = text_of(render_overview(AS_OF))
    good = workbook_bytes(form01([[1, "Sở Nội vụ", None, None, None, 30]], title=[["Biểu số 01"]]))
    results, staged, _ = on_upload([_upload(good)], ["sua_so_noi_vu.xlsx"])
    assert staged[0]["status"] == "checked"
    assert "Sẽ lưu 1 dòng" in text_of(results)
    assert text_of(render_overview(AS_OF)) == before  # checking stores nothing
    message, _ = on_confirm(1, staged)
    assert "Đã lưu 1 tệp" in text_of(message)
    after = text_of(render_overview(AS_OF))
    assert after != before and "1.841" not in after


def test_api_summary_is_the_cli_json(app):
    client = app.server.test_client()
    login(client)
    got = client.get("/api/v1/summary?as_of=2024-06-30")
    assert got.status_code == 200
    engine = app.server.extensions["tgbc_engine"]
    import datetime as dt

    expected = service.summary(engine, as_of=dt.date(2024, 6, 30))
    assert got.get_json() == json.loads(json.dumps(expected, default=str))
    assert list(got.get_json()) == list(expected)


@pytest.mark.parametrize("query", ["?as_of=30-06-2024", "?scope=Kh%C3%B4ng+c%C3%B3", "?kind=abc"])
def test_api_rejects_bad_parameters(app, query):
    client = app.server.test_client()
    login(client)
    got = client.get("/api/v1/summary" + query)
    assert got.status_code == 400 and "error" in got.get_json()


def test_template_route(app):
    client = app.server.test_client()
    login(client)
    got = client.get("/templates/02.xlsx")
    assert got.status_code == 200
    wb = openpyxl.load_workbook(io.BytesIO(got.data))
    assert "Biểu 02" in wb.sheetnames
    assert client.get("/templates/09.xlsx").status_code == 404


def test_path_figure_uses_vietnamese_separators(request_ctx):
    from components.figures import make_path_figure
    from etl import analysis, metrics

    ds = request_ctx.server.extensions["tgbc_cache"].get(
        request_ctx.server.extensions["tgbc_engine"]
    )
    import datetime as dt

    as_of = dt.date(2024, 6, 30)
    summary = metrics.summary(ds, as_of)
    path = analysis.yearly_path(ds, metrics.Filter(), "cong_chuc", as_of, summary["cong_chuc"])
    fig = make_path_figure(path, "cong_chuc")
    assert fig.layout.separators == ",."
    assert "Noto Sans" in fig.layout.font.family
    assert path.years == [2021, 2022, 2023, 2024]
    assert path.actual[0] == 1860 and path.actual[-1] == summary["cong_chuc"]["current"] == 1841
    assert path.on_track is False


@pytest.mark.parametrize(
    "name", ["x](javascript:alert(1))", "<img src=x onerror=alert(1)>", "Sở Y tế (1) *mới*"]
)
def test_unit_names_are_literal_text_in_the_grid(name):
    import re

    from components.units import markdown_text

    escaped = markdown_text(name)
    assert not re.search(r"(?<!\\)[\[\]()<>*]", escaped)  # every markup character escaped
    assert re.sub(r"\\(.)", r"\1", escaped) == name  # and nothing else changed
