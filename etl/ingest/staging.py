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
from etl.core.forms import DISTRICT_END_KIND, PROVINCE_KIND_CHOICE
from etl.core.normalize import (
    commune_in_name,
    commune_label,
    district_key,
    district_label,
    looks_like_district,
    loose_key,
    name_key,
)
from etl.core.problems import ProblemLog
from etl.core.provinces import (
    display_name,
    letterhead_province,
    province_key,
    province_label,
    split_province_suffix,
)
from etl.core.settings import load_settings
from etl.core.vocabulary import MEASURE_OF_FORM, UNIT_KIND_OF_EVENT, UnitGroup, UnitKind
from etl.ingest.matching import FileRegistry, Resolver, UnitRecord, UnitRegistry
from etl.reading.records import Cell, EventRow, SheetResult, TargetRow, UnitRow
from etl.reading.target_rows import is_city_scope
from etl.reading.unit_rows import is_commune_body


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


class StagedProvinces(NamedTuple):
    """A merger of provinces of Biểu 03 (`Loại đơn vị` = `Tỉnh, thành phố`): the provinces
    before and the one after, as (display name, key) pairs; no unit is matched."""

    result: SheetResult
    event: EventRow
    before: list[tuple[str, str]]
    after: tuple[str, str]


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
    provinces: list[StagedProvinces] = field(default_factory=list)


def is_province_event(ev: EventRow) -> bool:
    """A Biểu 03 row whose `Loại đơn vị` is a province: a merger of provinces."""
    return ev.unit_kind == PROVINCE_KIND_CHOICE


def _named(cell_text: str) -> tuple[str, str]:
    return province_label(cell_text), province_key(cell_text)


def _letterhead(result: SheetResult, own: frozenset[str]) -> str | None:
    """The province the return's letterhead names, once the deployment knows its own (the
    `PROVINCE` setting or a merger of provinces): before that, a deployment for one province
    reads its letterheads as it always did (`Sở Y tế thành phố Cần Thơ` is not a province
    apart)."""
    return letterhead_province(result.header.reporting_unit) if own else None


def own_provinces(
    results: list[SheetResult], registry: UnitRegistry, province: str | None = None
) -> tuple[frozenset[str], frozenset[str]]:
    """(the keys of the deployment's own province, those of the provinces merged into it):
    own is the `PROVINCE` setting and every merger's successor (a merger recorded in this
    deployment's returns is into its own province), stored or in these returns; merged are
    their predecessors (docs/domain.md, "Provinces and mergers")."""
    if province is None:
        province = load_settings().province
    mergers = list(registry.province_mergers())
    for result in results:
        for ev in result.events:
            if is_province_event(ev) and len(ev.after) == 1:
                mergers.append(
                    ([province_key(c.value) for c in ev.before], _named(ev.after[0].value)[1])
                )
    own = {province_key(province)} if province else set()
    own |= {after for _before, after in mergers}
    merged = {key for before, after in mergers if after in own for key in before} - own
    return frozenset(own - {""}), frozenset(merged)


def stage(
    results: list[SheetResult],
    registry: UnitRegistry,
    log: ProblemLog,
    *,
    province: str | None = None,
) -> Staged:
    """Match every name to a unit; returns the rows to insert (with unit records, not ids).
    A unit is looked up in its province: the row's (`Tỉnh, thành phố` column, group row,
    `… tỉnh X (cũ)`), else the letterhead's (`Đơn vị báo cáo`), else the deployment's own
    (`province`, default the `PROVINCE` setting)."""
    own, merged = own_provinces(results, registry, province)
    registry.merged_provinces = merged
    if isinstance(registry, FileRegistry):
        names: list[tuple[str, str | None]] = []
        codes: list[str] = []
        for result in results:
            letterhead = _letterhead(result, own)
            if result.form in MEASURE_OF_FORM:
                names += [(row.name.value, row.attrs.get("district")) for row in result.units]
                codes += [row.code for row in result.units if row.code]
                # a name holding its province (`Văn phòng UBND tỉnh Hậu Giang`), which the
                # resolver tries when the name alone matches nothing
                for row in result.units:
                    province = row.attrs.get("province") or letterhead
                    if province:
                        whole = display_name(row.name.value, province, False)
                        names.append((whole, row.attrs.get("district")))
            for ev in result.events:
                if is_district_end(ev):
                    names += [(name, None) for name, _commune in district_end_after(ev)]
                    continue
                if not is_province_event(ev):
                    for c in (*ev.before, *ev.after):
                        base, suffix = split_province_suffix(c.value)
                        names.append((base, None))
                        if suffix or ev.province or letterhead:
                            province = suffix or ev.province or letterhead
                            names.append((display_name(base, province, False), None))
            names += [
                (t.scope.value, None) for t in result.targets if not is_city_scope(t.scope.value)
            ]
        registry.prime(names, codes)
    resolver = Resolver(registry, log, own)
    staged = Staged()
    for result in results:
        letterhead = _letterhead(result, own)
        if result.form in MEASURE_OF_FORM:
            for row in result.units:
                unit = resolver.resolve(
                    result.sheet,
                    row.name,
                    code=row.code,
                    district=row.attrs.get("district"),
                    kind=row.attrs.get("agency_kind", ""),
                    commune=row.attrs.get("commune"),
                    province=row.attrs.get("province") or letterhead,
                    province_given="province" in row.attrs,
                )
                if unit is not None:
                    staged.units.append(StagedUnit(result, row, unit))
    for result in results:
        letterhead = _letterhead(result, own)
        for ev in result.events:
            where = {"province": ev.province or letterhead, "province_given": bool(ev.province)}
            if is_province_event(ev):
                before = [_named(c.value) for c in ev.before]
                staged.provinces.append(
                    StagedProvinces(result, ev, before, _named(ev.after[0].value))
                )
                continue
            if is_district_end(ev):
                # the communes are of the province the return is of (the letterhead's, else
                # the deployment's), not of the former district's province the row may name:
                # they began with the two-level government, inside the merged province
                after = [
                    resolver.resolve(
                        result.sheet,
                        Cell(name, ev.after[0].ref),
                        kind=_COMMUNE,
                        commune=commune,
                        province=letterhead,
                    )
                    for name, commune in district_end_after(ev)
                ]
                if all(u is not None for u in after):
                    staged.events.append(StagedEvent(result, ev, [], after))
                continue
            su_nghiep = UNIT_KIND_OF_EVENT.get(ev.unit_kind or "") == UnitGroup.SERVICE
            kind = UnitKind.DON_VI_SU_NGHIEP if su_nghiep else ""
            before = [
                _resolve_event_unit(resolver, result.sheet, c, kind, where) for c in ev.before
            ]
            after = [_resolve_event_unit(resolver, result.sheet, c, kind, where) for c in ev.after]
            if all(u is not None for u in before + after):
                staged.events.append(StagedEvent(result, ev, before, after))
        for target in result.targets:
            unit = None
            if not is_city_scope(target.scope.value):
                unit = resolver.resolve(
                    result.sheet, target.scope, create=False, province=letterhead
                )
                if unit is None:
                    continue
            staged.targets.append(StagedTarget(result, target, unit))
    return staged


