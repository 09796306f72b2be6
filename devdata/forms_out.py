"""A world's returns in the forms' real shapes: which files, which sheets, which rows.

`world_returns(world, layout)` turns a `devdata.world.World` into the `ReturnSpec`s its reporting
bodies send, and `write_worlds` writes them (through `devdata.workbook`) in load order:

- one Biểu 01 (+ 02) per sở, Biểu 02 apart for the sở the `Layout` names (Sở Y tế, Sở Giáo dục
  và Đào tạo); a merged sở's row stays on the receiving sở's return;
- one for the Sở Nội vụ's consolidation (other administrative organisations, units under the
  UBND);
- one Biểu 01 + 02 per district, as one file or two, each district in its own style;
- the earlier returns the mid-year ones supersede, one figure of them corrected later;
- one Biểu 03 of the reorganisations and one Biểu 00 plan.

Column labels, aliases and year prefixes come from `etl.core.forms`; the `Style01`/`Style02` of a
sheet say which of them a clerk used and how the table is arranged (moved columns, a district
column or group row, subtotals, counts typed as text).
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from devdata.workbook import Block, Letterhead, PCol, ReturnSpec, SheetSpec, write_return
from devdata.world import (
    BASE_YEAR,
    CHI_CUC,
    CITY_AGENCY,
    CONSOLIDATED,
    HEALTH_CENTRES,
    HIGH_SCHOOLS,
    HOSPITALS,
    INELIGIBLE,
    MERGE,
    OTHER_ORG,
    RESTRUCTURE,
    Body,
    Event,
    Plan,
    World,
    dmy,
    slug,
)
from etl.core.forms import (
    CITY_SCOPES,
    FORM_00,
    FORM_01,
    FORM_02,
    FORM_03,
    TOTAL_WORDS,
    YEAR_WORDS,
    Form,
)
from etl.writers.layout import INTERNAL_FIELDS

SUBTOTAL = TOTAL_WORDS[2]
YEAR_WORD = YEAR_WORDS[0]
INTERNAL_GROUP = FORM_03.extra["internal_group"]
# Biểu 02 group rows in this order, then the others by name.
GROUP_ORDER = ("Mầm non", "Tiểu học", "Trung học cơ sở", HOSPITALS, HEALTH_CENTRES, HIGH_SCHOOLS)
CORRECTED_YEAR = 2023  # the figure an earlier return had one too high

# ---------------------------------------------------------------- how a return is laid out


@dataclass(frozen=True)
class Style01:
    """How one Biểu 01 is laid out."""

    variant: str = "template"  # template | alias | per_cell | reordered
    code: bool = False
    present: bool = False
    district: str = ""  # "group": a group row names the district; "column": a column does
    district_text: str = ""  # the group row's or column's text
    district_alias: int | None = None
    kind_column: bool = True
    badge: str = "Biểu số 01"


@dataclass(frozen=True)
class Style02:
    """How one Biểu 02 is laid out."""

    variant: str = "template"  # template | alias | reordered
    total: str = "bottom"
    text_numbers: bool = False
    numbered_subtotals: bool = False  # "Cộng I" rather than "Cộng"
    badge: str = "Biểu số 02"


@dataclass(frozen=True)
class DistrictReturn:
    """How a district reports: its Biểu 01 style and its Biểu 02 style and file."""

    style01: Style01
    style02: Style02
    separate_02: bool = False
    sheet_names: tuple[str, str] = ("Biểu 01", "Biểu 02")


@dataclass(frozen=True)
class EarlyReturn:
    """A return as of the earlier cut-off, by a sở or district (`reporter`, its name), that the
    mid-year one supersedes: one CORRECTED_YEAR figure was one too high, on the row of
    `corrects` or, with `corrects_first`, on the first row of its first sheet that has one."""

    reporter: str
    style01: Style01 | None
    style02: Style02 | None
    title: str
    corrects: Body | None = None
    corrects_first: bool = False


# The sở's styles, in turn down the list of sở.
SO_STYLES_01 = (
    Style01(code=True, present=True),
    Style01(variant="alias", badge="Biểu 01"),
    Style01(variant="per_cell"),
    Style01(variant="reordered", badge="Mẫu 01"),
    Style01(code=True),
)
SO_STYLES_02 = (Style02(), Style02(variant="alias", badge="Biểu 02"), Style02(variant="reordered"))


def separate_02(health: str, education: str) -> dict[str, Style02]:
    """The Sở Y tế and the Sở Giáo dục và Đào tạo send their many units' Biểu 02 apart, the
    Sở Y tế's with counts typed as text."""
    return {health: Style02(text_numbers=True), education: Style02()}


