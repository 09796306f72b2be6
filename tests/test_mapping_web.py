"""The mapping step's callbacks: «Xem trước với cách ghép này» on the upload page answers any
store or dropdown content without an error, and the kept mappings on /quan-tri are for admins
only (the headless-browser walk is tests/test_browser_mapping.py)."""

from __future__ import annotations

import base64
import json

import pytest
from dash import no_update

from components.mappings_view import MAP_PREVIEW, MP_DELETE, layout_from, mapping_from
from etl.core.vocabulary import IngestStatus
from etl.reading.mapping import SKIP, header_key
from etl.storage import accounts, mappings
from tests.builders import dash_request, form01, workbook_bytes
from tests.conftest import ADMIN_PASSWORD, login
from tests.test_review_page import PASSWORD, clicked, signed_in_as


@pytest.fixture
def app(isolated_app):
    """The sample app with a viewer, an uploader and one kept mapping."""
    engine = isolated_app.server.extensions["tgbc_engine"]
    units = accounts.resolve_units(engine, ["Sở Nội vụ"])
    accounts.create_account(engine, "lanhdao", PASSWORD, "viewer")
    accounts.create_account(engine, "donvi", PASSWORD, "uploader", unit_ids=[units[0]])
    with engine.begin() as conn:
        mappings.remember(
            conn,
            owner_key="sở nội vụ",
            owner="Sở Nội vụ",
            form="01",
            entries=[("so dien thoai", "Số điện thoại", SKIP)],
            actor="donvi",
        )
    return isolated_app


def _kept(engine) -> list:
    with engine.connect() as conn:
        return mappings.list_all(conn)


def _preview_click(index=0) -> str:
    return json.dumps({"index": index, "role": MAP_PREVIEW}, separators=(",", ":"))


JUNK_ITEMS = [
    None,
    "junk",
    [],
    [{"sha256": "../../etc/passwd", "file_name": "x.xlsx", "layouts": []}],
    [{"sha256": "0" * 64, "file_name": "x.xlsx", "layouts": "junk"}],  # not staged
    [{"layouts": [{"sheet": 1, "cells": "x"}]}],
    [{"sha256": None, "layouts": [{"sheet": "Biểu 01", "form": "99", "cells": []}]}],
]


@pytest.mark.parametrize("items", JUNK_ITEMS)
def test_a_preview_of_tampered_items_changes_nothing_and_never_fails(app, items):
    from pages.upload import on_map_preview

    with signed_in_as(app, "donvi"), clicked(_preview_click()):
        got = on_map_preview(
            [1], ["name", 5, None], [{"index": 0, "sheet": 0, "col": 0}, "x", {}], items
        )
    assert got == (no_update, no_update, no_update)


def test_a_preview_reads_the_staged_file_with_the_dropdowns(app, tmp_path):
    from pages.upload import check_staged, on_map_preview, stage_files
    from web import context

    rows = [[1, "Sở Nội vụ", 45, 44, 43, 41, "Đã phê duyệt"]]
    content = workbook_bytes(form01(rows, name_label="Đơn vị thực hiện"))
    data = "data:application/octet-stream;base64," + base64.b64encode(content).decode()
    with signed_in_as(app, "donvi") as engine:
        settings = context.settings()
        queue = stage_files([data], ["ghep.xlsx"], settings)
        (item,) = check_staged(queue, engine, context.account(), settings)
        assert item["status"] == IngestStatus.REFUSED
        (layout,) = item["layouts"]
        col = next(n for n, c in enumerate(layout["cells"]) if c["text"] == "Đơn vị thực hiện")
        with clicked(_preview_click()):
            _results, items, _ = on_map_preview(
                [1], ["name"], [{"index": 0, "sheet": 0, "col": col}], [item]
            )
    assert items[0]["status"] == IngestStatus.CHECKED
    assert items[0]["mapping"] == {"Biểu 01": {header_key("Đơn vị thực hiện"): "name"}}
    assert items[0]["mapping_source"] == "given"


def test_layouts_from_the_browser_are_rebuilt_only_when_well_formed():
    cell = {"col": 1, "ref": "B9", "text": "A", "key": "a", "found": "", "target": ""}
    good = {
        "sheet": "Biểu 01",
        "form": "01",
        "header_rows": [8],
        "reporting_unit": "",
        "cells": [{**cell, "samples": []}],
        "missing": ["name"],
        "header_found": True,
        "mapped": False,
    }
    layout = layout_from(good)
    assert layout is not None and layout.cells[0].key == "a"
    bad_cell = {**cell, "samples": [], "key": 5}
    for bad in (
        None,
        {},
        {**good, "form": "99"},
        {**good, "cells": [{"col": 1}]},
        {**good, "cells": [bad_cell]},
        {**good, "extra": 1},
    ):
        assert layout_from(bad) is None
    # a choice equal to what the reader found is no mapping; others are
    assert mapping_from([layout], [(0, 0, "name"), (0, 5, "note"), (3, 0, "x")]) == {
        "Biểu 01": {"a": "name"}
    }


def test_only_an_admin_deletes_a_kept_mapping(app):
    from pages.mappings_admin import on_delete, render_mappings

    engine = app.server.extensions["tgbc_engine"]
    (kept,) = _kept(engine)
    button = json.dumps({"mapping": kept.id, "type": MP_DELETE}, separators=(",", ":"))
    with signed_in_as(app, "lanhdao"):
        assert "quản trị" in str(render_mappings("/quan-tri", 0))
        with clicked(button):
            outcome, done = on_delete([1], 0)
    assert "Chỉ quản trị viên" in str(outcome) and done is no_update
    assert _kept(engine) == [kept]
    with signed_in_as(app, "admin"):
        assert "Số điện thoại" in str(render_mappings("/quan-tri", 0))
        with clicked(json.dumps({"mapping": 2**40, "type": MP_DELETE})):
            outcome, done = on_delete([1], 0)
        assert "Không rõ" in str(outcome) and done is no_update
        with clicked(button):
            outcome, done = on_delete([1], 0)
        assert "Đã xóa cách ghép cột «Số điện thoại» của Sở Nội vụ" in str(outcome)
        assert done == 1
        with clicked(button):
            outcome, _ = on_delete([1], 1)
        assert "không còn" in str(outcome)
    assert _kept(engine) == []
    actions = [e["action"] for e in accounts.read_audit(engine)]
    assert "mapping.deleted" in actions


LIST = dash_request(
    "mappings-list.children", [("admin-url", "pathname", "/quan-tri"), ("mappings-done", "data", 0)]
)


@pytest.mark.parametrize(
    ("username", "password", "status"),
    [("donvi", PASSWORD, 403), ("lanhdao", PASSWORD, 403), ("admin", ADMIN_PASSWORD, 200)],
)
def test_only_admins_may_list_kept_mappings(app, username, password, status):
    app.server.test_client().get("/login")  # Dash builds its callback map on a first request
    client = app.server.test_client()
    token = login(client, username, password)
    got = client.post("/_dash-update-component", json=LIST, headers={"X-CSRFToken": token})
    assert got.status_code == status, got.get_data(as_text=True)[:200]
    if status == 200:
        assert "Số điện thoại" in json.dumps(got.get_json(), ensure_ascii=False)
