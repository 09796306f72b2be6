"""The tracker by period: each expected unit's state (chưa nộp / chờ duyệt / trả lại / đã
duyệt), late and overdue around the deadline, the owing list, the district filter, the
overview's notice counting that same list, and the reminder workbook."""

from __future__ import annotations

import datetime as dt
import io
import json
import re

import openpyxl
from sqlalchemy import Engine

from etl.core.clock import VIETNAM
from etl.measures import tracking
from etl.measures.cache import load_dataset
from etl.measures.scoping import Filter
from etl.storage import accounts, periods
from etl.storage.tracking_reads import Coverage
from etl.writers.reminder_xlsx import owing_workbook
from tests.builders import units_return
from tests.test_approved_figures import set_status
from tests.test_refresh import _school

AS_OF = dt.date(2024, 6, 30)
DEADLINE = AS_OF + dt.timedelta(days=15)
ROWS = [
    _school("Trường A", 30, 30, None, None, None, "Đã phê duyệt"),
    _school("Trường B", 20, 20, None, None, None, "Đã phê duyệt"),
    _school("Trường C", 40, 40, 85, 80, 3, "Đã phê duyệt"),
    _school("Trường D", 25, 25, None, None, None, None, owner="UBND quận Bình Thủy"),
]


def _vn(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    """A moment in Vietnam time, stored as UTC like the database gives it back."""
    return dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=VIETNAM).astimezone(
        dt.UTC
    )


def _setup(ingest, engine: Engine):
    assert ingest(units_return(ROWS), "02.xlsx").status == "accepted"
    ds = load_dataset(engine)
    with engine.connect() as conn:
        period = periods.find_for_as_of(conn, AS_OF)
    assert period is not None and period.deadline == DEADLINE
    ids = {row.name: int(row.id) for row in ds.units.itertuples()}
    return ds, period, ids


def _cov(sub: int, unit: int, status: str, at: dt.datetime) -> Coverage:
    return Coverage(
        sub, unit, status, at, "u", f"{sub}.xlsx", "Sai số" if status == "tra_lai" else None
    )


def test_states_late_and_overdue_around_the_deadline(ingest, engine: Engine) -> None:
    ds, period, ids = _setup(ingest, engine)
    a, b, c, d = (ids[f"Trường {x}"] for x in "ABCD")
    coverage = [
        _cov(10, a, "da_duyet", _vn(DEADLINE, 23, 59)),  # on the deadline day: not late
        _cov(11, a, "tra_lai", _vn(DEADLINE, 9)),  # an earlier returned one does not count
        _cov(12, b, "cho_duyet", _vn(DEADLINE + dt.timedelta(days=1), 0, 5)),  # late
        _cov(13, c, "tra_lai", _vn(DEADLINE - dt.timedelta(days=3), 8)),
    ]
    on_day = tracking.tracker_by_period(ds, period, coverage, today=DEADLINE)
    by = on_day.set_index("unit_id")
    assert by.loc[a, "state"] == "da_duyet" and by.loc[a, "submission_id"] == 10
    assert by.loc[b, "state"] == "cho_duyet" and by.loc[c, "state"] == "tra_lai"
    assert by.loc[d, "state"] == "chua_nop"
    assert [bool(by.loc[u, "late"]) for u in (a, b, c, d)] == [False, True, False, False]
    assert not on_day["overdue"].any()  # the deadline day itself is not overdue
    assert by.loc[c, "comment"] == "Sai số" and by.loc[a, "comment"] == ""
    assert by.loc[a, "form"] == "Biểu 02"
    after = tracking.tracker_by_period(
        ds, period, coverage, today=DEADLINE + dt.timedelta(days=1)
    ).set_index("unit_id")
    assert [bool(after.loc[u, "overdue"]) for u in (a, b, c, d)] == [False, False, True, True]
    assert sorted(tracking.owing(after.reset_index())["unit_id"]) == sorted([c, d])
    counts = tracking.state_counts(after.reset_index())
    assert (counts["chua_nop"], counts["cho_duyet"], counts["tra_lai"], counts["da_duyet"]) == (
        1,
        1,
        1,
        1,
    )
    assert counts["late"] == 1 and counts["overdue"] == 2