@dataclass(frozen=True)
class Layout:
    """How a world's reporting bodies fill their forms, and what the Department adds."""

    districts: dict[str, DistrictReturn]  # by district name
    separate_02: dict[str, Style02]  # by sở name
    early: tuple[EarlyReturn, ...]
    circular: str  # the Department's covering letter, quoted on the mid-year returns
    consolidated_title: str
    other_orgs_label: str  # group row over the other administrative organisations
    direct_units_label: str = ""  # group row over the units under the UBND ("": none)
    events_by_year: bool = False  # Biểu 03 blocks per year, or before / since the base year
    province_in_file_names: bool = False  # a national set: every province in one folder
    so_styles_01: tuple[Style01, ...] = SO_STYLES_01
    so_styles_02: tuple[Style02, ...] = SO_STYLES_02


# ---------------------------------------------------------------- columns


def _label(form: Form, name: str, alias: int | None) -> str:
    column = form.column(name)
    return column.label if alias is None else column.aliases[alias]


def _col(form: Form, name: str, alias: int | None = None, width: float = 12.0) -> list[PCol]:
    count = form.column(name).kind == "count"
    return [PCol(name, _label(form, name, alias), count=count, width=width)]


def _years(
    form: Form,
    name: str,
    years: Sequence[int],
    alias: int | None = None,
    prefix: int | None = None,
) -> list[PCol]:
    """Year sub-columns under a merged group label, or one `<prefix> <year>` cell each."""
    if prefix is not None:
        head = form.column(name).year_prefixes[prefix]
        return [PCol(name, f"{head} {y}", year=y, count=True, width=11) for y in years]
    label = _label(form, name, alias)
    return [PCol(name, label, f"{YEAR_WORD} {y}", y, True, 9) for y in years]


def columns_01(style: Style01, years: Sequence[int]) -> list[PCol]:
    f = FORM_01
    later = [y for y in years if y > BASE_YEAR]
    alias = 0 if style.variant == "alias" else None  # forms.py's first accepted alias
    if style.variant == "per_cell":  # "Biên chế giao năm 2021", "Tinh giản năm 2022" …
        quota = _years(f, "quota", years, prefix=2)
        streamlined = _years(f, "streamlined", later, prefix=0)
    else:
        quota = _years(f, "quota", years, alias=alias)
        streamlined = _years(f, "streamlined", later, alias=alias)
    stt = _col(f, "stt", None, 6)
    code = _col(f, "code", None, 11) if style.code else []
    name = _col(f, "name", alias, 40)
    kind = _col(f, "agency_kind", alias, 22) if style.kind_column else []
    district = _col(f, "district", style.district_alias, 16) if style.district == "column" else []
    present = _col(f, "present", None, 11) if style.present else []
    job = _col(f, "job_position", alias, 16)
    note = _col(f, "note", None, 20)
    if style.variant == "reordered":
        return stt + name + district + job + streamlined + quota + present + kind + note
    return stt + code + name + kind + district + quota + present + streamlined + job + note


def columns_02(style: Style02, years: Sequence[int], counts: bool = True) -> list[PCol]:
    later = [y for y in years if y > BASE_YEAR]
    f = FORM_02
    # In the "alias" variant: the first or second accepted alias of forms.py, per column.
    a0, a1 = (0, 1) if style.variant == "alias" else (None, None)
    stt = _col(f, "stt", None, 6)
    name = _col(f, "name", a0, 42)  # Tên đơn vị
    parent = _col(f, "parent", a1, 24)  # Trực thuộc
    sector = _col(f, "sector", a0, 16)  # Ngành, lĩnh vực
    autonomy = _col(f, "autonomy", a1, 11)  # Nhóm tự chủ
    quota = _years(f, "quota", years, alias=a0)  # Số người làm việc được giao
    pending = _col(f, "pending", a1, 12) if counts else []  # Đề nghị giảm
    norm = _col(f, "norm", a0, 11) if counts else []  # Định mức
    streamlined = _years(f, "streamlined", later, alias=a0)  # Số người tinh giản
    job = _col(f, "job_position", None, 14)
    note = _col(f, "note", None, 30)
    if style.variant == "reordered":
        tail = parent + sector + autonomy + job + note
        return stt + name + quota + streamlined + pending + norm + tail
    return (
        stt + name + parent + sector + autonomy + quota + pending + norm + streamlined + job + note
    )


