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
from tests.builders import form01, grid_rows_request, workbook_bytes
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

    from etl.storage import accounts
    from web.auth import User

    with app.server.test_request_context():
        engine = app.server.extensions["tgbc_engine"]
        login_user(User(accounts.get_account(engine, username="admin")))
        yield app


def test_overview_shows_the_seed_figures(request_ctx):
    from pages.overview import render_overview

    shown = text_of(render_overview(AS_OF))
    for figure in ("1.860", "1.841", "20,43%", "1,02%", "20.734", "1.694", "1.320", "374"):
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
    from etl.measures.query import View, parse_view

    view = parse_view("?as_of=2024-06-30&district=C%E1%BB%9D+%C4%90%E1%BB%8F&pending=0")
    assert view.district == "Cờ Đỏ" and not view.include_pending
    assert parse_view(view.to_query()) == view
    assert View().to_query() == ""


def test_units_view_serves_its_grid_a_page_at_a_time(request_ctx):
    from pages.units import render_units

    children = render_units(AS_OF, "nguoi_lam_viec", "district")
    grid, export = children[-1].children.children  # the grid and its «Tải Excel»
    assert "Tải Excel" in text_of(export)
    assert grid.rowModelType == "infinite" and not getattr(grid, "rowData", None)
    assert grid.id == {"type": "units-grid", "measure": "nguoi_lam_viec", "search": AS_OF}
    gap = next(c for c in grid.columnDefs if c["field"] == "gap")
    assert gap["sort"] == "desc"
    name = next(c for c in grid.columnDefs if c["field"] == "name")
    assert name["cellRenderer"] == "UnitLink"  # React text: no markup from data
    assert "527 đơn vị" in text_of(children[0])
    subtotals = children[1].children[1].children[0]
    assert "Cấp thành phố" in {r["district"] for r in subtotals.rowData}
    assert sum(r["units"] for r in subtotals.rowData) == 527


def test_warm_builds_the_dataset_and_the_default_overview_before_any_visitor(isolated_app):
    """What `python app.py` and each gunicorn worker do before serving: afterwards the first
    overview of the default view is answered from what was kept."""
    from app import warm
    from etl.measures import cache
    from web import context

    server = isolated_app.server
    fresh = server.extensions[context.CACHE_KEY] = cache.DatasetCache()
    warm(server)
    ds = fresh.get(server.extensions[context.ENGINE_KEY])
    built = {key[1]: len(value) for key, value in ds.memo.items() if key[0] == "lru"}
    assert built.get("summary") and built.get("chart") and built.get("owing")
    kept = {family: dict(ds.memo[("lru", family)]) for family in ("summary", "chart")}
    with as_admin(isolated_app):
        from pages.overview import render_overview

        assert text_of(render_overview(""))  # the first visitor's overview
    for family, entries in kept.items():
        assert dict(ds.memo[("lru", family)]) == entries, family  # nothing more was built


def test_units_view_of_a_filter_that_leaves_no_unit(request_ctx):
    """A combination that leaves no unit (education and chi cục) is explained, not an error
    (found by the benchmark's random filter combinations)."""
    from pages.units import render_units

    search = AS_OF + "&sector=Giáo+dục+và+Đào+tạo&kind=chi_cuc&pending=0"
    shown = text_of(render_units(search, "nguoi_lam_viec", "district"))
    assert "units-empty" in shown and "Không có đơn vị" in shown


def _page(measure: str, request: dict) -> dict:
    import datetime as dt

    from components.units import units_grid_page
    from etl.measures.query import ResolvedView
    from web.context import dataset

    return units_grid_page(dataset(), ResolvedView(dt.date(2024, 6, 30)), measure, request)


def test_units_rows_are_sorted_and_paged_over_every_unit(request_ctx):
    import datetime as dt

    from etl.measures import analysis
    from etl.measures.query import ResolvedView
    from web.context import dataset

    table = analysis.unit_table(dataset(), ResolvedView(dt.date(2024, 6, 30)))
    table = table[table["measure"] == "nguoi_lam_viec"]
    by_gap = [{"colId": "gap", "sort": "desc"}]
    first = _page("nguoi_lam_viec", {"startRow": 0, "endRow": 100, "sortModel": by_gap})
    last = _page("nguoi_lam_viec", {"startRow": 500, "endRow": 600, "sortModel": by_gap})
    assert first["rowCount"] == last["rowCount"] == len(table) == 527
    assert len(first["rowData"]) == 100 and len(last["rowData"]) == 27
    gaps = [r["gap"] for r in first["rowData"] + last["rowData"] if r["gap"] is not None]
    assert gaps == sorted(gaps, reverse=True) and gaps[0] == table["gap"].max()
    assert last["rowData"][-1]["gap"] is None or table["gap"].isna().sum() == 0  # blanks last
    assert set(first["rowData"][0]) == {
        "unit_id", "name", "kind_label", "district", "sector", "baseline", "current", "reduced",
        "reduced_pct", "pending", "target", "gap", "pct_of_target", "missing_years",
        "job_position",
    }  # fmt: skip