def test_the_store_read_the_owing_list_and_the_district_filter(ingest, engine: Engine) -> None:
    ds, period, _ids = _setup(ingest, engine)
    # a waiting return for C, one returned for D: the first (approved) covers every unit
    waiting = ingest(units_return(ROWS[2:3]), "02c.xlsx", approve=False)
    returned = ingest(units_return(ROWS[3:]), "02d.xlsx", approve=False)
    set_status(engine, returned.submission_id, "tra_lai", comment="Thiếu số liệu")
    table = tracking.load_tracker(engine, ds, period, today=DEADLINE)
    assert set(table["state"]) == {"da_duyet"}  # approved beats waiting and returned
    assert tracking.owing(table).empty
    assert waiting.submission_id not in set(table["submission_id"])

    # a unit covered only by a returned return still owes
    ds2 = ds
    from etl.storage.tracking_reads import period_coverage

    with engine.connect() as conn:
        coverage = [c for c in period_coverage(conn, period.id) if c.submission_id != 1]
        coverage = [
            c
            for c in coverage
            if c.submission_id in (waiting.submission_id, returned.submission_id)
        ]
    assert {c.status for c in coverage} == {"cho_duyet", "tra_lai"}
    t = tracking.tracker_by_period(ds2, period, coverage, today=DEADLINE).set_index("name")
    assert t.loc["Trường C", "state"] == "cho_duyet"
    assert t.loc["Trường D", "state"] == "tra_lai"
    assert t.loc["Trường D", "comment"] == "Thiếu số liệu"

    districts = set(ds.units["district"].dropna())
    assert len(districts) == 2, districts
    d_district = ds.units.set_index("name").loc["Trường D", "district"]
    only = tracking.tracker_by_period(
        ds, period, coverage, today=DEADLINE, flt=Filter(district=d_district)
    )
    assert list(only["name"]) == ["Trường D"]


def test_overview_notice_counts_the_owing_list_and_links_to_it(ingest, engine: Engine) -> None:
    from components.overview import make_overview  # noqa: F401 - the notice's home
    from components.tracker_view import tracker_href

    ds, _period, _ids = _setup(ingest, engine)
    with engine.begin() as conn:
        periods.add(
            conn,
            name="Năm 2024",
            as_of=dt.date(2024, 12, 31),
            deadline=dt.date(2025, 1, 15),
            actor="t",
        )
        later = periods.find_for_as_of(conn, dt.date(2024, 12, 31))
    found = tracking.owing_for_cut_off(engine, ds, later.as_of)
    assert found is not None
    period_found, owing = found
    assert period_found.id == later.id and len(owing) == 4  # nobody has sent 2024's return
    listed = tracking.owing(tracking.load_tracker(engine, ds, later))
    assert len(owing) == len(listed)
    href = tracker_href("?district=X&ky=1", later.id, owing_only=True)
    assert href == f"/theo-doi?district=X&ky={later.id}&trang_thai=owing"


def test_owing_count_is_the_length_of_the_owing_list_for_any_filter(ingest, engine: Engine) -> None:
    """What the overview's notice counts (one mask per period and data version) is the
    length of the tracker's owing list, for every period and filter, before and after a
    return changes the states."""
    ds, _period, _ids = _setup(ingest, engine)
    with engine.begin() as conn:
        periods.add(conn, name="Năm 2024", as_of=dt.date(2024, 12, 31),
                    deadline=dt.date(2025, 1, 15), actor="t")  # fmt: skip
    district = ds.units.set_index("name").loc["Trường D", "district"]
    filters = [None, Filter(district=district), Filter(kind="don_vi_su_nghiep"),
               Filter(sector="Giáo dục và Đào tạo"), Filter(district="Không có")]  # fmt: skip

    def check(ds) -> list[int]:
        counts = []
        for as_of in (AS_OF, dt.date(2024, 12, 31)):
            for flt in filters:
                counted = tracking.owing_count_for_cut_off(engine, ds, as_of, flt)
                period, listed = tracking.owing_for_cut_off(engine, ds, as_of, flt)
                assert counted == (period, len(listed)), (as_of, flt)
                counts.append(counted[1])
        return counts

    before = check(ds)
    assert before[:5] == [0, 0, 0, 0, 0] and before[5] == 4
    returned = ingest(units_return(ROWS[3:]), "02d.xlsx", approve=False)
    set_status(engine, returned.submission_id, "tra_lai", comment="Thiếu số liệu")
    assert check(load_dataset(engine)) == before  # the approved return still decides
    assert tracking.owing_count_for_cut_off(engine, ds, dt.date(2023, 1, 1)) is None