def plan_columns(scope_width: float, *, count: bool) -> list[PCol]:
    """Biểu 00's columns; `count` adds the column for a target given as a number of posts."""
    f = FORM_00
    return (
        _col(f, "stt", None, 6)
        + _col(f, "scope", None, scope_width)
        + _col(f, "measure", None, 22)
        + _col(f, "base_year", None, 10)
        + _col(f, "pct", None, 12)
        + (_col(f, "count", None, 12) if count else [])
        + _col(f, "doc_ref", None, 40)
        + _col(f, "note", None, 40)
    )


def event_columns() -> list[PCol]:
    """The Biểu 03 table columns, with the internal decreases under their group label."""
    f = FORM_03
    internal = [PCol(k, INTERNAL_GROUP, f.column(k).label, None, True, 9) for k in INTERNAL_FIELDS]
    return (
        _col(f, "stt", None, 6)
        + _col(f, "date", None, 13)
        + _col(f, "doc_ref", None, 24)
        + _col(f, "event_type", 0, 14)
        + _col(f, "before", None, 44)
        + _col(f, "after", None, 40)
        + _col(f, "unit_kind", None, 16)
        + _col(f, "sector", None, 16)
        + internal
        + _col(f, "note", None, 24)
    )


# ---------------------------------------------------------------- rows


def agency_row(
    a: Body, years: Sequence[int], district_text: str, as_of: dt.date, latest: bool
) -> dict[str, Any]:
    """A Biểu 01 row as of `as_of` (`latest`: the mid-year return, with staff present)."""
    alive = a.exists_at(as_of)
    return {
        "code": a.code,
        "name": a.name,
        "agency_kind": a.kind,
        "district": district_text,
        "quota": {y: None if y == a.blank_year else a.quota.get(y) for y in years},
        "present": a.present if alive and latest else None,
        "streamlined": {
            y: a.streamlined.get(y, 0) for y in years if y > BASE_YEAR and y in a.quota
        },
        "job_position": (a.job or None) if alive else None,
        "note": a.note if not alive or a.established else "",
    }


def unit_row(u: Body, years: Sequence[int], as_of: dt.date, latest: bool) -> dict[str, Any]:
    """A Biểu 02 row as of `as_of` (`latest`: the mid-year return, with pending cuts and norms)."""
    alive = u.exists_at(as_of)
    return {
        "name": u.name,
        "parent": u.parent,
        "sector": u.sector,
        "autonomy": u.autonomy,
        "quota": {y: None if y == u.blank_year else u.quota.get(y) for y in years},
        "pending": u.pending if alive and latest else None,
        "norm": u.norm if alive and latest else None,
        "streamlined": {
            y: u.streamlined.get(y, 0) for y in years if y > BASE_YEAR and y in u.quota
        },
        "job_position": (u.job or None) if alive else None,
        "note": u.note if not alive or u.job == INELIGIBLE or u.established else "",
    }


def variant(name: str, rng: random.Random) -> str:
    """The name as another clerk types it, now and then: old tone placement or a doubled space."""
    roll = rng.random()
    if roll < 0.2:
        for new, old in (("hóa", "hoá"), ("Hòa", "Hoà"), ("hòa", "hoà"), ("Ủy", "Uỷ")):
            if new in name:
                return name.replace(new, old)
    if roll < 0.05:
        return name.replace(" ", "  ", 1)
    return name


def event_row(e: Event, rng: random.Random) -> dict[str, Any]:
    """A Biểu 03 row as typed: units joined one way or another, the date as a date or text."""
    before = list(e.before)
    if e.kind == MERGE and rng.random() < 0.5:  # the receiving unit only in "after"
        before = [n for n in before if n not in e.after]
    joiner = rng.choice(("; ", ";\n", "\n"))
    if len(before) > 2:
        before = [f"- {n}" for n in before]
        joiner = "\n"
    if e.worded:
        when: Any = f"ngày {e.date.day:02d} tháng {e.date.month:02d} năm {e.date.year}"
    elif rng.random() < 0.3:
        when = dmy(e.date)
    else:
        when = e.date
    internal = {}
    if e.kind == RESTRUCTURE:
        internal = {f"internal_{k}": v for k, v in e.internal.items()}
    return {
        "date": when,
        "doc_ref": f"Quyết định số {e.doc}",
        "event_type": e.kind,
        "before": joiner.join(variant(n, rng) for n in before),
        "after": "; ".join(variant(n, rng) for n in e.after),
        "unit_kind": e.unit_kind,
        "sector": e.sector,
        "note": e.note,
        **internal,
    }


