"""The world the test returns describe: one province (or the sample city) as data.

A `World` is what exists and what happened, before anybody fills a form: the `Province`, its
`Calendar` (reporting years and cut-offs), its `District`s, every agency and public service unit
as a `Body` (quotas per year, cuts, staff received in mergers, streamlined staff, pending cuts,
norms, job positions, notes, blank cells), the reorganisation `Event`s and the `Plan`'s targets.
`devdata.sample` builds the Cần Thơ-like city whose figures the Department's report quotes,
`devdata.scale` builds the provinces of a national set; `devdata.forms_out` writes a world's
returns. Vocabulary (kinds, choices, words) comes from `etl.core.forms`; the counting rules are
in docs/domain.md.

Also here: what every district has (its phòng and centres), school levels and series of schools
named in a place, and the small steps the stories are told with (a day in a range, a decision
number, a unit ended into another, notes).
"""

from __future__ import annotations

import datetime as dt
import random
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field

from etl.core.forms import (
    AGENCY_KIND_CHOICES,
    AUTONOMY_CHOICES,
    CITY_SCOPES,
    EVENT_TYPE_CHOICES,
    JOB_POSITION_CHOICES,
    MEASURE_CHOICES,
    SECTOR_CHOICES,
    UNIT_KIND_CHOICES,
)

# Choices by name (tuple unpacking fails loudly if forms.py changes them).
CITY_AGENCY, CHI_CUC, OTHER_ORG, DISTRICT_AGENCY = AGENCY_KIND_CHOICES[:4]
APPROVED, NOT_APPROVED, INELIGIBLE = JOB_POSITION_CHOICES
GROUP_1, GROUP_2, GROUP_3, GROUP_4 = AUTONOMY_CHOICES
EDUCATION, HEALTH, CULTURE, LABOUR, AGRICULTURE, SCIENCE, MEDIA, OTHER_SECTOR = SECTOR_CHOICES
ESTABLISH, DISSOLVE, MERGE, CONSOLIDATE, SPLIT, RENAME, RESTRUCTURE, PAUSE = EVENT_TYPE_CHOICES
ADMIN_KIND, PUBLIC_UNIT = UNIT_KIND_CHOICES
CIVIL_SERVANTS, EMPLOYEES = MEASURE_CHOICES

BASE_YEAR = 2021  # the year the plans' cuts are measured from
CONSOLIDATED = "Sở Nội vụ (tổng hợp)"  # reporter of what the Sở Nội vụ consolidates
HOSPITALS = "Bệnh viện"
HEALTH_CENTRES = "Trung tâm Y tế quận, huyện"
HIGH_SCHOOLS = "Trường trung học phổ thông"
OTHER_UNITS = "Đơn vị sự nghiệp khác"
DISSOLVING_NOTE = "Đang thực hiện thủ tục giải thể"
NEW_UNIT_NOTE = "Mới thành lập, chuẩn bị đi vào hoạt động"
INTERNAL_KINDS = ("phong", "khoa", "chi_nhanh", "khac")  # Biểu 03 internal decreases
INTERNAL_WORDS = ("phòng", "khoa", "chi nhánh", "tổ chức khác")

# ---------------------------------------------------------------- places and calendar


@dataclass(frozen=True)
class Province:
    """A province or centrally-run city (`index` numbers it in a national set)."""

    index: int
    kind: str  # tỉnh | thành phố
    name: str

    @property
    def full(self) -> str:
        return f"{self.kind} {self.name}"

    @property
    def ubnd(self) -> str:
        return f"UBND {self.full}"

    @property
    def scope(self) -> str:
        """The plan's scope for the whole province: "Toàn thành phố" or "Toàn tỉnh"."""
        return CITY_SCOPES[0] if self.kind == "thành phố" else CITY_SCOPES[1]

    @property
    def code(self) -> str:
        return f"H{self.index:02d}"


