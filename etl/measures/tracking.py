"""The tracker by period: for a reporting period, which units owe a return, and where each
one stands (not sent, waiting for review, returned, approved; late, overdue).

The expected units are derived, not configured: the units existing at the period's cut-off
in the approved Dataset (the population the missing-data notice uses). An administrative
agency owes Biểu 01, a public service unit Biểu 02. A unit is covered by a return of the
period that holds a fact row for it (`etl.storage.tracking_reads`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import Engine

from etl.core.clock import in_vietnam, vn_today
from etl.core.vocabulary import KIND_LABELS, ReviewStatus, UnitKind
from etl.measures.cache import remembered
from etl.measures.dataset import Dataset
from etl.measures.scoping import Filter, exists_mask, scope_mask
from etl.storage import accounts as accounts_store
from etl.storage import periods as periods_store
from etl.storage.db import data_version, reading
from etl.storage.periods import Period
from etl.storage.tracking_reads import Coverage, covered_units, period_coverage

NOT_SENT = "chua_nop"
STATES: tuple[str, ...] = (
    NOT_SENT,
    ReviewStatus.CHO_DUYET.value,
    ReviewStatus.TRA_LAI.value,
    ReviewStatus.DA_DUYET.value,
)
STATE_LABELS: dict[str, str] = {
    NOT_SENT: "Chưa nộp",
    ReviewStatus.CHO_DUYET.value: "Chờ duyệt",
    ReviewStatus.TRA_LAI.value: "Trả lại",
    ReviewStatus.DA_DUYET.value: "Đã duyệt",
}
# a unit still owes its return when it has sent nothing or its return was sent back
OWING: tuple[str, ...] = (NOT_SENT, ReviewStatus.TRA_LAI.value)
# which covering return decides the state: approved first, then waiting, then returned
_PRECEDENCE = (
    ReviewStatus.DA_DUYET.value,
    ReviewStatus.CHO_DUYET.value,
    ReviewStatus.TRA_LAI.value,
)
# the states of a covering return that mean the unit no longer owes (see OWING)
_COVERING = (ReviewStatus.DA_DUYET.value, ReviewStatus.CHO_DUYET.value)
NO_ACCOUNT = "chưa có tài khoản"

COLUMNS = [
    "unit_id",
    "code",
    "name",
    "district",
    "sector",
    "kind",
    "kind_label",
    "form",
    "state",
    "state_label",
    "submission_id",
    "file_name",
    "submitted_by",
    "submitted_at",
    "late",
    "overdue",
    "comment",
    "accounts",
    "emails",
]


def form_of(kind: str) -> str:
    """The form a unit owes: Biểu 02 for a public service unit, Biểu 01 for an agency."""
    return "Biểu 02" if kind == UnitKind.DON_VI_SU_NGHIEP else "Biểu 01"


def is_late(uploaded_at: dt.datetime, deadline: dt.date) -> bool:
    """Whether a return was uploaded after the end of the deadline day (Vietnam time)."""
    return in_vietnam(pd.Timestamp(uploaded_at).to_pydatetime()).date() > deadline


def _decider(covering: list[Coverage]) -> Coverage | None:
    """The return deciding a unit's state: the latest approved one, else the latest waiting,
    else the latest returned."""
    for status in _PRECEDENCE:
        found = [c for c in covering if c.status == status]
        if found:
            return max(found, key=lambda c: c.submission_id)
    return None


def tracker_by_period(
    ds: Dataset,
    period: Period,
    coverage: Iterable[Coverage],
    *,
    today: dt.date | None = None,
    flt: Filter | None = None,
    unit_ids: frozenset[int] | None = None,
    accounts: Sequence[accounts_store.Account] = (),
) -> pd.DataFrame:
    """One row per unit expected to report for `period` (existing at its cut-off in `ds`,
    within `flt` and `unit_ids` when given) with its state, the return deciding it, `late`
    (that return came after the deadline day), `overdue` (it still owes and `today`, Vietnam
    time by default, is after the deadline) and the active accounts of the unit."""
    today = today if today is not None else vn_today()
    mask = exists_mask(ds, period.as_of)
    if flt is not None:
        mask = mask & scope_mask(ds, flt)
    units = ds.units[mask]
    if unit_ids is not None:
        units = units[units["id"].isin(unit_ids)]
    by_unit: dict[int, list[Coverage]] = {}
    for c in coverage:
        by_unit.setdefault(c.unit_id, []).append(c)
    names: dict[int, list[str]] = {}
    emails: dict[int, list[str]] = {}
    for acc in accounts:
        if not acc.active:
            continue
        for unit_id in acc.unit_ids:
            names.setdefault(unit_id, []).append(acc.username)
            if acc.email:
                emails.setdefault(unit_id, []).append(acc.email)
    rows: list[dict[str, Any]] = []
    for unit in units.itertuples():
        unit_id = int(unit.id)
        decider = _decider(by_unit.get(unit_id, []))
        state = decider.status if decider is not None else NOT_SENT
        owing = state in OWING
        rows.append(
            {
                "unit_id": unit_id,
                "code": unit.code if isinstance(unit.code, str) else "",
                "name": unit.name,
                "district": unit.district if isinstance(unit.district, str) else "",
                "sector": unit.sector if isinstance(unit.sector, str) else "",
                "kind": unit.kind,
                "kind_label": KIND_LABELS.get(unit.kind, unit.kind),
                "form": form_of(unit.kind),
                "state": state,
                "state_label": STATE_LABELS[state],
                "submission_id": decider.submission_id if decider else None,
                "file_name": decider.file_name if decider else "",
                # who really sent it: the account, whatever the file's header says
                "submitted_by": decider.uploader if decider else "",
                "submitted_at": decider.uploaded_at if decider else None,
                "late": bool(decider and is_late(decider.uploaded_at, period.deadline)),
                "overdue": owing and today > period.deadline,
                "comment": (decider.comment or "") if decider and state in OWING else "",
                "accounts": ", ".join(names.get(unit_id, [])) or NO_ACCOUNT,
                "emails": ", ".join(emails.get(unit_id, [])),
            }
        )
    return pd.DataFrame(rows, columns=COLUMNS)


def owing(table: pd.DataFrame) -> pd.DataFrame:
    """The units that still owe their return (not sent, or sent back)."""
    return table[table["state"].isin(OWING)]


def state_counts(table: pd.DataFrame) -> dict[str, int]:
    """Units by state (every state, zero when none) and `late`, the late ones."""
    counts = {s: int((table["state"] == s).sum()) for s in STATES}
    counts["late"] = int(table["late"].sum()) if len(table) else 0
    counts["overdue"] = int(table["overdue"].sum()) if len(table) else 0
    return counts


def choose_period(
    periods: Sequence[Period], period_id: int | None, as_of: dt.date | None
) -> Period | None:
    """The period asked for (`period_id`), else the one of the cut-off `as_of`, else the
    latest; None when there is none."""
    if period_id is not None:
        for p in periods:
            if p.id == period_id:
                return p
    if as_of is not None:
        for p in periods:
            if p.as_of == as_of:
                return p
    return max(periods, key=lambda p: p.as_of) if periods else None


def list_periods(engine: Engine) -> list[Period]:
    """Every period, latest cut-off first."""
    with reading(engine) as conn:
        return sorted(periods_store.list_periods(conn), key=lambda p: p.as_of, reverse=True)


def load_tracker(
    engine: Engine,
    ds: Dataset,
    period: Period,
    *,
    today: dt.date | None = None,
    flt: Filter | None = None,
    unit_ids: frozenset[int] | None = None,
    with_accounts: bool = False,
) -> pd.DataFrame:
    """`tracker_by_period` with the period's returns (and, `with_accounts`, the accounts)
    read from the store. Kept with `ds` per data version of the database (which every stored
    return and review moves), period, day, filter and the accounts as read now, so the same
    view asked again reads only those; shared: callers must not change it."""
    found = tuple(accounts_store.list_accounts(engine)) if with_accounts else ()
    shown = tuple((a.username, a.active, a.email, a.unit_ids) for a in found)
    today = today if today is not None else vn_today()

    def build() -> pd.DataFrame:
        with reading(engine) as conn:
            coverage = period_coverage(conn, period.id)
        return tracker_by_period(
            ds, period, coverage, today=today, flt=flt, unit_ids=unit_ids, accounts=found
        )

    key = (data_version(engine), period, today, flt, unit_ids, shown)
    return remembered(ds, "tracker", key, build)


def owing_count_for_cut_off(
    engine: Engine, ds: Dataset, as_of: dt.date, flt: Filter | None = None
) -> tuple[Period, int] | None:
    """The period whose cut-off is `as_of` and how many units within `flt` still owe it their
    return: `len` of `owing_for_cut_off`'s list (None when no period has this cut-off), from
    one mask of the owing units per period and data version, kept with `ds` (so any filter
    answers by counting, and a view asked again reads only the data version)."""
    with reading(engine) as conn:
        period = periods_store.find_for_as_of(conn, as_of)
    if period is None:
        return None
    owes = _owing_mask(engine, ds, period)
    if flt is not None:
        owes = owes & np.asarray(scope_mask(ds, flt), dtype=bool)
    return period, int(owes.sum())


def _owing_mask(engine: Engine, ds: Dataset, period: Period) -> np.ndarray:
    """Aligned with `ds.units`: the units `tracker_by_period` lists as owing `period`'s
    return. Kept per data version of the database (which every stored return and review
    moves, even when the approved Dataset itself is kept), so the returns' states are read
    again after any."""

    def build() -> np.ndarray:
        # a unit owes unless a return of the period covering it is approved or waiting
        # (`_decider`: those decide before a returned one; none at all: not sent). The fact
        # rows of the returns `ds` shows are in memory (`fact_history`): only the others'
        # are read (a national period's approved returns hold 600.000 fact rows)
        known = ds.shown if ds.shown is not None else frozenset()
        with reading(engine) as conn:
            covered, held = covered_units(conn, period.id, _COVERING, known)
        units = [np.fromiter(covered, dtype=np.int64, count=len(covered))]
        if held:
            history = ds.fact_history
            ids = np.fromiter(held, dtype=np.int64, count=len(held))
            rows = np.isin(history["submission_id"].to_numpy(), ids)
            units.append(history["unit_id"].to_numpy()[rows])
        owes = ~ds.units["id"].isin(np.concatenate(units)).to_numpy()
        return np.asarray(exists_mask(ds, period.as_of), dtype=bool) & owes

    return remembered(ds, "owing", (data_version(engine), period.id, period.as_of), build)


def owing_for_cut_off(
    engine: Engine, ds: Dataset, as_of: dt.date, flt: Filter | None = None
) -> tuple[Period, pd.DataFrame] | None:
    """The period whose cut-off is `as_of` and its owing units within `flt` (what the
    overview's notice counts and the tracker lists at `?ky=ID&trang_thai=owing`); None when
    no period has this cut-off."""
    with reading(engine) as conn:
        period = periods_store.find_for_as_of(conn, as_of)
    if period is None:
        return None
    return period, owing(load_tracker(engine, ds, period, flt=flt))