def _correct(row: dict[str, Any]) -> None:
    row["quota"] = {**row["quota"], CORRECTED_YEAR: row["quota"][CORRECTED_YEAR] + 1}


def _correct_first(sheet: SheetSpec) -> None:
    """The first row that has a CORRECTED_YEAR figure gets it one higher."""
    for block in sheet.blocks:
        for row in block.rows:
            if isinstance(row["quota"].get(CORRECTED_YEAR), int):
                _correct(row)
                return


# ---------------------------------------------------------------- sheets


def roman(i: int) -> str:
    return ("I", "II", "III", "IV", "V", "VI", "VII", "VIII")[i - 1]


def agency_blocks(
    rows: list[dict[str, Any]],
    kinds: Sequence[str],
    style: Style01,
    with_chi_cuc: bool,
    other_label: str,
) -> list[Block]:
    """How a Biểu 01 groups its rows: under the district's name, the Sở and its chi cục (with a
    subtotal), other administrative organisations, or not at all."""
    if style.district == "group":
        return [Block(rows, style.district_text, "I")]
    if with_chi_cuc:
        own = [r for r, k in zip(rows, kinds, strict=True) if k != CHI_CUC]
        subs = [r for r, k in zip(rows, kinds, strict=True) if k == CHI_CUC]
        return [
            Block(own, "CƠ QUAN SỞ", "I"),
            Block(subs, "CÁC CHI CỤC TRỰC THUỘC", "II", SUBTOTAL),
        ]
    if set(kinds) == {OTHER_ORG}:
        return [Block(rows, other_label, "I")]
    return [Block(rows)]


def grouped_blocks(
    groups: dict[str, list[dict[str, Any]]], order: Sequence[str], style: Style02
) -> list[Block]:
    """Biểu 02 rows under one group row each (schools by level, hospitals…), in `order` then
    by name, each group closed by its subtotal row."""
    keys = sorted(groups, key=lambda g: (order.index(g) if g in order else len(order), g))
    blocks = []
    for i, key in enumerate(keys, 1):
        stt = roman(i)
        label = f"{SUBTOTAL} {stt}" if style.numbered_subtotals else SUBTOTAL
        blocks.append(Block(groups[key], key.upper(), stt, label))
    return blocks


def _listed(bodies: list[Body], as_of: dt.date) -> list[Body]:
    """What a return lists: bodies that existed in the base year or since, up to its cut-off."""
    return [b for b in bodies if b.established is None or b.established <= as_of]


def sheet_01(
    world: World,
    layout: Layout,
    agencies: list[Body],
    style: Style01,
    early: bool = False,
    name: str = "Biểu 01",
    corrects: Body | None = None,
) -> SheetSpec:
    cal = world.calendar
    years, as_of = (cal.early_years, cal.early_as_of) if early else (cal.years, cal.as_of)
    text = style.district_text if style.district == "column" else ""
    listed = _listed(agencies, as_of)
    rows = []
    for a in listed:
        rows.append(agency_row(a, years, text, as_of, latest=not early))
        if a is corrects:
            _correct(rows[-1])
    kinds = [a.kind for a in listed]
    with_chi_cuc = CHI_CUC in kinds and len(listed) > 3
    blocks = agency_blocks(rows, kinds, style, with_chi_cuc, layout.other_orgs_label)
    return SheetSpec(name, FORM_01, style.badge, columns_01(style, years), blocks)


def sheet_02(
    world: World,
    units: list[Body],
    style: Style02,
    early: bool = False,
    name: str = "Biểu 02",
    label: str = "",
) -> SheetSpec:
    """Units grouped when they fall in several groups, else under `label` (or no group row)."""
    cal = world.calendar
    years, as_of = (cal.early_years, cal.early_as_of) if early else (cal.years, cal.as_of)
    listed = _listed(units, as_of)
    groups: dict[str, list[Body]] = {}
    for u in listed:
        groups.setdefault(u.group, []).append(u)
    if len(groups) > 1:
        rows = {g: [unit_row(u, years, as_of, not early) for u in us] for g, us in groups.items()}
        blocks = grouped_blocks(rows, GROUP_ORDER, style)
    else:
        blocks = [Block([unit_row(u, years, as_of, not early) for u in listed], label, "I")]
    columns = columns_02(style, years, counts=not early)
    return SheetSpec(name, FORM_02, style.badge, columns, blocks, style.total, style.text_numbers)


