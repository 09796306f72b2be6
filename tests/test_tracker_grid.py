"""The tracker's units grid is served a page at a time (a national period lists 50.000 units,
35 MB when sent whole): the page carries no rows, the grid asks the server for each page with
its filter and sort, an uploader gets its own units only whatever the grid's id says, and
«Tải Excel» writes every unit the filter keeps, not the page shown."""

from __future__ import annotations

import base64
import io
import json
import re

import openpyxl

from components.grids import fold
from tests.builders import grid_rows_request
from tests.conftest import login
from tests.test_app import text_of
from tests.test_upload_scope import PASSWORD, make_accounts

VIEW = "?as_of=2024-06-30"


def _content(client, headers, search: str) -> str:
    body = {
        "output": "tracker-content.children",
        "outputs": {"id": "tracker-content", "property": "children"},
        "inputs": [
            {"id": "url", "property": "search", "value": search},
            {"id": "tracker-period", "property": "value", "value": None},
        ],
        "changedPropIds": ["url.search"],
        "state": [],
    }
    got = client.post("/_dash-update-component", json=body, headers=headers)
    assert got.status_code == 200
    return json.dumps(got.get_json(), ensure_ascii=False)


def _grid(shown: str) -> dict:
    """The id of the units grid in a rendered tracker."""
    found = re.search(r'"id": (\{"type": "tracker-units"[^}]*\})', shown)
    assert found, shown[:500]
    return json.loads(found.group(1))


def _rows(client, headers, grid: dict, request: dict) -> dict:
    got = client.post(
        "/_dash-update-component", json=grid_rows_request(grid, request), headers=headers
    )
    assert got.status_code == 200
    (answer,) = got.get_json()["response"].values()
    return answer["getRowsResponse"]


def _count(pattern: str, text: str) -> int:
    return int(re.search(pattern, text).group(1).replace(".", ""))


