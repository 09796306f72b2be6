"""Programmes (giai đoạn) as data: docs/domain.md, "Programme targets".

A programme has a name (`2022 - 2026`), a legal basis, a baseline year (whose assigned level
the reductions are measured against), a start and an end year, and its target rows. Several
live side by side; `programme_for` picks the one a view asks for, else the earliest one still
running at the cut-off (its end year not before the cut-off's year; none running: the latest).

What a programme is, as figures see it: its stored row (`programme` table), overlaid by its
latest plan row shown when that row came in a later return than the programme row's last change
(a newer Biểu 00 stating another `Năm gốc` or `Căn cứ` changes the programme, once approved).
A programme is shown when one of its plan rows is, or its own last change is (an
administrator's edit); one only a waiting return knows is not.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from etl.core.normalize import clean_text, text_key
from etl.core.programme_names import normal_name
from etl.core.vocabulary import FactStatus
from etl.measures.cache import before_upload, memoised
from etl.measures.dataset import Dataset, fact_pair_mask


@dataclass(frozen=True)
class Programme:
    """One programme as the figures use it (see the module's docstring)."""

    name: str
    basis: str | None
    baseline_year: int
    start_year: int
    end_year: int | None  # None: not stated yet (no planned path, no projection)
    id: int | None = None

    def as_json(self) -> dict[str, object]:
        """The summary's `programme`: name, basis, baseline_year, end_year (and start_year)."""
        return {
            "name": self.name,
            "basis": self.basis,
            "baseline_year": self.baseline_year,
            "end_year": self.end_year,
            "start_year": self.start_year,
        }


class UnknownProgramme(ValueError):
    """A programme asked for by name that is not stored (or not shown)."""

    def __init__(self, name: str) -> None:
        self.name = name
        super().__init__(f"Không có giai đoạn «{name}» trong số liệu / programme not found")


def _text(value: object) -> str | None:
    return value if isinstance(value, str) and value.strip() else None


def programmes(ds: Dataset) -> list[Programme]:
    """The programmes shown, by start year then name."""
    return list(memoised(ds, ("programmes",), lambda: tuple(_programmes(ds))))


def _programmes(ds: Dataset) -> list[Programme]:
    table = ds.programmes
    if table is None or not len(table):
        return []
    targets = ds.targets
    has_rows = len(targets) and "programme_id" in targets.columns
    out = []
    for row in table.itertuples(index=False):
        own = targets[targets["programme_id"] == row.id] if has_rows else targets.iloc[:0]
        changed_by = row.submission_id
        shown_change = pd.isna(changed_by) or ds.shown is None or int(changed_by) in ds.shown
        if not len(own) and not shown_change:
            continue
        baseline_year, basis = int(row.baseline_year), _text(row.basis)
        if len(own):
            latest = own.sort_values(["submission_id", "id"], kind="stable").iloc[-1]
            if pd.isna(changed_by) or int(latest["submission_id"]) > int(changed_by):
                baseline_year = int(latest["base_year"])
                basis = _text(latest.get("basis")) or basis
        end = None if pd.isna(row.end_year) else int(row.end_year)
        out.append(Programme(row.name, basis, baseline_year, int(row.start_year), end, int(row.id)))
    return sorted(out, key=lambda p: (p.start_year, p.name))


def find(ds: Dataset, name: str) -> Programme | None:
    """The programme a text names (`2026 - 2031`, `2026-2031`, `Giai đoạn 2026 - 2031`, or
    its stored name as written), or None."""
    wanted = {text_key(clean_text(name))}
    if (normal := normal_name(name)) is not None:
        wanted.add(text_key(normal))
    return next((p for p in programmes(ds) if text_key(p.name) in wanted), None)


def programme_for(ds: Dataset, as_of: object, name: str | None = None) -> Programme | None:
    """The programme `name` names (UnknownProgramme when none), else the default at `as_of`
    (a date): the earliest still running (end year ≥ the cut-off's year, or not stated),
    none running: the one ending last. None when no programme is stored."""
    if name:
        found = find(ds, name)
        if found is None:
            raise UnknownProgramme(name)
        return found
    every = programmes(ds)
    if not every:
        return None
    year = as_of.year  # type: ignore[attr-defined]
    running = [p for p in every if p.end_year is None or p.end_year >= year]
    if running:
        return running[0]
    return max(every, key=lambda p: (p.end_year or 0, p.start_year))


def targets_of(ds: Dataset, programme: Programme | None) -> pd.DataFrame:
    """The plan rows in force of a programme (all rows when there is no programme)."""
    targets = ds.targets
    if programme is None or programme.id is None or "programme_id" not in targets.columns:
        return targets
    return memoised(
        ds,
        ("targets_of", programme.id),
        lambda: targets[targets["programme_id"] == programme.id].reset_index(drop=True),
    )


def first_assigned_year(ds: Dataset) -> int | None:
    """The earliest year of any stored assigned figure: the baseline year when no programme
    is stored (docs/domain.md, "Measures")."""

    def build() -> int | None:
        facts = ds.facts
        if not len(facts):
            return None
        carried = before_upload(ds, ("first_assigned_year",))
        if carried is not None:  # the year before a figures-only return, or one of its rows
            before, added = carried
            years = added.loc[(added["status"] == FactStatus.ASSIGNED).to_numpy(), "year"]
            found = [int(y) for y in (before, years.min() if len(years) else None) if y is not None]
            return min(found) if found else None
        rows = fact_pair_mask(ds, None, [FactStatus.ASSIGNED])  # not 600.000 texts compared
        if rows is None:
            rows = (facts["status"] == FactStatus.ASSIGNED).to_numpy()
        years = facts["year"].to_numpy()[rows]
        return int(years.min()) if len(years) else None

    return memoised(ds, ("first_assigned_year",), build)


def baseline_year(ds: Dataset, programme: Programme | None) -> int | None:
    """The year whose assigned level is the baseline: the programme's, else (no programme
    stored) the earliest assigned year; None when neither exists."""
    return programme.baseline_year if programme is not None else first_assigned_year(ds)


def excluded_sectors(row: pd.Series | dict) -> tuple[str, ...]:
    """The sectors a plan row keeps stable (`Lĩnh vực giữ ổn định`)."""
    value = row.get("exclude_sectors") if hasattr(row, "get") else None
    if not isinstance(value, str) or not value.strip():
        return ()
    return tuple(s.strip() for s in value.split(";") if s.strip())