def test_units_rows_filter_without_diacritics_and_sort_the_vietnamese_way(request_ctx):
    from components.grids import fold

    contains = {"name": {"filterType": "text", "type": "contains", "filter": "so noi VU"}}
    got = _page("cong_chuc", {"startRow": 0, "endRow": 100, "filterModel": contains})
    assert [r["name"] for r in got["rowData"]] == ["Sở Nội vụ"] and got["rowCount"] == 1
    by_name = _page("cong_chuc", {"startRow": 0, "endRow": 1000,
                                  "sortModel": [{"colId": "name", "sort": "asc"}]})  # fmt: skip
    names = [r["name"] for r in by_name["rowData"]]
    assert names == sorted(names, key=fold) and names != sorted(names)  # Đ among the D's
    assert fold("Ủy ban nhân dân Quận Ninh Kiều") == "uy ban nhan dan quan ninh kieu"


@pytest.mark.parametrize(
    ("model", "check"),
    [
        ({"filterType": "number", "type": "greaterThan", "filter": 100}, lambda v: v > 100),
        ({"filterType": "number", "type": "inRange", "filter": 10, "filterTo": 20},
         lambda v: 10 <= v <= 20),
        ({"filterType": "number", "operator": "OR", "conditions": [
            {"filterType": "number", "type": "lessThan", "filter": 5},
            {"filterType": "number", "type": "greaterThanOrEqual", "filter": 300}]},
         lambda v: v < 5 or v >= 300),
        ({"filterType": "number", "type": "blank"}, lambda v: v != v),  # NaN
        ({"filterType": "number", "type": "greaterThan", "filter": None}, None),  # unfinished
    ],
)  # fmt: skip
def test_units_rows_number_filters(request_ctx, model, check):
    import datetime as dt

    from etl.measures import analysis
    from etl.measures.query import ResolvedView
    from web.context import dataset

    table = analysis.unit_table(dataset(), ResolvedView(dt.date(2024, 6, 30)))
    baselines = table.loc[table["measure"] == "nguoi_lam_viec", "baseline"].tolist()
    got = _page("nguoi_lam_viec", {"endRow": 1000, "filterModel": {"baseline": model}})
    if check is None:  # a filter still being typed keeps every row
        assert got["rowCount"] == len(baselines)
        return
    assert 0 < got["rowCount"] == sum(bool(check(v)) for v in baselines) < len(baselines)
    assert all(check(float("nan") if r["baseline"] is None else r["baseline"])
               for r in got["rowData"])  # fmt: skip


def test_units_rows_refuse_unknown_columns(request_ctx):
    with pytest.raises(ValueError):
        _page("nguoi_lam_viec", {"filterModel": {"password": {"type": "contains", "filter": "x"}}})
    with pytest.raises(ValueError):
        _page("nguoi_lam_viec", {"sortModel": [{"colId": "__class__", "sort": "asc"}]})


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

    shown = text_of(render_tracker(AS_OF, None))  # the period of the view's cut-off
    assert "Kỳ «6 tháng đầu năm 2024»" in shown and "Đã duyệt:" in shown
    assert "Tải danh sách đơn vị còn nợ (Excel)" in shown  # the admin may remind
    owing = text_of(render_tracker(AS_OF + "&trang_thai=owing", None))
    assert "Đơn vị còn nợ báo cáo (" in owing


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


def test_upload_good_file_waits_for_review_then_changes_the_figures(isolated_app):
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
    message, _, submitted = on_confirm(1, staged)
    assert "Đã nhận 1 tệp, đang chờ Sở Nội vụ duyệt" in text_of(message)
    assert "sua_so_noi_vu.xlsx" in text_of(submitted) and "Chờ duyệt" in text_of(submitted)
    assert text_of(render_overview(AS_OF)) == before  # waiting: nothing counts yet
    _approve_waiting()
    after = text_of(render_overview(AS_OF))
    assert after != before and "1.841" not in after