@dataclass(frozen=True)
class Calendar:
    """The years a world's returns report and their cut-offs: the mid-year returns (`as_of`)
    and the earlier ones they supersede (`early_as_of`)."""

    years: tuple[int, ...]
    as_of: dt.date
    period: str
    early_as_of: dt.date
    early_period: str
    created: dt.datetime  # when the returns were saved (written into the files' properties)

    @property
    def final_year(self) -> int:
        return self.years[-1]

    @property
    def early_years(self) -> tuple[int, ...]:
        return tuple(y for y in self.years if y <= self.early_as_of.year)


@dataclass(eq=False)
class District:
    """A quận, huyện or thị xã: its wards and towns (phường, thị trấn), communes (xã) and the
    phòng it has besides those every district has."""

    kind: str  # quận | huyện | thị xã
    place: str
    towns: tuple[str, ...] = ()
    communes: list[str] = field(default_factory=list)
    extra_phong: tuple[str, ...] = ()

    @property
    def name(self) -> str:
        return f"{self.kind} {self.place}"

    @property
    def ubnd(self) -> str:
        return f"UBND {self.name}"


# What every district has: its phòng (with their quota ranges) and three centres.
DISTRICT_PHONG = (
    ("Phòng Nội vụ", (5, 8)),
    ("Phòng Tư pháp", (5, 7)),
    ("Phòng Tài chính - Kế hoạch", (6, 9)),
    ("Phòng Tài nguyên và Môi trường", (5, 8)),
    ("Phòng Lao động - Thương binh và Xã hội", (5, 8)),
    ("Phòng Văn hóa và Thông tin", (5, 7)),
    ("Phòng Giáo dục và Đào tạo", (6, 9)),
    ("Phòng Y tế", (5, 7)),
    ("Thanh tra {kind}", (5, 8)),
    ("Văn phòng HĐND và UBND", (10, 15)),
)
URBAN_PHONG = ("Phòng Kinh tế", "Phòng Quản lý đô thị")
RURAL_PHONG = ("Phòng Nông nghiệp và Phát triển nông thôn", "Phòng Kinh tế và Hạ tầng")
EXTRA_PHONG_SIZE = (5, 8)


def district_phong(d: District) -> list[tuple[str, tuple[int, int]]]:
    """The district's phòng and their quota ranges, in the order its Biểu 01 lists them."""
    phong = [(name.format(kind=d.kind), size) for name, size in DISTRICT_PHONG]
    return phong + [(name, EXTRA_PHONG_SIZE) for name in d.extra_phong]


@dataclass(frozen=True)
class UnitSpec:
    """A public service unit (ĐVSNCL) as a list of units names it: sector, quota range, autonomy
    group, the group row of its return ("Bệnh viện" …; "" for none), and whether a norm
    (định mức) applies to it."""

    name: str
    sector: str
    size: tuple[int, int]
    autonomy: str = GROUP_4
    group: str = ""
    has_norm: bool = False


def district_centres(d: District) -> tuple[UnitSpec, ...]:
    """The public service units every district runs besides its schools."""
    return (
        UnitSpec(f"Trung tâm Văn hóa - Thể thao {d.name}", CULTURE, (15, 25), GROUP_4,
                 OTHER_UNITS),
        UnitSpec(f"Trung tâm Giáo dục nghề nghiệp - Giáo dục thường xuyên {d.name}", EDUCATION,
                 (15, 30), GROUP_4, OTHER_UNITS, True),
        UnitSpec(f"Ban Quản lý dự án đầu tư xây dựng {d.name}", OTHER_SECTOR, (8, 15), GROUP_2,
                 OTHER_UNITS),
    )  # fmt: skip