def events_sheet(world: World, layout: Layout) -> SheetSpec:
    """Biểu 03: one block per year, or the years before the base year and those since."""
    rng = random.Random(f"{world.key}/events")
    events = world.events
    blocks = []
    if layout.events_by_year:
        for i, year in enumerate(sorted({e.date.year for e in events}), 1):
            rows = [event_row(e, rng) for e in events if e.date.year == year]
            blocks.append(Block(rows, f"Năm {year}", roman(i)))
    else:
        as_of = world.calendar.as_of
        early = [event_row(e, rng) for e in events if e.date.year < BASE_YEAR]
        late = [event_row(e, rng) for e in events if e.date.year >= BASE_YEAR]
        blocks = [
            Block(early, f"Giai đoạn {world.events_since} - {BASE_YEAR - 1}", "I"),
            Block(
                late,
                f"Giai đoạn từ năm {BASE_YEAR} đến {as_of.day}/{as_of.month}/{as_of.year}",
                "II",
            ),
        ]
    return SheetSpec("Biểu 03", FORM_03, "Mẫu 03", event_columns(), blocks)


def plan_sheet(plan: Plan) -> SheetSpec:
    """Biểu 00: the province's targets, and the units' own ones (a wider scope column, and a
    count column when a target is a number of posts)."""
    own = any(t.scope not in CITY_SCOPES for t in plan.targets)
    count = any(t.count is not None for t in plan.targets)
    rows = [
        {
            "scope": t.scope,
            "measure": t.measure,
            "base_year": BASE_YEAR,
            "pct": t.pct,
            "count": t.count,
            "doc_ref": plan.doc,
            "note": t.note,
        }
        for t in plan.targets
    ]
    columns = plan_columns(30 if own else 20, count=count)
    return SheetSpec("Biểu 00", FORM_00, "Biểu số 00", columns, [Block(rows)], total="")


# ---------------------------------------------------------------- returns


@dataclass(frozen=True)
class _Reporter:
    label: str  # as the header line names it
    heading: tuple[str, str]  # the title block's two lines
    tag: str  # its part of the file name
    agencies: list[Body]
    units: list[Body]


def _reporters(world: World, layout: Layout) -> dict[str, _Reporter]:
    """The sở still existing and the districts, by name, with what their returns list."""
    province, bodies = world.province, world.bodies
    out = {}
    for so in world.so:
        if so.ended is not None:
            continue
        agencies = [b for b in bodies if not b.is_unit and b.reporter == so.name]
        agencies += [
            b for b in bodies if b.ended and b.kind == CITY_AGENCY and b.receiver is so
        ]  # a merged sở's row stays, on the receiving one's return
        agencies.sort(key=lambda a: (a.kind == CHI_CUC, a is not so, a.code or "", a.name))
        units = [b for b in bodies if b.is_unit and b.reporter == so.name]
        heading = (province.ubnd.upper(), so.name.upper())
        out[so.name] = _Reporter(so.name, heading, slug(so.name), agencies, units)
    tail = f"_{slug(province.name)}" if layout.province_in_file_names else ""
    for d in world.districts:
        agencies = [b for b in bodies if not b.is_unit and b.reporter == d.name]
        units = [b for b in bodies if b.is_unit and b.reporter == d.name]
        heading = ("ỦY BAN NHÂN DÂN", d.name.upper())
        out[d.name] = _Reporter(d.ubnd, heading, slug(d.ubnd) + tail, agencies, units)
    return out