def test_upload_reads_the_file_once_and_stores_it_on_confirm(isolated_app, monkeypatch):
    """«Lưu» stores what the check read (kept under DATA_DIR by sha256, account and mapping):
    the file is read once; a staged file whose bytes changed since is read again."""
    from etl.ingest import load
    from pages import upload

    reads = []
    real = load._read_upload
    monkeypatch.setattr(load, "_read_upload", lambda *a, **k: reads.append(1) or real(*a, **k))
    good = workbook_bytes(form01([[1, "Sở Nội vụ", None, None, None, 31]], title=[["Biểu số 01"]]))
    other = workbook_bytes(form01([[1, "Sở Nội vụ", None, None, None, 32]], title=[["Biểu số 01"]]))
    with as_admin(isolated_app):
        _, staged, _ = upload.on_upload([_upload(good)], ["mot_lan.xlsx"])
        assert staged[0]["status"] == "checked" and len(reads) == 1
        message, _, _ = upload.on_confirm(1, staged)
        assert "Đã nhận 1 tệp" in text_of(message) and len(reads) == 1  # not read again
        _, staged, _ = upload.on_upload([_upload(other)], ["khac.xlsx"])
        assert len(reads) == 2
        upload._staged(staged[0]["sha256"]).write_bytes(  # its bytes changed since the check
            workbook_bytes(form01([[1, "Sở Nội vụ", None, None, None, 33]]))
        )
        message, _, _ = upload.on_confirm(1, staged)
        assert len(reads) == 3  # another sha256: the check's read is not used
        assert "Đã nhận 1 tệp" in text_of(message)


def _approve_waiting() -> None:
    """A reviewer approves every waiting return (the real review path)."""
    from etl.storage import reviews
    from web import context

    with context.engine().begin() as conn:
        for row in reviews.queue(conn, status="cho_duyet"):
            reviews.approve(conn, row.id, "duyet")


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


@pytest.mark.parametrize(
    "query",
    [
        "?as_of=30-06-2024",
        "?scope=Kh%C3%B4ng+c%C3%B3",
        "?kind=abc",
        "?province=T%E1%BB%89nh+H%E1%BA%ADu+Giang",  # the sample holds one province
    ],
)
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
    from etl.measures import analysis, metrics
    from etl.measures.query import ResolvedView
    from reporting.figures import make_path_figure

    ds = request_ctx.server.extensions["tgbc_cache"].get(
        request_ctx.server.extensions["tgbc_engine"]
    )
    import datetime as dt

    as_of = dt.date(2024, 6, 30)
    summary = metrics.summary(ds, as_of)
    path = analysis.yearly_path(ds, ResolvedView(as_of), "cong_chuc", summary["cong_chuc"])
    fig = make_path_figure(path, "cong_chuc")
    assert fig.layout.separators == ",."
    assert "Noto Sans" in fig.layout.font.family
    assert path.years == [2021, 2022, 2023, 2024]
    assert path.actual[0] == 1860 and path.actual[-1] == summary["cong_chuc"]["current"] == 1841
    assert path.on_track is False


def test_charts_are_built_once_per_dataset_and_view(request_ctx):
    import dataclasses
    import datetime as dt

    from etl.measures import metrics
    from etl.measures.query import ResolvedView, View
    from reporting.charts import ChartContext, build_chart
    from web.context import dataset

    ds = dataset()

    def ctx(day: dt.date, pending: bool = True) -> ChartContext:
        return ChartContext(
            ds, metrics.summary(ds, day), ResolvedView(day, include_pending=pending)
        )

    june, july = dt.date(2024, 6, 30), dt.date(2024, 7, 31)
    first = build_chart("lo-trinh-cong-chuc", ctx(june))
    assert build_chart("lo-trinh-cong-chuc", ctx(june)) is first
    assert build_chart("lo-trinh-cong-chuc", ctx(july)) is not first
    assert build_chart("lo-trinh-cong-chuc", ctx(june, pending=False)) is not first
    # a view asked differently but resolved alike shares the chart
    asked = ResolvedView(june, asked=View(as_of=june, scope="Toàn thành phố"))
    assert build_chart("lo-trinh-cong-chuc", ChartContext(ds, ctx(june).summary, asked)) is first
    after_upload = dataclasses.replace(ds, memo={})  # a new Dataset starts with no memo
    again = ChartContext(after_upload, ctx(june).summary, ResolvedView(june))
    assert build_chart("lo-trinh-cong-chuc", again) is not first
    with pytest.raises(KeyError):
        build_chart("khong-co", ctx(june))


def test_units_rows_callback_answers_bad_requests_with_nothing(app):
    client = app.server.test_client()
    headers = {"X-CSRFToken": login(client)}
    grid = {"type": "units-grid", "measure": "cong_chuc", "search": AS_OF}
    unknown = {"filterModel": {"password": {"type": "contains", "filter": "x"}}}
    got = client.post("/_dash-update-component", json=grid_rows_request(grid, unknown),
                      headers=headers)  # fmt: skip
    (rows,) = got.get_json()["response"].values()
    assert rows["getRowsResponse"] == {"rowData": [], "rowCount": 0}
    other = {**grid, "measure": "luong"}  # no such measure: no answer at all
    got = client.post("/_dash-update-component", json=grid_rows_request(other, {}),
                      headers=headers)  # fmt: skip
    assert got.status_code == 204
