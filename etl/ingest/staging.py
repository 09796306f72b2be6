"""Staging: the reader's `SheetResult`s turned into the typed rows one upload would store.

`stage` matches every name of a file to a unit (etl/ingest/matching.py) and keeps the rows whose
units are all known or new: a `Staged` of unit rows, events and targets, holding unit records
(whose ids new units get only when written, etl/ingest/writer.py). `check_allowed` refuses rows
an uploader may not report, `check_reporting_unit` a header naming another unit;
`preview_rows` is the upload page's table of what would be stored.
The small functions at the end say what a staged row means where the writer needs it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, NamedTuple

from etl.core.formatting import fmt_number
from etl.core.normalize import district_key, looks_like_district, loose_key, name_key
from etl.core.problems import ProblemLog
from etl.core.vocabulary import MEASURE_OF_FORM, UNIT_KIND_OF_EVENT, UnitGroup, UnitKind
from etl.ingest.matching import FileRegistry, Resolver, UnitRecord, UnitRegistry
from etl.reading.records import EventRow, SheetResult, TargetRow, UnitRow
from etl.reading.target_rows import is_city_scope


class StagedUnit(NamedTuple):
    """A unit row of Biểu 01 or 02 and the unit it names."""

    result: SheetResult
    row: UnitRow
    unit: UnitRecord


class StagedEvent(NamedTuple):
    """A reorganisation of Biểu 03 and the units before and after it."""

    result: SheetResult
    event: EventRow
    before: list[UnitRecord]
    after: list[UnitRecord]


class StagedTarget(NamedTuple):
    """A target of Biểu 00 and the unit it is set for (None: the whole city)."""

    result: SheetResult
    target: TargetRow
    unit: UnitRecord | None


@dataclass(frozen=True)
class Staged:
    """What one file would store, in the order it was read."""

    units: list[StagedUnit] = field(default_factory=list)
    events: list[StagedEvent] = field(default_factory=list)
    targets: list[StagedTarget] = field(default_factory=list)


def stage(results: list[SheetResult], registry: UnitRegistry, log: ProblemLog) -> Staged:
    """Match every name to a unit; returns the rows to insert (with unit records, not ids)."""
    if isinstance(registry, FileRegistry):
        names: list[tuple[str, str | None]] = []
        codes: list[str] = []
        for result in results:
            if result.form in MEASURE_OF_FORM:
                names += [(row.name.value, row.attrs.get("district")) for row in result.units]
                codes += [row.code for row in result.units if row.code]
            for ev in result.events:
                names += [(c.value, None) for c in (*ev.before, *ev.after)]
            names += [
                (t.scope.value, None) for t in result.targets if not is_city_scope(t.scope.value)
            ]
        registry.prime(names, codes)
    resolver = Resolver(registry, log)
    staged = Staged()
    for result in results:
        if result.form in MEASURE_OF_FORM:
            for row in result.units:
                unit = resolver.resolve(
                    result.sheet,
                    row.name,
                    code=row.code,
                    district=row.attrs.get("district"),
                    kind=row.attrs.get("agency_kind", ""),
                )
                if unit is not None:
                    staged.units.append(StagedUnit(result, row, unit))
    for result in results:
        for ev in result.events:
            su_nghiep = UNIT_KIND_OF_EVENT.get(ev.unit_kind or "") == UnitGroup.SERVICE
            kind = UnitKind.DON_VI_SU_NGHIEP if su_nghiep else ""
            before = [resolver.resolve(result.sheet, c, kind=kind) for c in ev.before]
            after = [resolver.resolve(result.sheet, c, kind=kind) for c in ev.after]
            if all(u is not None for u in before + after):
                staged.events.append(StagedEvent(result, ev, before, after))
        for target in result.targets:
            unit = None
            if not is_city_scope(target.scope.value):
                unit = resolver.resolve(result.sheet, target.scope, create=False)
                if unit is None:
                    continue
            staged.targets.append(StagedTarget(result, target, unit))
    return staged


def check_allowed(staged: Staged, allowed: set[int], log: ProblemLog) -> None:
    """An uploader may report only for the units given to them."""
    for result, row, unit in staged.units:
        if unit.id is None or unit.id not in allowed:
            log.report(
                "unit-not-allowed",
                sheet=result.sheet,
                cell=row.name.ref,
                value=unit.name,
                what_vi=f"nộp báo cáo cho «{unit.name}» (ô {row.name.ref})",
                what_en=f"report for «{unit.name}» (cell {row.name.ref})",
            )
    for result, ev, before, after in staged.events:
        for unit in before + after:
            if unit.id is None or unit.id not in allowed:
                log.report(
                    "unit-not-allowed",
                    sheet=result.sheet,
                    cell=ev.ref,
                    value=unit.name,
                    what_vi=f"báo cáo sắp xếp của «{unit.name}»",
                    what_en=f"report reorganisations of «{unit.name}»",
                )
    for result, target, _unit in staged.targets:
        log.report("targets-admin-only", sheet=result.sheet, cell=target.scope.ref)


class OwnUnit(NamedTuple):
    """One of an uploader's units, as its return's header may name it."""

    name: str
    code: str | None
    district: str | None


def names_own_unit(text: str, own: list[OwnUnit]) -> bool:
    """Whether a header's `Đơn vị báo cáo` names one of `own`: its name (with or without
    diacritics, abbreviations as for rows), its code, or its district (`UBND huyện Cờ Đỏ`
    for an account holding a unit of Cờ Đỏ)."""
    nkey, lkey = name_key(text), loose_key(text)
    for unit in own:
        if name_key(unit.name) == nkey or loose_key(unit.name) == lkey:
            return True
        if unit.code and unit.code.casefold() == text.strip().casefold():
            return True
    if looks_like_district(text):
        dkey = district_key(text)
        return any(u.district and district_key(u.district) == dkey for u in own)
    return False


def own_names(own: list[OwnUnit], shown: int = 3) -> str:
    """The account's units for a message: a few names, then how many more."""
    names = sorted(u.name for u in own)
    if not names:
        return "chưa được giao đơn vị nào"
    more = len(names) - shown
    text = ", ".join(f"«{n}»" for n in names[:shown])
    return f"{text} và {fmt_number(more)} đơn vị khác" if more > 0 else text


