"""Unit attributes a return sets are `unit_revision` rows, shown with the return: a waiting
return that moves a unit to another sector, adds a unit in another district or closes a unit
(Biểu 03) changes nothing a viewer sees (summaries by district and sector, subtotals, the unit
list) until it is approved; a returned one never does. The review diff lists the attributes.
Migration 0005 from 0004 with data, and back. On SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pandas as pd
import pytest
from alembic import command
from sqlalchemy import Engine, inspect, text

from components.review_view import make_diff
from etl import cli, service
from etl.measures import analysis
from etl.measures.cache import DatasetCache, load_dataset
from etl.measures.query import ResolvedView
from etl.measures.review_diff import review_diff
from etl.storage import db
from tests.builders import (
    LABELS_02,
    SN,
    city_targets,
    events_return,
    form02,
    units_return,
    workbook_bytes,
)
from tests.test_app import text_of
from tests.test_approved_figures import _check, set_status, upload
from tests.test_refresh import EDU, _school

AS_OF = dt.date(2024, 6, 30)
HEALTH = "Y tế"
HOSPITAL = ["Bệnh viện", HEALTH, "Sở Y tế", 300, 290, 280, 270, 10, "Đã phê duyệt"]
FIRST = [
    _school("Trường A", 30, 30, None, None, None, "Đã phê duyệt"),
    _school("Trường C", 40, 40, 85, 80, 3, "Đã phê duyệt"),
    _school("Trường D", 25, 25, 24, 23, None, None, owner="UBND quận Bình Thủy"),
    HOSPITAL,
]
# the same figures for Trường C, in another sector; a new unit in a district not known yet
MOVED = [
    ["Trường C", HEALTH, "UBND quận Ninh Kiều", 40, 40, 85, 80, 3, "Đã phê duyệt"],
    _school("Trường K", None, None, 12, 11, None, "Đã phê duyệt", owner="UBND quận Cái Răng"),
]
CLOSED = [["15/03/2024", "QĐ 9", "Giải thể", "Trường D", None, SN, EDU]]
RETURNED = [["Trường A", "Văn hóa", "UBND quận Ninh Kiều", 30, 30, None, None, None, None]]
SCOPES = (None, "Quận Ninh Kiều", "Quận Bình Thủy", EDU, HEALTH, "Trường C")


def what_a_viewer_sees(engine: Engine, figures: str = "approved") -> dict[str, Any]:
    """Summaries by district and sector (and of a unit), subtotals of the unit table by
    district and sector, and the unit list with its attributes."""
    seen: dict[str, Any] = {}
    unreviewed = figures == "all"
    for scope in SCOPES:
        seen[f"summary {scope}"] = service.summary(
            engine, scope=scope, as_of=AS_OF, include_unreviewed=unreviewed
        )
    ds = load_dataset(engine, figures=figures)
    table = analysis.unit_table(ds, ResolvedView(AS_OF))
    for by in ("district", "sector"):
        seen[f"by {by}"] = analysis.subtotals(table, by).astype(str).to_dict("records")
    columns = ["name", "district", "parent", "sector", "valid_from", "valid_to"]
    seen["units"] = [
        {c: None if pd.isna(v) else str(v) for c, v in row.items()}
        for row in ds.units[columns].to_dict("records")
    ]
    return seen


def _unit(seen: dict[str, Any], name: str) -> dict[str, Any] | None:
    return next((u for u in seen["units"] if u["name"] == name), None)


def test_unit_changes_are_shown_only_once_approved(
    engine: Engine,
    ingest: Callable[..., Any],
    refreshes: list[int],
    capsys: pytest.CaptureFixture[str],
) -> None:
    cache = DatasetCache()
    upload(ingest, engine, city_targets(), "00.xlsx")
    upload(ingest, engine, units_return(FIRST), "02.xlsx")
    _check(cache, engine)
    before = what_a_viewer_sees(engine)
    assert _unit(before, "Trường C")["sector"] == EDU
    assert _unit(before, "Trường D")["valid_to"] is None

    moved = upload(ingest, engine, units_return(MOVED), "02b.xlsx", "cho_duyet")
    closed = upload(ingest, engine, events_return(CLOSED), "03.xlsx", "cho_duyet")
    returned = upload(ingest, engine, units_return(RETURNED), "02c.xlsx", "cho_duyet")
    set_status(engine, returned, "tra_lai", comment="Sai lĩnh vực")
    _check(cache, engine)
    with engine.connect() as conn:  # unit rows hold no attribute a return set: revisions do
        stored = conn.execute(text("SELECT sector, parent, valid_to FROM unit")).all()
    assert {tuple(r) for r in stored} == {(None, None, None)}
    assert what_a_viewer_sees(engine) == before  # waiting and returned: nothing moves
    with pytest.raises(ValueError):  # a district only a waiting return knows is not there
        service.summary(engine, scope="Quận Cái Răng", as_of=AS_OF)

    every = what_a_viewer_sees(engine, "all")  # with the waiting returns
    assert _unit(every, "Trường C")["sector"] == HEALTH
    assert _unit(every, "Trường D")["valid_to"] == "2024-03-15"
    assert _unit(every, "Trường K")["district"] == "Quận Cái Răng"
    assert _unit(every, "Trường A")["sector"] == EDU  # the returned one: never
    assert every["summary Y tế"] != before["summary Y tế"]
    assert every["by sector"] != before["by sector"]

    # what approving would change, unit attributes included
    diff = review_diff(engine, moved)
    changes = {(c.unit_name, c.field): (c.old, c.new, c.new_unit) for c in diff.unit_changes}
    assert changes[("Trường C", "sector")] == (EDU, HEALTH, False)
    assert changes[("Trường K", "parent")] == (None, "UBND quận Cái Răng", True)
    assert ("Trường C", "parent") not in changes  # given as it is: no change
    assert {c.cell for c in diff.unit_changes if c.unit_name == "Trường C"} == {"B7"}  # its name
    shown = text_of(make_diff(diff))  # the review page
    assert "Thông tin đơn vị thay đổi nếu duyệt" in shown
    assert "Lĩnh vực" in shown and "Đơn vị mới" in shown and "Biểu 02!B7" in shown
    url = engine.url.render_as_string(hide_password=False)
    assert cli.main(["review", "show", str(moved), "--db", url]) == 0
    printed = capsys.readouterr().out
    assert f"Trường C | Lĩnh vực: {EDU} → {HEALTH} (Biểu 02!B7)" in printed
    assert "Trường K (đơn vị mới) | Cơ quan chủ quản: (trống) → UBND quận Cái Răng" in printed
    closing = review_diff(engine, closed).unit_changes
    assert [(c.unit_name, c.field, c.old, c.new) for c in closing] == [
        ("Trường D", "valid_to", None, "2024-03-15")
    ]
    assert "Ngày kết thúc hoạt động" in text_of(make_diff(review_diff(engine, closed)))
    assert "15/03/2024" in text_of(make_diff(review_diff(engine, closed)))

    set_status(engine, moved, "da_duyet")
    set_status(engine, closed, "da_duyet")  # the latest: refreshed from its rows alone
    _check(cache, engine)
    approved = what_a_viewer_sees(engine)
    assert _unit(approved, "Trường C")["sector"] == HEALTH
    assert _unit(approved, "Trường D")["valid_to"] == "2024-03-15"
    assert _unit(approved, "Trường A")["sector"] == EDU
    assert approved["summary Y tế"] != before["summary Y tế"]
    assert approved["by district"] != before["by district"]
    assert service.summary(engine, scope="Quận Cái Răng", as_of=AS_OF)["scope"]
    assert {k: v for k, v in approved.items()} == {
        k: v | {"figures": "approved"} if k.startswith("summary") else v
        for k, v in what_a_viewer_sees(engine, "all").items()
    }
    assert review_diff(engine, moved).unit_changes == diff.unit_changes  # against the others


def test_an_event_sector_fills_only_an_empty_sector_in_order(
    engine: Engine, ingest: Callable[..., Any]
) -> None:
    """A unit founded by an event with a sector gets it only while it has none: the sector of
    a return approved before stays, one approved later replaces it."""
    upload(ingest, engine, units_return(FIRST), "02.xlsx")
    founded = [
        ["01/02/2024", "QĐ 7", "Thành lập mới", None, "Trường M", SN, "Văn hóa"],
        ["01/02/2024", "QĐ 8", "Thành lập mới", None, "Trường A", SN, "Văn hóa"],
    ]
    upload(ingest, engine, events_return(founded), "03.xlsx")
    sectors = dict(load_dataset(engine).units[["name", "sector"]].itertuples(index=False))
    assert sectors["Trường M"] == "Văn hóa"
    assert sectors["Trường A"] == EDU  # had one
    later = [_school("Trường M", None, None, 5, 5, None, "Đã phê duyệt")]
    upload(ingest, engine, units_return(later), "02b.xlsx")
    sectors = dict(load_dataset(engine).units[["name", "sector"]].itertuples(index=False))
    assert sectors["Trường M"] == EDU


# ---------------------------------------------------------------- migration 0005


def _alembic(engine: Engine, revision: str, *, down: bool = False) -> None:
    with engine.begin() as conn:
        cfg = db.alembic_config(engine.url.render_as_string(hide_password=False))
        cfg.attributes["connection"] = conn
        (command.downgrade if down else command.upgrade)(cfg, revision)


def test_upgrade_from_0004_with_data_and_back(engine: Engine, ingest: Callable[..., Any]) -> None:
    """Returns stored under 0004 (here: stored, then the schema taken down to 0004, which folds
    the approved revisions into `unit` and drops the waiting ones') show the same after the
    upgrade, and new returns are revised as usual."""
    upload(ingest, engine, city_targets(), "00.xlsx")
    upload(ingest, engine, units_return(FIRST), "02.xlsx")
    upload(ingest, engine, units_return(MOVED), "02b.xlsx")
    waiting = upload(ingest, engine, events_return(CLOSED), "03.xlsx", "cho_duyet")
    seen = what_a_viewer_sees(engine)
    _alembic(engine, "0004", down=True)
    with engine.connect() as conn:
        units = {
            r.name: (r.sector, r.parent, r.valid_to)
            for r in conn.execute(text("SELECT name, sector, parent, valid_to FROM unit"))
        }
        assert "unit_revision" not in inspect(conn).get_table_names()
    assert units["Trường C"][0] == HEALTH  # folded: approved
    assert units["Trường K"][1] == "UBND quận Cái Răng"
    assert units["Trường D"][2] is None  # the waiting closure is not folded
    _alembic(engine, "head")
    assert db.schema_is_current(engine)
    assert what_a_viewer_sees(engine) == seen
    with engine.connect() as conn:
        assert conn.execute(text("SELECT COUNT(*) FROM unit_revision")).scalar_one() == 0
    # the data_change triggers: a revision for an older submission is logged
    with engine.begin() as conn:
        before = conn.execute(text("SELECT COUNT(*) FROM data_change")).scalar_one()
        conn.execute(
            text(
                "INSERT INTO unit_revision (submission_id, unit_id, field, value, sheet, cell)"
                " SELECT MIN(s.id), MIN(u.id), 'sector', 'Khác', 'x', 'A1'"
                " FROM submission s, unit u"
            )
        )
        after = conn.execute(text("SELECT COUNT(*) FROM data_change")).scalar_one()
    assert after == before + 1
    set_status(engine, waiting, "da_duyet")  # its event's dates: replayed from the event
    assert _unit(what_a_viewer_sees(engine), "Trường D")["valid_to"] == "2024-03-15"


def test_a_unit_read_again_keeps_its_approved_attributes(
    engine: Engine, ingest: Callable[..., Any], refreshes: list[int]
) -> None:
    """A code a waiting return gives a known unit is written on its row at once (identity):
    the cached Datasets read that row again and overlay its revisions again, equal to a full
    load."""
    cache = DatasetCache()
    upload(ingest, engine, units_return(FIRST), "02.xlsx")
    upload(ingest, engine, units_return(MOVED), "02b.xlsx")
    _check(cache, engine)
    coded = form02(
        [[1, "Trường C", "TC-01", HEALTH, 40, 80, None, "Đã phê duyệt", None]],
        columns=(LABELS_02["code"], LABELS_02["sector"]),
    )
    upload(ingest, engine, workbook_bytes(coded), "02c.xlsx", "cho_duyet")
    with engine.connect() as conn:  # the approved sector again: no revision
        latest = "(SELECT MAX(id) FROM submission)"
        count = f"SELECT COUNT(*) FROM unit_revision WHERE submission_id = {latest}"
        assert conn.execute(text(count)).scalar_one() == 0
    got = _check(cache, engine)
    for figures in ("approved", "all"):
        units = got[figures].units.set_index("name")
        assert units.loc["Trường C", "code"] == "TC-01"
        assert units.loc["Trường C", "sector"] == HEALTH