def world_returns(world: World, layout: Layout) -> list[ReturnSpec]:
    """Every return of the world (in no particular order)."""
    cal, province, bodies = world.calendar, world.province, world.bodies
    out: list[ReturnSpec] = []

    def add(
        file: str, who: _Reporter, sheets: list[SheetSpec], title: str, early: bool = False
    ) -> None:
        as_of, period = (cal.early_as_of, cal.early_period) if early else (cal.as_of, cal.period)
        out.append(ReturnSpec(f"{file}.xlsx", who.label, who.heading, as_of, period, sheets, title))

    reporters = _reporters(world, layout)
    # the sở
    for i, so in enumerate(world.so):
        if so.name not in reporters:
            continue
        who = reporters[so.name]
        style01 = layout.so_styles_01[i % len(layout.so_styles_01)]
        sheets = [sheet_01(world, layout, who.agencies, style01)]
        separate = layout.separate_02.get(so.name)
        if who.units and separate is None:
            style02 = layout.so_styles_02[i % len(layout.so_styles_02)]
            sheets.append(sheet_02(world, who.units, style02))
        title = f"Biểu 01{' và 02' if len(sheets) > 1 else ''} của {so.name}"
        add(f"{cal.as_of}_01_{who.tag}", who, sheets, title)
        if who.units and separate is not None:
            sheet = sheet_02(world, who.units, separate)
            add(f"{cal.as_of}_02_{who.tag}", who, [sheet], f"Biểu 02 của {so.name}")
    # the Sở Nội vụ's consolidation
    noi_vu = _Reporter(
        world.noi_vu, (province.ubnd.upper(), world.noi_vu.upper()), slug(world.noi_vu), [], []
    )
    others = [b for b in bodies if b.reporter == CONSOLIDATED and not b.is_unit]
    direct = [b for b in bodies if b.reporter == CONSOLIDATED and b.is_unit]
    if others or direct:
        sheets = []
        if others:
            sheets.append(sheet_01(world, layout, others, Style01()))
        if direct:
            sheets.append(sheet_02(world, direct, Style02(), label=layout.direct_units_label))
        consolidated = _Reporter(f"{world.noi_vu} (tổng hợp)", noi_vu.heading, "", [], [])
        add(f"{cal.as_of}_01_{noi_vu.tag}_tong_hop", consolidated, sheets,
            layout.consolidated_title)  # fmt: skip
    # the districts
    for d in world.districts:
        who, how = reporters[d.name], layout.districts[d.name]
        sheet01 = sheet_01(world, layout, who.agencies, how.style01, name=how.sheet_names[0])
        sheet02 = sheet_02(world, who.units, how.style02, name=how.sheet_names[1])
        if how.separate_02:
            add(f"{cal.as_of}_01_{who.tag}", who, [sheet01], f"Biểu 01 của {d.ubnd}")
            add(f"{cal.as_of}_02_{who.tag}", who, [sheet02], f"Biểu 02 của {d.ubnd}")
        else:
            add(f"{cal.as_of}_01_{who.tag}", who, [sheet01, sheet02],
                f"Biểu 01 và 02 của {d.ubnd}")  # fmt: skip
    # the earlier returns
    for early in layout.early:
        who = reporters[early.reporter]
        sheets = []
        if early.style01 is not None:
            sheets.append(
                sheet_01(world, layout, who.agencies, early.style01, True, corrects=early.corrects)
            )
        if early.style02 is not None:
            sheets.append(sheet_02(world, who.units, early.style02, True))
        if early.corrects_first:
            _correct_first(sheets[0])
        code = "01" if early.style01 is not None else "02"
        add(f"{cal.early_as_of}_{code}_{who.tag}", who, sheets, early.title, early=True)
    # reorganisations and the plan
    tail = f"_{slug(province.full)}" if layout.province_in_file_names else ""
    if world.events:
        since = f"{world.events_since} - {cal.as_of.month}/{cal.as_of.year}"
        add(f"{cal.as_of}_03_sap_xep_to_chuc{tail}", noi_vu, [events_sheet(world, layout)],
            f"Sắp xếp, kiện toàn tổ chức {since}")  # fmt: skip
    if world.plan is not None:
        plan = world.plan
        add(f"{plan.issued}_00_ke_hoach{tail}", noi_vu, [plan_sheet(plan)], plan.title)
    return out


def write_worlds(worlds: Sequence[tuple[World, Layout]], out_dir: Path) -> list[Path]:
    """Write the returns of every (world, layout) into `out_dir`; returns the paths in load
    order (by file name: the earlier returns first, the plan of a national set last)."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    returns = [(spec, w, lay) for w, lay in worlds for spec in world_returns(w, lay)]
    names = [spec.file_name for spec, _w, _l in returns]
    if len(set(names)) != len(names):
        raise ValueError("two returns share a file name")
    paths = []
    for spec, world, layout in sorted(returns, key=lambda r: r[0].file_name):
        path = out_dir / spec.file_name
        circular = layout.circular if spec.as_of == world.calendar.as_of else ""
        province = world.province
        head = Letterhead(province.name, province.ubnd, world.calendar.created, circular)
        write_return(spec, path, head, world.seed)
        paths.append(path)
    return paths
