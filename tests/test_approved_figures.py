"""Approved figures by default: a return waiting for review changes nothing a viewer sees
(summaries of the city, a district and a unit, the unit table, the consolidated workbook, the
default cut-off) until it is approved; a returned one never does. `figures="all"` shows the
waiting ones too. On SQLite and PostgreSQL.

Returns are stored waiting and reviewed through `etl.storage.reviews` (`set_status`)."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable
from typing import Any

import openpyxl
import pandas as pd
import pytest
from sqlalchemy import Engine, text

from etl import service
from etl.core.vocabulary import PeriodState, ReviewStatus
from etl.measures import analysis
from etl.measures.cache import DatasetCache, load_dataset
from etl.measures.query import ResolvedView, View, parse_view
from etl.storage import db, periods, reviews
from reporting import exports
from tests.builders import SN, city_targets, events_return, units_return
from tests.test_refresh import EDU, _school, assert_same

AS_OF = dt.date(2024, 6, 30)
SCOPES = (None, "Quận Ninh Kiều", "Trường C")


def set_status(engine: Engine, submission_id: int, *statuses: str, comment: str = "") -> None:
    """Review a waiting submission through the review path: `da_duyet` approves it, `tra_lai`
    returns it with `comment` (`cho_duyet`: it stays waiting)."""
    with engine.begin() as conn:
        for status in statuses:
            if status == ReviewStatus.DA_DUYET:
                reviews.approve(conn, submission_id, "duyet")
            elif status == ReviewStatus.TRA_LAI:
                reviews.return_(conn, submission_id, "duyet", comment or "Trả lại")


def upload(ingest: Callable[..., Any], engine: Engine, content: bytes, name: str, *statuses):
    """Store a return waiting for review, then review it (`statuses`, default: approve)."""
    result = ingest(content, name, approve=False)
    assert result.status == "accepted", result.problems
    set_status(engine, result.submission_id, *(statuses or (ReviewStatus.DA_DUYET,)))
    return result.submission_id


FIRST = [
    _school("Trường A", 30, 30, None, None, None, "Đã phê duyệt"),
    _school("Trường B", 20, 20, None, None, None, "Đã phê duyệt"),
    _school("Trường C", 40, 40, 85, 80, 3, "Đã phê duyệt"),
    _school("Trường D", 25, 25, None, None, None, None, owner="UBND quận Bình Thủy"),
]
EVENTS = [["01/08/2023", "QĐ 1", "Sáp nhập", "Trường A; Trường B", "Trường C", SN, EDU]]
CHANGED = [  # changes C (2021 too), adds a unit
    _school("Trường C", 41, 40, 84, 79, 2, "Đã phê duyệt"),
    _school("Trường H", None, None, 12, 11, None, "Đã phê duyệt"),
]
MERGER = [["01/03/2024", "QĐ 8", "Sáp nhập", "Trường D", "Trường C", SN, EDU]]
RETURNED = [_school("Trường C", 99, 99, 99, 99, 9, "Đã phê duyệt")]


def _approved_base(ingest: Callable[..., Any], engine: Engine) -> None:
    upload(ingest, engine, city_targets(), "00.xlsx")
    upload(ingest, engine, units_return(FIRST), "02.xlsx")
    upload(ingest, engine, events_return(EVENTS), "03.xlsx")


def _workbook_text(content: bytes) -> str:
    wb = openpyxl.load_workbook(io.BytesIO(content))
    return "\n".join(
        " | ".join("" if v is None else str(v) for v in row)
        for ws in wb.worksheets
        for row in ws.iter_rows(values_only=True)
    )


def what_a_viewer_sees(engine: Engine, **view: Any) -> dict[str, Any]:
    """Summaries (default cut-off and 30/06/2024; city, district, unit), the unit table and
    the consolidated workbook."""
    seen: dict[str, Any] = {}
    for scope in SCOPES:
        for as_of in (None, AS_OF):
            seen[f"summary {scope} {as_of}"] = service.summary(
                engine, scope=scope, as_of=as_of, **view
            )
    figures = "all" if view.get("include_unreviewed") else "approved"
    ds = load_dataset(engine, figures=figures)
    table = analysis.unit_table(ds, ResolvedView(AS_OF))
    seen["unit table"] = table.astype(str).to_dict("records")  # NaN equal to NaN
    seen["units"] = ds.units[["id", "name", "valid_from", "valid_to"]].to_dict("records")
    made = exports.export("tonghop", "xlsx", View(**view), actor="test", engine=engine)
    seen["tonghop"] = _workbook_text(made.content)
    return seen


def test_waiting_changes_nothing_until_approved_returned_never(
    engine: Engine, ingest: Callable[..., Any]
) -> None:
    _approved_base(ingest, engine)
    before = what_a_viewer_sees(engine)
    assert before["summary None None"]["figures"] == "approved"
    changed = upload(ingest, engine, units_return(CHANGED), "02b.xlsx", "cho_duyet")
    merger = upload(ingest, engine, events_return(MERGER), "03b.xlsx", "cho_duyet")
    waiting = what_a_viewer_sees(engine)
    assert waiting == before
    names = set(load_dataset(engine).units["name"])
    assert "Trường H" not in names  # a unit only a waiting return knows
    # with the waiting returns
    every = what_a_viewer_sees(engine, include_unreviewed=True)
    assert every["summary None None"]["figures"] == "all"
    assert every["summary Trường C None"] != before["summary Trường C None"]
    assert "Trường H" in {u["name"] for u in every["units"]}
    ended = {u["name"]: u["valid_to"] for u in every["units"]}
    assert ended["Trường D"] == dt.date(2024, 3, 1)  # the waiting merger, in "all" only
    assert pd.isna({u["name"]: u["valid_to"] for u in before["units"]}["Trường D"])

    returned = upload(ingest, engine, units_return(RETURNED), "02c.xlsx", "cho_duyet")
    set_status(engine, returned, "tra_lai", comment="Sai số liệu")
    assert what_a_viewer_sees(engine) == before
    assert what_a_viewer_sees(engine, include_unreviewed=True) == every  # returned: never

    set_status(engine, changed, "da_duyet")
    set_status(engine, merger, "da_duyet")
    approved = what_a_viewer_sees(engine)
    assert approved["summary Trường C None"] != before["summary Trường C None"]
    assert approved["tonghop"] != before["tonghop"]
    assert approved["unit table"] != before["unit table"]
    # now the approved figures are every figure but the returned one's
    assert {k: v for k, v in approved.items() if k != "tonghop"} == {
        k: v | {"figures": "approved"} if k.startswith("summary") else v
        for k, v in every.items()
        if k != "tonghop"
    }


def test_api_and_url_views_choose_the_figures(engine: Engine) -> None:
    view = parse_view("?include_unreviewed=1&as_of=2024-06-30")
    assert view.include_unreviewed and view.figures == "all"
    assert view.to_query() == "?as_of=2024-06-30&include_unreviewed=1"
    assert parse_view("").figures == "approved"
    assert parse_view("?include_unreviewed=0").include_unreviewed is False


def _period(engine: Engine, as_of: dt.date, state: str) -> int:
    """The period of `as_of` (made when missing), closed when `state` is `dong`."""
    with engine.begin() as conn:
        period = periods.find_for_as_of(conn, as_of) or periods.add(
            conn,
            name=periods.default_name(as_of),
            as_of=as_of,
            deadline=as_of + dt.timedelta(days=15),
            actor="test",
        )
        if state == PeriodState.DONG and period.is_open:
            periods.close(conn, period.id, "test")
        return period.id


def _cut_off(engine: Engine, submission_id: int, as_of: dt.date, period_id: int | None) -> None:
    with engine.begin() as conn:
        conn.execute(
            text("UPDATE submission SET as_of = :a, period_id = :p WHERE id = :s"),
            {"a": as_of, "p": period_id, "s": submission_id},
        )


@pytest.mark.parametrize("with_periods", [True, False])
def test_a_later_waiting_return_does_not_move_the_default_cut_off(
    engine: Engine, ingest: Callable[..., Any], with_periods: bool
) -> None:
    first = upload(ingest, engine, units_return(FIRST), "02.xlsx")
    later = upload(ingest, engine, units_return(CHANGED), "02b.xlsx", "cho_duyet")
    returned = upload(ingest, engine, units_return(RETURNED), "02c.xlsx", "cho_duyet", "tra_lai")
    old, new, newest = dt.date(2023, 12, 31), dt.date(2024, 6, 30), dt.date(2024, 12, 31)
    p_old = _period(engine, old, "dong") if with_periods else None
    p_new = _period(engine, new, "mo") if with_periods else None
    p_newest = _period(engine, newest, "mo") if with_periods else None
    _cut_off(engine, first, old, p_old)
    _cut_off(engine, later, new, p_new)
    _cut_off(engine, returned, newest, p_newest)
    assert service.default_as_of(engine) == old
    assert service.summary(engine)["as_of"] == old.isoformat()
    set_status(engine, later, "da_duyet")
    assert service.default_as_of(engine) == new
    assert service.default_as_of(engine) != newest  # a returned return's date: never
    if with_periods:  # closing a period moves it too, whatever it holds
        with engine.begin() as conn:
            conn.execute(text("UPDATE period SET state = 'dong' WHERE id = :p"), {"p": p_newest})
        assert service.default_as_of(engine) == newest


def test_closing_a_period_moves_the_default_cut_off(
    engine: Engine, ingest: Callable[..., Any]
) -> None:
    first = upload(ingest, engine, units_return(FIRST), "02.xlsx")
    later = upload(ingest, engine, units_return(CHANGED), "02b.xlsx", "cho_duyet")
    p_old = _period(engine, dt.date(2023, 12, 31), "dong")
    p_new = _period(engine, AS_OF, "mo")
    _cut_off(engine, first, dt.date(2023, 12, 31), p_old)
    _cut_off(engine, later, AS_OF, p_new)
    assert service.default_as_of(engine) == dt.date(2023, 12, 31)
    with engine.begin() as conn:
        conn.execute(text("UPDATE period SET state = 'dong' WHERE id = :p"), {"p": p_new})
    assert service.default_as_of(engine) == AS_OF


# ---------------------------------------------------------------- the cache and its refreshes


def _check(cache: DatasetCache, engine: Engine) -> dict[str, Any]:
    got = {f: cache.get(engine, figures=f) for f in ("approved", "all")}
    for figures, ds in got.items():
        assert ds.version == db.data_version(engine)
        assert_same(ds, load_dataset(engine, figures=figures))
    return got


def test_cache_per_figures_refreshes_as_reviews_arrive(
    engine: Engine, ingest: Callable[..., Any], refreshes: list[int]
) -> None:
    cache = DatasetCache()
    _approved_base(ingest, engine)
    seen = _check(cache, engine)
    assert refreshes == []

    # a waiting upload: "approved" is the same Dataset (frames and memo), "all" refreshes
    service.summary_of(seen["approved"], ResolvedView(AS_OF))  # something memoised
    changed = upload(ingest, engine, units_return(CHANGED), "02b.xlsx", "cho_duyet")
    now = _check(cache, engine)
    assert now["approved"].facts is seen["approved"].facts
    assert now["approved"].units is seen["approved"].units
    assert now["approved"].memo is seen["approved"].memo and now["approved"].memo
    assert refreshes == [1]  # "all" only
    # a waiting merger (its unit updates are replayed, not read): the same again
    merger = upload(ingest, engine, events_return(MERGER), "03b.xlsx", "cho_duyet")
    again = _check(cache, engine)
    assert again["approved"].facts is seen["approved"].facts
    assert again["approved"].memo is seen["approved"].memo
    assert refreshes == [1, 1]

    # approving the latest: refreshed from its rows alone; "all" stays as it was
    set_status(engine, merger, "da_duyet")
    after = _check(cache, engine)
    assert refreshes == [1, 1, 1]
    assert after["all"].facts is again["all"].facts
    # approving an older one: a full load ("approved"), nothing new for "all"
    set_status(engine, changed, "da_duyet")
    _check(cache, engine)
    assert refreshes == [1, 1, 1]

    # a return: "approved" unchanged (same frames); "all" loads everything
    returned = upload(ingest, engine, units_return(RETURNED), "02c.xlsx", "cho_duyet")
    before_return = _check(cache, engine)
    set_status(engine, returned, "tra_lai", comment="Sai")
    final = _check(cache, engine)
    assert final["approved"].facts is before_return["approved"].facts
    assert len(final["all"].facts) == len(final["approved"].facts)


def test_an_upload_approved_at_once_refreshes_both(
    engine: Engine, ingest: Callable[..., Any], refreshes: list[int]
) -> None:
    cache = DatasetCache()
    _approved_base(ingest, engine)
    _check(cache, engine)
    upload(ingest, engine, units_return(CHANGED), "02b.xlsx")
    _check(cache, engine)
    assert refreshes == [1, 1]


def test_cli_summary_and_export_include_unreviewed_on_request(
    engine: Engine, ingest: Callable[..., Any], capsys: pytest.CaptureFixture[str], tmp_path
) -> None:
    import json

    from etl import cli

    _approved_base(ingest, engine)
    upload(ingest, engine, units_return(CHANGED), "02b.xlsx", "cho_duyet")
    url = engine.url.render_as_string(hide_password=False)
    shown = {}
    for flags in ([], ["--include-unreviewed"]):
        assert cli.main(["summary", "--json", "--scope", "Trường C", "--db", url, *flags]) == 0
        shown[bool(flags)] = json.loads(capsys.readouterr().out)
    assert shown[False]["figures"] == "approved" and shown[True]["figures"] == "all"
    assert shown[False] == service.summary(engine, scope="Trường C")
    assert shown[True] != shown[False] | {"figures": "all"}
    out = tmp_path / "d.xlsx"
    args = ["export", "data", "--out", str(out), "--db", url, "--include-unreviewed"]
    assert cli.main(args) == 0
    # the stamp every export of unreviewed figures carries (etl.measures.dataset)
    assert "Bao gồm số liệu chưa duyệt" in _workbook_text(out.read_bytes())