def test_reminder_workbook_has_the_owing_units_and_e_mails(ingest, engine: Engine) -> None:
    ds, period, ids = _setup(ingest, engine)
    accounts.create_account(
        engine,
        "truong_d",
        "mat-khau-dai-du-12",
        "uploader",
        unit_ids=[ids["Trường D"]],
        email="d@example.vn",
    )
    table = tracking.load_tracker(engine, ds, period, today=DEADLINE, with_accounts=True)
    owing = tracking.owing(table)  # every unit is approved: nobody owes
    assert owing.empty
    coverage: list[Coverage] = []
    table = tracking.tracker_by_period(
        ds, period, coverage, today=DEADLINE, accounts=accounts.list_accounts(engine)
    )
    owing = tracking.owing(table)
    book = openpyxl.load_workbook(io.BytesIO(owing_workbook(owing, period)))
    sheet = book.active
    rows = [[c.value for c in row] for row in sheet.iter_rows(min_row=4)]
    assert rows[0][:5] == ["Đơn vị", "Mã đơn vị", "Quận, huyện", "Biểu phải nộp", "Trạng thái"]
    assert rows[0][-2:] == ["Tài khoản", "Thư điện tử"]
    body = {r[0]: r for r in rows[1:]}
    assert set(body) == {"Trường A", "Trường B", "Trường C", "Trường D"}
    assert body["Trường D"][-2:] == ["truong_d", "d@example.vn"]
    assert body["Trường A"][-2] == "chưa có tài khoản"


def test_the_tracker_offers_no_link_to_an_empty_owing_list(ingest, engine: Engine) -> None:
    """Every unit approved: «Không còn đơn vị nào nợ báo cáo.», not a link «Chỉ xem 0 đơn vị
    còn nợ báo cáo» to an empty list."""
    from components.tracker_view import make_period_tracker

    ds, period, _ids = _setup(ingest, engine)
    table = tracking.load_tracker(engine, ds, period, today=DEADLINE)
    assert tracking.owing(table).empty
    shown = str(make_period_tracker(ds, period, table, search="?as_of=2024-06-30"))
    assert "Không còn đơn vị nào nợ báo cáo." in shown and "Chỉ xem 0" not in shown
    returned = ingest(units_return(ROWS[3:]), "02d.xlsx", approve=False)
    set_status(engine, returned.submission_id, "tra_lai", comment="Thiếu số liệu")
    with engine.connect() as conn:
        from etl.storage.tracking_reads import period_coverage

        coverage = [c for c in period_coverage(conn, period.id) if c.status == "tra_lai"]
    table = tracking.tracker_by_period(ds, period, coverage, today=DEADLINE)
    shown = str(make_period_tracker(ds, period, table, search="?as_of=2024-06-30"))
    assert re.search(r"Chỉ xem [1-9][\d.]* đơn vị còn nợ báo cáo", shown), shown[:300]
    assert "Không còn đơn vị nào" not in shown


def test_the_trackers_moments_are_shown_whole(ingest, engine: Engine) -> None:
    """«06/12/2026 15:28» read «06/12/20…» in an office screen's window: the moment columns
    are given the width of a whole `dd/mm/yyyy HH:MM` (16 characters of about 8 pixels, and
    the cell's padding)."""
    from dash.development.base_component import Component

    from components.tracker_view import make_period_tracker

    ds, period, _ids = _setup(ingest, engine)
    table = tracking.load_tracker(engine, ds, period, today=DEADLINE)
    grids = {}

    def walk(node) -> None:
        if isinstance(node, Component):
            if getattr(node, "columnDefs", None) is not None:
                # the units grid is served a page at a time: its id is a pattern (a dict)
                grids[json.dumps(node.id, sort_keys=True)] = node.columnDefs
            walk(getattr(node, "children", None))
        elif isinstance(node, (list, tuple)):
            for child in node:
                walk(child)

    walk(make_period_tracker(ds, period, table, search=""))
    widths = {
        (grid, c["field"]): c.get("minWidth", 0)
        for grid, columns in grids.items()
        for c in columns
        if c["headerName"] == "Thời điểm nộp"
    }
    assert len(widths) == 2 and all(w >= 16 * 8 + 20 for w in widths.values()), widths