@dataclass(frozen=True)
class SchoolLevel:
    """A level of district school: name prefix, group row, how many per place (and how likely),
    quota range (in a commune when it differs)."""

    prefix: str
    group: str
    counts: tuple[int, ...]
    weights: tuple[float, ...]
    size: tuple[int, int]
    commune_size: tuple[int, int] | None = None
    always_numbered: bool = False  # in a xã: "Trường Tiểu học Thới Hưng 1" even when alone

    def size_in(self, commune: bool) -> tuple[int, int]:
        return self.commune_size or self.size if commune else self.size


@dataclass(eq=False)
class Series:
    """The schools of one level in one place, named with suffixes (A, B / 1, 2)."""

    district: District
    place: str
    commune: bool
    level: SchoolLevel
    count: int
    invented: int = 0  # names used up by units that ended before the base year

    def name(self, i: int) -> str:
        """The i-th (1-based) school's name."""
        if self.commune and (self.level.always_numbered or self.count > 1):
            suffix = f" {i}"
        elif self.count > 1:
            suffix = f" {chr(64 + i)}"
        else:
            suffix = ""
        return f"{self.level.prefix} {self.place}{suffix}"

    @property
    def suffixed(self) -> bool:
        return self.name(1) != f"{self.level.prefix} {self.place}"


# ---------------------------------------------------------------- agencies, units, events


@dataclass(eq=False)
class Body:
    """One agency (a row of Biểu 01) or public service unit (kind PUBLIC_UNIT, a row of
    Biểu 02) with its story: quota per year from its base, cuts and staff received, and what
    its returns say besides."""

    name: str
    kind: str  # agency kind (Biểu 01) or PUBLIC_UNIT
    reporter: str  # the reporting body whose return lists it
    size: tuple[int, int]
    district: District | None = None
    code: str | None = None
    parent: str = ""
    sector: str = ""
    autonomy: str = GROUP_4
    group: str = ""
    has_norm: bool = False
    level: SchoolLevel | None = None  # a school's level
    place: str = ""  # a school's commune
    established: dt.date | None = None
    ended: dt.date | None = None
    receiver: Body | None = None  # where its staff went when it ended
    base: int = 0
    bumps: dict[int, int] = field(default_factory=dict)  # staff received, by year
    cuts: dict[int, int] = field(default_factory=dict)
    quota: dict[int, int] = field(default_factory=dict)
    streamlined: dict[int, int] = field(default_factory=dict)
    blank_year: int | None = None  # a year its return leaves empty
    pending: int | None = None
    norm: int | None = None
    present: int | None = None
    job: str = APPROVED
    note: str = ""
    busy: bool = False  # already part of a story (event, blank cell)

    @classmethod
    def unit(
        cls, spec: UnitSpec, reporter: str, parent: str, district: District | None = None
    ) -> Body:
        """A public service unit from its spec."""
        return cls(spec.name, PUBLIC_UNIT, reporter, spec.size, district, parent=parent,
                   sector=spec.sector, autonomy=spec.autonomy, group=spec.group,
                   has_norm=spec.has_norm)  # fmt: skip

    @property
    def is_unit(self) -> bool:
        return self.kind == PUBLIC_UNIT

    @property
    def first_year(self) -> int:
        return max(BASE_YEAR, self.established.year) if self.established else BASE_YEAR

    def last_year(self, final_year: int) -> int:
        """The last year whose 31 December it saw (or `final_year`, the reporting year)."""
        return self.ended.year - 1 if self.ended else final_year

    @property
    def exists(self) -> bool:
        return self.ended is None

    @property
    def continuing(self) -> bool:
        """Existed in the base year and still does."""
        return self.exists and self.first_year == BASE_YEAR

    def exists_at(self, when: dt.date) -> bool:
        born = self.established is None or self.established <= when
        return born and (self.ended is None or self.ended > when)