def _resolve_event_unit(
    resolver: Resolver, sheet: str, cell: Cell, kind: str, where: dict[str, Any]
) -> UnitRecord | None:
    """A Biểu 03 unit, in the province `where` gives: a commune-level body's name (`UBND xã
    Thới Hưng`) is of its commune and, when new, of kind `co_quan_cap_xa`; any other name as
    `kind` says."""
    if not kind and is_commune_body(cell.value):
        commune = commune_in_name(cell.value)
        return resolver.resolve(
            sheet,
            cell,
            kind=_COMMUNE,
            commune=commune_label(commune) if commune else None,
            **where,
        )
    return resolver.resolve(sheet, cell, kind=kind, **where)


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
    for result, ev, _before, after in staged.provinces:  # a province's merger: the Sở Nội vụ's
        log.report(
            "unit-not-allowed",
            sheet=result.sheet,
            cell=ev.ref,
            value=after[0],
            what_vi=f"báo cáo sắp xếp tỉnh, thành phố («{after[0]}»)",
            what_en=f"report a merger of provinces («{after[0]}»)",
        )


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
                + ("; ".join(u.name for u in before) or "; ".join(c.value for c in ev.before))
                + " → "
                + ("; ".join(u.name for u in after) or "; ".join(c.value for c in ev.after)),
                "new_unit": any(u.is_new for u in before + after),
                "figures": "",
            }
        )
    for result, ev, before, after in staged.provinces:
        rows.append(
            {
                "sheet": result.sheet,
                "cell": ev.ref,
                "form": result.form,
                "unit": f"{ev.event_type} {ev.date:%d/%m/%Y}: "
                + "; ".join(name for name, _key in before)
                + f" → {after[0]}",
                "new_unit": False,
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
    """A new unit's level: `xa` for a commune-level body, `huyen` for a district's agency or
    a unit with a district."""
    if kind == UnitKind.CO_QUAN_CAP_XA:
        return "xa"
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


# ---------------------------------------------------------------- the end of a district's level

_COMMUNE = UnitKind.CO_QUAN_CAP_XA.value
_COUNCIL = name_key("UBND") + " "


def is_district_end(ev: EventRow) -> bool:
    """A Biểu 03 row recording the end of a district's level (`Loại đơn vị` `Quận, huyện`,
    docs/domain.md, "The end of the district level")."""
    return ev.unit_kind == DISTRICT_END_KIND


def district_end_district(ev: EventRow) -> tuple[str, str]:
    """(label, key) of the district a district-end row ends (its one before cell)."""
    written = ev.before[0].value if ev.before else ""
    return district_label(written), district_key(written)


def district_end_after(ev: EventRow) -> list[tuple[str, str]]:
    """(UBND unit name, commune) of each commune a district-end row sends its staff to:
    `Xã Thới Hưng` (or `UBND xã Thới Hưng`) → (`UBND xã Thới Hưng`, `Xã Thới Hưng`); none when
    the after side is the province (`Toàn tỉnh`, `Toàn thành phố`)."""
    out: list[tuple[str, str]] = []
    for cell in ev.after:
        if is_city_scope(cell.value):
            continue
        commune = commune_label(cell.value)
        if name_key(cell.value).startswith(_COUNCIL):
            name = cell.value
        else:
            name = f"UBND {commune[:1].lower()}{commune[1:]}"
        out.append((name, commune))
    return out