def check_reporting_unit(
    results: list[SheetResult], own: list[OwnUnit], log: ProblemLog
) -> str | None:
    """An uploader's return says who reports in its header (`Đơn vị báo cáo`): each sheet's
    must name one of the account's units (`names_own_unit`), else the file is refused
    naming the cell. Returns the reporting unit to store: the header's, or, when no sheet
    gives one, the account's only unit (None for an account of several)."""
    given = None
    for result in results:
        text = result.header.reporting_unit
        if not text:
            continue
        if names_own_unit(text, own):
            given = given or text
            continue
        log.report(
            "reporting-unit-not-allowed",
            sheet=result.sheet,
            cell=result.header.reporting_unit_cell,
            value=text,
            own=own_names(own),
        )
    if given is None and len(own) == 1:
        return own[0].name
    return given


PREVIEW_ROWS = 500


def preview_rows(staged: Staged, limit: int = PREVIEW_ROWS) -> list[dict[str, Any]]:
    """What the file would store, one row per unit row or event, for the upload page."""
    rows: list[dict[str, Any]] = []
    for result, row, unit in staged.units[:limit]:
        quota = {y: c.value for (f, y), c in sorted(row.yearly.items()) if f == "quota"}
        rows.append(
            {
                "sheet": result.sheet,
                "cell": row.name.ref,
                "form": result.form,
                "unit": unit.name,
                "new_unit": unit.is_new,
                "figures": "; ".join(f"{y}: {v}" for y, v in quota.items()),
            }
        )
    for result, ev, before, after in staged.events[: max(0, limit - len(rows))]:
        rows.append(
            {
                "sheet": result.sheet,
                "cell": ev.ref,
                "form": result.form,
                "unit": f"{ev.event_type} {ev.date:%d/%m/%Y}: "
                + "; ".join(u.name for u in before)
                + " → "
                + "; ".join(u.name for u in after),
                "new_unit": any(u.is_new for u in before + after),
                "figures": "",
            }
        )
    for result, target, _unit in staged.targets:
        value = f"{target.pct}%" if target.pct is not None else str(target.count)
        rows.append(
            {
                "sheet": result.sheet,
                "cell": target.scope.ref,
                "form": result.form,
                "unit": f"{target.scope.value}: {target.measure}",
                "new_unit": False,
                "figures": f"giảm {value}"
                + (f" so với năm {target.base_year}" if target.base_year else "")
                + (f", giai đoạn {target.programme}" if target.programme else "")
                + (
                    f", giữ ổn định {'; '.join(target.exclude_sectors)}"
                    if target.exclude_sectors
                    else ""
                ),
            }
        )
    return rows


def return_year(result: SheetResult, row: UnitRow) -> int | None:
    """The year a unit row's counts (present, streamlined…) are stored under: the header's
    year, else the latest year of its quota columns; None when neither is given."""
    if result.header.year:
        return result.header.year
    years = [y for (f, y) in row.yearly if f == "quota"]
    return max(years) if years else None


def unit_level(kind: str, district: str | None) -> str:
    """A new unit's level: `huyen` for a district's agency or a unit with a district."""
    if kind == UnitKind.CO_QUAN_CHUYEN_MON_HUYEN or district:
        return "huyen"
    return "tinh"


def event_sets(
    event: EventRow, before: list[UnitRecord], after: list[UnitRecord]
) -> tuple[dict[int, UnitRecord], dict[int, UnitRecord]]:
    """before/after unit sets (keyed by the record's `id()`), with the receiving unit of a
    `Sáp nhập` counted on both sides, and every unit on both sides of a `Kiện toàn bên trong`."""
    before_ids = {id(u): u for u in before}
    after_ids = {id(u): u for u in after}
    if event.event_type == "Sáp nhập":
        before_ids.update(after_ids)
    if event.event_type == "Kiện toàn bên trong":
        merged = {**before_ids, **after_ids}
        before_ids, after_ids = dict(merged), dict(merged)
    return before_ids, after_ids


def unit_kind_for_event(ev: EventRow, units: list[UnitRecord]) -> str:
    """The stored unit kind of an event: as written in Biểu 03, else from its units' kinds
    (sự nghiệp when any is, or when none is known)."""
    kind = UNIT_KIND_OF_EVENT.get(ev.unit_kind or "")
    if kind:
        return kind
    kinds = {u.kind for u in units if u.kind}
    service = UnitKind.DON_VI_SU_NGHIEP in kinds or not kinds
    return UnitGroup.SERVICE if service else UnitGroup.ADMINISTRATIVE