@dataclass(eq=False)
class Event:
    """One reorganisation (a row of Biểu 03); `before` holds a merger's receiving unit too."""

    date: dt.date
    doc: str
    kind: str
    before: tuple[str, ...]
    after: tuple[str, ...]
    sector: str
    internal: dict[str, int] = field(default_factory=dict)  # by INTERNAL_KINDS
    note: str = ""
    unit_kind: str = PUBLIC_UNIT
    worded: bool = False  # its return writes the date in words

    @property
    def reduced(self) -> int:
        """Units fewer after the event (docs/domain.md, "Counting rules")."""
        if self.kind in (ESTABLISH, RESTRUCTURE):
            return 0
        before, after = set(self.before), set(self.after)
        return len(before - after) - len(after - before)


@dataclass(frozen=True)
class Target:
    """One line of the plan: a scope (the province, or one agency or unit), the measure, and
    the cut as a share (0.05 or "10%" as typed) or a number of posts."""

    scope: str
    measure: str
    note: str
    pct: float | str | None = None
    count: int | None = None


@dataclass(frozen=True)
class Plan:
    """The province's streamlining plan (Biểu 00)."""

    doc: str
    issued: dt.date
    title: str
    targets: tuple[Target, ...]


@dataclass(eq=False)
class World:
    """One province (or the sample city) with everything its returns report."""

    province: Province
    calendar: Calendar
    bodies: list[Body]
    districts: list[District]
    events: list[Event]
    so: list[Body]  # the sở (ended ones too), in their order; new ones at the end
    plan: Plan | None = None
    noi_vu: str = "Sở Nội vụ"  # the Department: it sends the plan, the events, the consolidation
    events_since: int = BASE_YEAR  # the first year the Biểu 03 covers
    seed: int = 0  # names the random streams of the files' details (signers …)
    key: str = ""  # names the random stream of the events' typing
    # (gone, receiving body, share of its staff moved) in the order the mergers were decided
    receivers: list[tuple[Body, Body, float]] = field(default_factory=list)

    @property
    def agencies(self) -> list[Body]:
        return [b for b in self.bodies if not b.is_unit]

    @property
    def units(self) -> list[Body]:
        return [b for b in self.bodies if b.is_unit]


# ---------------------------------------------------------------- telling the stories


def day_between(rng: random.Random, first: dt.date, last: dt.date) -> dt.date:
    return first + dt.timedelta(days=rng.randrange((last - first).days + 1))


def decision(rng: random.Random) -> str:
    return f"{rng.randint(120, 3980)}/QĐ-UBND"


def split_years(
    rng: random.Random, total: int, years: Sequence[int], weights: Sequence[float]
) -> dict[int, int]:
    """A reduction of `total` spread over `years`, each year as likely as its weight."""
    drawn = rng.choices(years, weights, k=total)
    return {y: drawn.count(y) for y in years if drawn.count(y)}


def dmy(day: dt.date) -> str:
    return day.strftime("%d/%m/%Y")


def slug(text: str) -> str:
    """ASCII file-name part: "UBND quận Ô Môn" → "ubnd_quan_o_mon"."""
    plain = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    plain = "".join(ch for ch in plain if not unicodedata.combining(ch)).lower()
    return "_".join("".join(ch if ch.isalnum() else " " for ch in plain).split())


def end(body: Body, day: dt.date, doc: str, receiver: Body | None) -> None:
    """The body ends on `day` by decision `doc`: merged into `receiver`, or dissolved."""
    body.ended, body.receiver, body.busy = day, receiver, True
    how = f"Đã sáp nhập vào {receiver.name}" if receiver else "Đã giải thể"
    body.note = f"{how} theo Quyết định số {doc} ngày {dmy(day)}"


def established_note(doc: str, day: dt.date) -> str:
    return f"Thành lập theo Quyết định số {doc} ngày {dmy(day)}"


def restructure_note(internal: dict[str, int]) -> str:
    """The note of an internal restructuring: "Giảm 02 phòng, 01 khoa"."""
    words = zip(internal.values(), INTERNAL_WORDS, strict=True)
    return "Giảm " + ", ".join(f"{n:02d} {w}" for n, w in words if n)