def test_the_tracker_sends_its_units_a_page_at_a_time(sample_app):
    client = sample_app.server.test_client()
    headers = {"X-CSRFToken": login(client)}
    shown = _content(client, headers, VIEW)
    assert (
        '"rowModelType": "infinite"' in shown
        and '"rowData"' not in shown.split("tracker-submissions")[0]
    )
    total = _count(r"Đơn vị phải báo cáo \(([\d.]+)\)", shown)
    approved = _count(r"Đã duyệt: ([\d.]+)", shown)
    assert total > 100  # more than a page: the sample's units at mid-2024
    grid = _grid(shown)
    first = _rows(client, headers, grid, {"startRow": 0, "endRow": 100})
    assert first["rowCount"] == total and len(first["rowData"]) == 100
    assert set(first["rowData"][0]) == {
        "name", "district", "form", "state_label", "submitted", "submitted_by", "late_vi",
        "overdue_vi", "comment", "accounts",
    }  # fmt: skip
    pages = [
        _rows(client, headers, grid, {"startRow": start, "endRow": start + 100})["rowData"]
        for start in range(0, total, 100)
    ]
    assert [len(p) for p in pages] == [100] * (total // 100) + [total % 100]
    keys = [(r["name"], r["district"]) for p in pages for r in p]
    assert len(set(keys)) == len(keys) == total  # every unit once over the pages
    # filtered and sorted on the server, over every unit of the view
    wanted = {"state_label": {"filterType": "text", "type": "equals", "filter": "da duyet"}}
    by_name = [{"colId": "name", "sort": "desc"}]
    kept = _rows(
        client, headers, grid, {"startRow": 0, "endRow": 100, "filterModel": wanted,
                                "sortModel": by_name},
    )  # fmt: skip
    assert kept["rowCount"] == approved
    assert {r["state_label"] for r in kept["rowData"]} == {"Đã duyệt"}
    names = [r["name"] for r in kept["rowData"]]
    assert len(names) > 1 and names == sorted(names, key=fold, reverse=True)
    owing = _content(client, headers, VIEW + "&trang_thai=owing")
    listed = _rows(client, headers, _grid(owing), {"startRow": 0, "endRow": 100})
    assert listed["rowCount"] == _count(r"Đơn vị còn nợ báo cáo \(([\d.]+)\)", owing) < total
    assert {r["state_label"] for r in listed["rowData"]} <= {"Chưa nộp", "Trả lại"}
    bad = {"filterModel": {"emails": {"type": "contains", "filter": "@"}}}
    assert _rows(client, headers, grid, bad) == {"rowData": [], "rowCount": 0}


def test_an_uploader_gets_its_own_units_whatever_the_grid_id_says(isolated_app):
    make_accounts(isolated_app)
    client = isolated_app.server.test_client()
    admin_grid = _grid(_content(client, {"X-CSRFToken": login(client)}, VIEW))
    client = isolated_app.server.test_client()
    headers = {"X-CSRFToken": login(client, "donvi_a", PASSWORD)}
    rows = _rows(client, headers, admin_grid, {"startRow": 0, "endRow": 100})
    assert rows["rowCount"] == 1 and rows["rowData"][0]["name"] == "Sở Nội vụ"


def test_the_tracker_excel_holds_every_unit_its_filter_keeps(sample_app):
    client = sample_app.server.test_client()
    headers = {"X-CSRFToken": login(client)}
    shown = _content(client, headers, VIEW)
    total = _count(r"Đơn vị phải báo cáo \(([\d.]+)\)", shown)
    grid = _grid(shown)
    key = json.dumps(grid, sort_keys=True)
    meta = {"title": "Đơn vị phải báo cáo", "stem": "theo_doi_ky", "kinds": {}}

    def export(filter_model: dict) -> list[tuple]:
        query = {
            "n": 1,
            "columns": [{"field": "name", "header": "Đơn vị"},
                        {"field": "state_label", "header": "Trạng thái"}],
            "filterModel": filter_model,
            "sortModel": [{"colId": "name", "sort": "asc"}],
        }  # fmt: skip
        ids = {
            t: {"type": t, "grid": key, "table": "tracker"}
            for t in ("grid-xlsx-query", "grid-xlsx-meta", "grid-xlsx-server-file")
        }
        wild = lambda t: json.dumps(  # noqa: E731
            {"grid": ["MATCH"], "table": "tracker", "type": t}, separators=(",", ":")
        )
        body = {
            "output": f"{wild('grid-xlsx-server-file')}.data",
            "outputs": {"id": ids["grid-xlsx-server-file"], "property": "data"},
            "inputs": [{"id": ids["grid-xlsx-query"], "property": "data", "value": query}],
            "state": [{"id": ids["grid-xlsx-meta"], "property": "data", "value": meta}],
            "changedPropIds": [json.dumps(ids["grid-xlsx-query"], sort_keys=True,
                                          separators=(",", ":")) + ".data"],
        }  # fmt: skip
        got = client.post("/_dash-update-component", json=body, headers=headers)
        assert got.status_code == 200, got.get_data(as_text=True)[:300]
        (answer,) = got.get_json()["response"].values()
        sheet = openpyxl.load_workbook(io.BytesIO(base64.b64decode(answer["data"]["content"])))
        rows = list(sheet.active.iter_rows(values_only=True))
        start = next(i for i, r in enumerate(rows) if r[:2] == ("Đơn vị", "Trạng thái"))
        return [r[:2] for r in rows[start + 1 :] if r[0]]

    every = export({})
    assert len(every) == total > 100  # every unit, not the page of 100
    assert [n for n, _ in every] == sorted((n for n, _ in every), key=fold)
    some = export({"name": {"filterType": "text", "type": "contains", "filter": "truong"}})
    assert 0 < len(some) < len(every)
    assert all("trường" in n.casefold() for n, _ in some)


def test_the_tracker_page_names_the_grid_it_serves(sample_app):
    """The page's text still counts the units; the rows come with the grid's requests."""
    from pages.tracker import render_tracker

    with sample_app.server.test_request_context():
        from flask_login import login_user

        from etl.storage import accounts
        from web.auth import User

        engine = sample_app.server.extensions["tgbc_engine"]
        login_user(User(accounts.get_account(engine, username="admin")))
        shown = text_of(render_tracker(VIEW, None))
    assert "Đơn vị phải báo cáo (" in shown and '"type": "tracker-units"' in shown
