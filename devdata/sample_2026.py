"""The second sample (docs/domain.md, "Second sample (2026)"): the new Thành phố Cần Thơ formed
on 01/07/2025 from the former Thành phố Cần Thơ, Tỉnh Sóc Trăng and Tỉnh Hậu Giang, 2021-2026.

Each former province has ten sở, two districts of four phòng each and 24 public service units.
Sizes are drawn from a seeded `random.Random` and fitted so that the totals in the constants
below come out exactly; everything else (which unit is cut, in which year) is the draw's. The
story, as the Department's forms tell it (`write_sample_2026(out_dir)` writes them through
`devdata.workbook`, the committed data/sample_2026/ is its output byte for byte):

- returns as at 31/12/2024 of each former province (years 2021-2024), the province named in
  the letterhead (`Đơn vị báo cáo: Sở Y tế tỉnh Hậu Giang`) and, in the districts' returns, in a
  `Tỉnh, thành phố` column;
- 01/03/2025, in each former province: Sở Kế hoạch và Đầu tư merged into Sở Tài chính, Sở Tài
  nguyên và Môi trường and Sở Nông nghiệp và Phát triển nông thôn into a new Sở Nông nghiệp và
  Môi trường;
- 01/07/2025: the provinces merged (Nghị quyết 202/2025/QH15); the Sóc Trăng and Hậu Giang sở
  merged into the Cần Thơ ones; the district level ended, its phòng dissolved into the communes,
  whose UBND were established;
- returns of the new city as at 31/12/2025 and 30/06/2026 (years 2025-2026), the former
  provinces' units named with their province (`Tỉnh, thành phố`) and the communes' UBND with
  their `Xã, phường`;
- one Biểu 03 of the 2025 reorganisations and one Biểu 00 holding both programmes.

The new columns and choices are the issue 16 contract's; the product reads them once the
programme, province and commune parts are in (until then the reader ignores the columns and
refuses the choices: tests/test_sample_2026.py lists which).
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from devdata.forms_out import (
    Style01,
    Style02,
    columns_01,
    columns_02,
    event_columns,
    plan_columns,
)
from devdata.sample import apportion
from devdata.workbook import Block, Letterhead, PCol, ReturnSpec, SheetSpec, write_return
from devdata.world import (
    ADMIN_KIND,
    AGRICULTURE,
    CITY_AGENCY,
    CIVIL_SERVANTS,
    DISSOLVE,
    DISTRICT_AGENCY,
    EDUCATION,
    EMPLOYEES,
    ESTABLISH,
    GROUP_2,
    GROUP_3,
    GROUP_4,
    HEALTH,
    MERGE,
    OTHER_SECTOR,
    PUBLIC_UNIT,
    Body,
    District,
    Province,
    decision,
    dmy,
    slug,
)
from etl.core.forms import FORM_00, FORM_01, FORM_02, FORM_03

# ---------------------------------------------------------------- settings of the sample

SEED = 20260630
BEFORE_YEARS = (2021, 2022, 2023, 2024)
AFTER_YEARS = (2025, 2026)
BEFORE_AS_OF = dt.date(2024, 12, 31)  # the former provinces' last returns
YEAR_END_AS_OF = dt.date(2025, 12, 31)  # the new city's first returns
AS_OF = dt.date(2026, 6, 30)  # the new city's mid-year returns
SO_MERGED = dt.date(2025, 3, 1)  # sở merged within each province
MERGED = dt.date(2025, 7, 1)  # provinces merged, district level ended
CITY = Province(92, "thành phố", "Cần Thơ")  # the new city (its name is the former city's)
SOC_TRANG = Province(94, "tỉnh", "Sóc Trăng")
HAU_GIANG = Province(93, "tỉnh", "Hậu Giang")

# The contract's new columns and choices (issue 16), as a clerk types them.
PROVINCE_LABEL = "Tỉnh, thành phố"
COMMUNE_LABEL = "Xã, phường"
PROGRAMME_LABEL = "Giai đoạn"
BASIS_LABEL = "Căn cứ"
EXCLUDE_LABEL = "Lĩnh vực giữ ổn định"
COMMUNE_KIND = "Cơ quan cấp xã"  # Biểu 01 `Loại cơ quan`
PROVINCE_UNIT = "Tỉnh, thành phố"  # Biểu 03 `Loại đơn vị`
DISTRICT_UNIT = "Quận, huyện"  # Biểu 03 `Loại đơn vị`
PROVINCE_MERGER_DOC = "Nghị quyết 202/2025/QH15"
COMMUNES_DOC = "Nghị quyết 1668/NQ-UBTVQH15"
PLAN_DOC = "Kế hoạch số 25/KH-UBND ngày 20/01/2026"
FORMER = " (cũ)"  # the suffix of a unit named with its former province

# The figures the product must compute from these files (docs/domain.md, "Second sample
# (2026)"): per former province, biên chế công chức 2021 and its cut by 2024 ...
CONG_CHUC_2021 = {CITY: 600, SOC_TRANG: 500, HAU_GIANG: 400}  # new city: 1.500
CONG_CHUC_CUT_2024 = {CITY: 12, SOC_TRANG: 10, HAU_GIANG: 8}  # 2024: 588 + 490 + 392 = 1.470
CONG_CHUC_CUT_AFTER = {2025: 15, 2026: 15}  # new city: 1.455 in 2025, 1.440 in 2026
# ... người làm việc 2021 by sector group (Giáo dục và Đào tạo, Y tế, the other sectors) ...
GROUPS = ("giao_duc", "y_te", "khac")
NLV_2021 = {
    CITY: (700, 1050, 250),  # 2.000
    SOC_TRANG: (600, 880, 220),  # 1.700
    HAU_GIANG: (450, 700, 150),  # 1.300 → new city 5.000 = 1.750 + 2.630 + 620
}
NLV_CUT_2024 = {
    CITY: (20, 30, 10),  # 2024: 1.940
    SOC_TRANG: (15, 25, 10),  # 1.650
    HAU_GIANG: (10, 20, 10),  # 1.260 → 4.850
}
NLV_CUT_AFTER = {2025: (0, 20, 30), 2026: (5, 35, 60)}  # 2025: 4.800; 2026: 4.700 = 1.700+2.500+500
# ... streamlined staff (công chức, viên chức) per former province per year, then the new city's.
STREAMLINED_BEFORE = ({2022: 2, 2023: 2, 2024: 1}, {2022: 10, 2023: 6, 2024: 4})
STREAMLINED_AFTER = ({2025: 10, 2026: 3}, {2025: 30, 2026: 8})

# Both programmes (Biểu 00): name, base year, cut of công chức, cut of người làm việc, the
# sectors kept stable, the basis.
PROGRAMMES = (
    ("2022 - 2026", 2021, 0.05, 0.10, (), "Kết luận 40-KL/TW ngày 18/07/2022"),
    ("2026 - 2031", 2026, 0.20, 0.10, (EDUCATION, HEALTH), "Công văn 10989/BNV-TCBC"),
)

# ---------------------------------------------------------------- names


SO = (  # the sở of every former province, with their quota ranges
    ("Sở Nội vụ", (30, 40)),
    ("Sở Tư pháp", (20, 28)),
    ("Sở Kế hoạch và Đầu tư", (30, 40)),
    ("Sở Tài chính", (40, 55)),
    ("Sở Công Thương", (30, 40)),
    ("Sở Nông nghiệp và Phát triển nông thôn", (60, 90)),
    ("Sở Tài nguyên và Môi trường", (40, 55)),
    ("Sở Xây dựng", (30, 40)),
    ("Sở Giáo dục và Đào tạo", (40, 55)),
    ("Sở Y tế", (35, 50)),
)
NEW_SO = "Sở Nông nghiệp và Môi trường"
# 01/03/2025, in each former province: (kind, the sở before, the sở after)
SO_MERGERS = (
    (MERGE, ("Sở Kế hoạch và Đầu tư", "Sở Tài chính"), "Sở Tài chính"),
    (
        "Hợp nhất",
        ("Sở Tài nguyên và Môi trường", "Sở Nông nghiệp và Phát triển nông thôn"),
        NEW_SO,
    ),
)
SO_AFTER = {old: new for _k, olds, new in SO_MERGERS for old in olds if old != new}
PHONG = (  # every district's phòng
    ("Phòng Nội vụ", (5, 8)),
    ("Phòng Tài chính - Kế hoạch", (6, 9)),
    ("Phòng Giáo dục và Đào tạo", (6, 9)),
    ("Văn phòng HĐND và UBND", (10, 14)),
)
DISTRICTS = {  # two districts per former province, and the communes they became
    CITY: (
        District("quận", "Ninh Kiều", communes=["phường Ninh Kiều", "phường Cái Khế"]),
        District("huyện", "Cờ Đỏ", communes=["xã Cờ Đỏ", "xã Thới Hưng"]),
    ),
    SOC_TRANG: (
        District("huyện", "Mỹ Tú", communes=["xã Mỹ Tú", "xã Mỹ Hương"]),
        District("huyện", "Kế Sách", communes=["xã Kế Sách", "xã Đại Hải"]),
    ),
    HAU_GIANG: (
        District("huyện", "Phụng Hiệp", communes=["xã Phụng Hiệp", "xã Hòa An"]),
        District("huyện", "Long Mỹ", communes=["xã Vĩnh Viễn", "xã Xà Phiên"]),
    ),
}
THPT = {
    CITY: (
        "Châu Văn Liêm", "Nguyễn Việt Hồng", "An Khánh", "Bùi Hữu Nghĩa", "Thốt Nốt",
        "Thới Lai", "Trung An", "Phan Văn Trị",
    ),
    SOC_TRANG: (
        "Hoàng Diệu", "Lê Lợi", "Mỹ Tú", "Kế Sách", "Phan Văn Hùng", "Mai Thanh Thế",
        "Lịch Hội Thượng", "Thiều Văn Chỏi",
    ),
    HAU_GIANG: (
        "Vị Thanh", "Chiêm Thành Tấn", "Long Mỹ", "Phụng Hiệp", "Cây Dương", "Tân Long",
        "Hòa An", "Lê Quý Đôn",
    ),
}  # fmt: skip


@dataclass(frozen=True)
class UnitKind:
    """A public service unit every former province has: name ({p}: the province, {d}: a
    district, one unit per district), sector, quota range, autonomy, the sở it belongs to."""

    name: str
    sector: str
    size: tuple[int, int]
    autonomy: str
    parent: str


UNIT_KINDS = (
    UnitKind("Trường Phổ thông Dân tộc nội trú {p}", EDUCATION, (35, 50), GROUP_4,
             "Sở Giáo dục và Đào tạo"),
    UnitKind("Bệnh viện Đa khoa {p}", HEALTH, (300, 450), GROUP_2, "Sở Y tế"),
    UnitKind("Bệnh viện Sản - Nhi {p}", HEALTH, (150, 220), GROUP_2, "Sở Y tế"),
    UnitKind("Bệnh viện Y học cổ truyền {p}", HEALTH, (60, 90), GROUP_3, "Sở Y tế"),
    UnitKind("Trung tâm Kiểm soát bệnh tật {p}", HEALTH, (80, 120), GROUP_4, "Sở Y tế"),
    UnitKind("Trung tâm Y tế {d}", HEALTH, (90, 140), GROUP_3, "Sở Y tế"),
    UnitKind("Trung tâm Khuyến nông {p}", AGRICULTURE, (20, 30), GROUP_4,
             "Sở Nông nghiệp và Phát triển nông thôn"),
    UnitKind("Trung tâm Nước sạch và Vệ sinh môi trường nông thôn {p}", AGRICULTURE, (15, 25),
             GROUP_3, "Sở Nông nghiệp và Phát triển nông thôn"),
    UnitKind("Văn phòng Đăng ký đất đai {p}", OTHER_SECTOR, (60, 90), GROUP_2,
             "Sở Tài nguyên và Môi trường"),
    UnitKind("Trung tâm Phát triển quỹ đất {p}", OTHER_SECTOR, (15, 25), GROUP_2,
             "Sở Tài nguyên và Môi trường"),
    UnitKind("Trung tâm Xúc tiến đầu tư {p}", OTHER_SECTOR, (8, 14), GROUP_4,
             "Sở Kế hoạch và Đầu tư"),
    UnitKind("Trung tâm Khuyến công {p}", OTHER_SECTOR, (10, 18), GROUP_3, "Sở Công Thương"),
    UnitKind("Trung tâm Trợ giúp pháp lý nhà nước {p}", OTHER_SECTOR, (12, 20), GROUP_4,
             "Sở Tư pháp"),
    UnitKind("Trung tâm Quy hoạch xây dựng {p}", OTHER_SECTOR, (10, 18), GROUP_2, "Sở Xây dựng"),
    UnitKind("Trung tâm Lưu trữ lịch sử {p}", OTHER_SECTOR, (10, 16), GROUP_4, "Sở Nội vụ"),
)  # fmt: skip
THPT_SIZE = (45, 80)


def label(p: Province) -> str:
    """ "Tỉnh Hậu Giang", "Thành phố Cần Thơ": how a column or Biểu 03 names the province."""
    return p.full[0].upper() + p.full[1:]


def _group(sector: str) -> int:
    return 0 if sector == EDUCATION else 1 if sector == HEALTH else 2


# ---------------------------------------------------------------- the world


@dataclass(eq=False)
class Former:
    """One former province: its sở, district phòng and public service units as `Body`s."""

    province: Province
    so: dict[str, Body] = field(default_factory=dict)
    phong: dict[str, list[Body]] = field(default_factory=dict)  # by district name
    units: list[Body] = field(default_factory=list)


@dataclass(eq=False)
class City:
    """The whole story: the former provinces, the new city's commune UBND (by district name)."""

    formers: list[Former]
    communes: dict[str, list[Body]]
    seed: int

    @property
    def city(self) -> Former:
        return self.formers[0]

    def after_so(self) -> list[Body]:
        """The new city's sở from 01/07/2025 (the former city's, and its new one)."""
        return [b for b in self.city.so.values() if b.ended is None]


def _fit(rng: random.Random, sizes: Sequence[tuple[int, int]], total: int) -> list[int]:
    """Sizes drawn within their ranges, scaled and nudged by one until they add up to `total`."""
    drawn = [rng.randint(*s) for s in sizes]
    scale = total / sum(drawn)
    values = [max(1, round(v * scale)) for v in drawn]
    while gap := total - sum(values):
        i = rng.randrange(len(values))
        step = 1 if gap > 0 else -1
        if values[i] + step >= 1:
            values[i] += step
    return values


def _cut(
    rng: random.Random,
    bodies: list[Body],
    total: int,
    years: Sequence[int],
    sizes: Sequence[int] | None = None,
) -> None:
    """`total` posts cut from `bodies` (more from the larger: `sizes`, else their 2021
    quotas), each cut in one of `years`."""
    if not total:
        return
    sizes = [b.quota[2021] for b in bodies] if sizes is None else sizes
    weights = [s * rng.uniform(0.5, 1.5) for s in sizes]
    for body, share in zip(bodies, apportion(total, weights), strict=True):
        for _ in range(share):
            year = rng.choice(years)
            body.cuts[year] = body.cuts.get(year, 0) + 1


def _run(body: Body, years: Sequence[int], start: int | None = None) -> None:
    """The body's quota from `start` (or its quota the year before) less its cuts, year by year."""
    level = body.quota[years[0] - 1] if start is None else start
    for year in years:
        level -= body.cuts.get(year, 0)
        body.quota[year] = level


def _streamline(rng: random.Random, bodies: list[Body], by_year: dict[int, int]) -> None:
    for year, n in by_year.items():
        for _ in range(n):
            body = rng.choice(bodies)
            body.streamlined[year] = body.streamlined.get(year, 0) + 1


def _former(rng: random.Random, p: Province) -> Former:
    """A former province's bodies with their 2021 sizes fitted and their cuts to 2024."""
    f = Former(p)
    for name, size in SO:
        f.so[name] = Body(name, CITY_AGENCY, name, size)
    for d in DISTRICTS[p]:
        f.phong[d.name] = [Body(n, DISTRICT_AGENCY, d.name, size, district=d) for n, size in PHONG]
    agencies = list(f.so.values()) + [b for bs in f.phong.values() for b in bs]
    for body, q in zip(
        agencies, _fit(rng, [b.size for b in agencies], CONG_CHUC_2021[p]), strict=True
    ):
        body.quota[2021] = q
    _cut(rng, agencies, CONG_CHUC_CUT_2024[p], BEFORE_YEARS[1:])
    for body in agencies:
        _run(body, BEFORE_YEARS[1:])
    specs = [
        UnitKind(f"Trường THPT {n}", EDUCATION, THPT_SIZE, GROUP_4, "Sở Giáo dục và Đào tạo")
        for n in THPT[p]
    ]
    for kind in UNIT_KINDS:
        places = [d.name for d in DISTRICTS[p]] if "{d}" in kind.name else [""]
        for d in places:
            name = kind.name.format(p=p.full, d=d)
            specs.append(UnitKind(name, kind.sector, kind.size, kind.autonomy, kind.parent))
    for spec in specs:
        f.units.append(
            Body(
                spec.name,
                PUBLIC_UNIT,
                spec.parent,
                spec.size,
                parent=spec.parent,
                sector=spec.sector,
                autonomy=spec.autonomy,
            )
        )
    for g in range(len(GROUPS)):
        members = [u for u in f.units if _group(u.sector) == g]
        for u, q in zip(members, _fit(rng, [u.size for u in members], NLV_2021[p][g]), strict=True):
            u.quota[2021] = q
        _cut(rng, members, NLV_CUT_2024[p][g], BEFORE_YEARS[1:])
    for u in f.units:
        _run(u, BEFORE_YEARS[1:])
    cc, vc = STREAMLINED_BEFORE
    _streamline(rng, agencies, cc)
    _streamline(rng, f.units, vc)
    return f


def build_city(seed: int = SEED) -> City:
    """The three former provinces to 2024, the mergers of 2025 and the new city to 2026."""
    rng = random.Random(seed)
    formers = [_former(rng, p) for p in (CITY, SOC_TRANG, HAU_GIANG)]
    city = formers[0]
    new_so = Body(NEW_SO, CITY_AGENCY, NEW_SO, (0, 0), established=SO_MERGED)
    merged = " và ".join(SO_MERGERS[1][1])
    new_so.note = f"Hợp nhất {merged} từ ngày {dmy(SO_MERGED)}"
    city.so[NEW_SO] = new_so
    # what each of the new city's bodies received on 01/07/2025: its predecessors' 2024 levels
    start: dict[str, int] = {}
    for f in formers:
        for name, body in f.so.items():
            if body is new_so:
                continue
            target = SO_AFTER.get(name, name)
            start[target] = start.get(target, 0) + body.quota[2024]
            if f is not city or name in SO_AFTER:
                body.ended = SO_MERGED if name in SO_AFTER else MERGED
    communes: dict[str, list[Body]] = {}
    for f in formers:
        for d in DISTRICTS[f.province]:
            for body in f.phong[d.name]:
                body.ended = MERGED
            staff = sum(b.quota[2024] for b in f.phong[d.name])
            shares = apportion(staff, [1.0] * len(d.communes))
            communes[d.name] = []
            for commune, share in zip(d.communes, shares, strict=True):
                name = f"UBND {commune}"
                body = Body(name, COMMUNE_KIND, name, (0, 0), established=MERGED, place=commune)
                body.note = f"Thành lập theo {COMMUNES_DOC} từ ngày {dmy(MERGED)}"
                start[name] = share
                communes[d.name].append(body)
    agencies = [b for b in city.so.values() if b.ended is None]
    agencies += [b for bs in communes.values() for b in bs]
    sizes = [start[b.name] for b in agencies]
    for year, n in CONG_CHUC_CUT_AFTER.items():
        _cut(rng, agencies, n, (year,), sizes)
    for body in agencies:
        _run(body, AFTER_YEARS, start[body.name])
    units = [u for f in formers for u in f.units]
    for year, cuts in NLV_CUT_AFTER.items():
        for g, n in enumerate(cuts):
            members = [u for u in units if _group(u.sector) == g]
            _cut(rng, members, n, (year,), [u.quota[2024] for u in members])
    for u in units:
        _run(u, AFTER_YEARS)
    cc, vc = STREAMLINED_AFTER
    _streamline(rng, agencies, cc)
    _streamline(rng, units, vc)
    return City(formers, communes, seed)


# ---------------------------------------------------------------- rows and sheets


def _row(body: Body, years: Sequence[int], **extra: Any) -> dict[str, Any]:
    """A Biểu 01/02 row: quotas and streamlined staff of `years`, what the unit is, `extra`."""
    return {
        "name": body.name,
        "agency_kind": body.kind,
        "parent": body.parent,
        "sector": body.sector,
        "autonomy": body.autonomy,
        "quota": {y: body.quota.get(y) for y in years},
        "streamlined": {y: body.streamlined.get(y, 0) for y in years if y != BEFORE_YEARS[0]},
        "job_position": body.job,
        "note": body.note,
        **extra,
    }


def _with(columns: list[PCol], after: str, extra: list[PCol]) -> list[PCol]:
    """`columns` with `extra` inserted after the (last) column of field `after`."""
    at = max(k for k, c in enumerate(columns) if c.field == after) + 1
    return columns[:at] + extra + columns[at:]


def _province_col(width: float = 18) -> PCol:
    return PCol("province", PROVINCE_LABEL, width=width)


def sheet_01(
    rows: list[dict[str, Any]],
    years: Sequence[int],
    *,
    district: bool = False,
    province: bool = False,
    commune: bool = False,
) -> SheetSpec:
    """Biểu 01 in the template's layout, with the district, province or commune column."""
    columns = columns_01(Style01(district="column") if district else Style01(), years)
    extra = [PCol("commune", COMMUNE_LABEL, width=18)] if commune else []
    extra += [_province_col()] if province else []
    columns = _with(columns, "district" if district else "agency_kind", extra)
    return SheetSpec("Biểu 01", FORM_01, "Biểu số 01", columns, [Block(rows)])


def sheet_02(rows: list[dict[str, Any]], years: Sequence[int], *, province: bool) -> SheetSpec:
    columns = columns_02(Style02(), years, counts=False)
    if province:
        columns = _with(columns, "parent", [_province_col()])
    return SheetSpec("Biểu 02", FORM_02, "Biểu số 02", columns, [Block(rows)])


def _event(
    day: dt.date,
    doc: str,
    kind: str,
    before: Sequence[str],
    after: Sequence[str],
    unit_kind: str,
    province: str = "",
    note: str = "",
) -> dict[str, Any]:
    joiner = "\n" if len(before) > 2 else "; "
    return {
        "date": day,
        "doc_ref": doc,
        "event_type": kind,
        "before": joiner.join(before),
        "after": "; ".join(after),
        "unit_kind": unit_kind,
        "province": province,
        "sector": "",
        "note": note,
    }


def events(world: City, rng: random.Random) -> list[dict[str, Any]]:
    """The 2025 reorganisations: sở within each province, the provinces, the sở across them,
    each district's level, the communes' UBND."""
    rows = []
    formers = world.formers
    for f in formers:
        doc = f"Quyết định số {decision(rng)}"
        for kind, before, after in SO_MERGERS:
            rows.append(
                _event(SO_MERGED, doc, kind, before, (after,), ADMIN_KIND, label(f.province))
            )
    provinces = [label(f.province) for f in formers]
    rows.append(
        _event(MERGED, PROVINCE_MERGER_DOC, "Hợp nhất", provinces, (label(CITY),), PROVINCE_UNIT)
    )
    doc = f"Quyết định số {decision(rng)}"
    for so in world.after_so():
        before = [f"{so.name} {f.province.full}{FORMER}" for f in formers[1:]]
        rows.append(_event(MERGED, doc, MERGE, before, (so.name,), ADMIN_KIND, label(CITY)))
    for f in formers:
        for d in DISTRICTS[f.province]:
            after = [c[0].upper() + c[1:] for c in d.communes]
            note = f"Các cơ quan chuyên môn của {d.ubnd} chấm dứt hoạt động"
            rows.append(
                _event(
                    MERGED,
                    COMMUNES_DOC,
                    DISSOLVE,
                    (label_district(d),),
                    after,
                    DISTRICT_UNIT,
                    label(f.province),
                    note,
                )
            )
    for bodies in world.communes.values():
        for body in bodies:
            rows.append(
                _event(MERGED, COMMUNES_DOC, ESTABLISH, (), (body.name,), ADMIN_KIND, label(CITY))
            )
    return rows


def label_district(d: District) -> str:
    return d.name[0].upper() + d.name[1:]


def events_sheet(rows: list[dict[str, Any]]) -> SheetSpec:
    columns = _with(event_columns(), "unit_kind", [_province_col()])
    return SheetSpec("Biểu 03", FORM_03, "Mẫu 03", columns, [Block(rows, "Năm 2025", "I")])


def plan_sheet(scope: str) -> SheetSpec:
    """Biểu 00: both programmes' targets for the whole city."""
    rows = []
    for name, base, cc, vc, stable, basis in PROGRAMMES:
        for measure, pct in ((CIVIL_SERVANTS, cc), (EMPLOYEES, vc)):
            kept = "; ".join(stable) if measure == EMPLOYEES else ""
            rows.append(
                {
                    "scope": scope,
                    "measure": measure,
                    "programme": name,
                    "base_year": base,
                    "pct": pct,
                    "exclude_sectors": kept,
                    "basis": basis,
                    "doc_ref": PLAN_DOC,
                    "note": f"Giai đoạn {name}, so với số giao năm {base}",
                }
            )
    columns = plan_columns(20, count=False)
    columns = _with(columns, "measure", [PCol("programme", PROGRAMME_LABEL, width=14)])
    columns = _with(columns, "pct", [PCol("exclude_sectors", EXCLUDE_LABEL, width=26)])
    columns = _with(columns, "exclude_sectors", [PCol("basis", BASIS_LABEL, width=34)])
    return SheetSpec("Biểu 00", FORM_00, "Biểu số 00", columns, [Block(rows)], total="")


# ---------------------------------------------------------------- returns


def _period(as_of: dt.date) -> str:
    return f"Năm {as_of.year}" if as_of.month == 12 else f"6 tháng đầu năm {as_of.year}"


def _spec(
    file: str, p: Province, who: str, as_of: dt.date, sheets: list[SheetSpec], title: str
) -> tuple[ReturnSpec, Province]:
    heading = (p.ubnd.upper(), who.upper())
    reporter = f"{who} {p.full}"
    return ReturnSpec(f"{file}.xlsx", reporter, heading, as_of, _period(as_of), sheets, title), p


def returns(world: City) -> list[tuple[ReturnSpec, Province]]:
    """Every return, with the province in whose name it is written."""
    out = []
    years = BEFORE_YEARS
    for f in world.formers:
        p, tail = f.province, slug(f.province.name)
        for name, so in f.so.items():
            if so.established is not None:
                continue
            units = [u for u in f.units if u.parent == name]
            sheets = [sheet_01([_row(so, years)], years)]
            if units:
                sheets.append(sheet_02([_row(u, years) for u in units], years, province=False))
            title = f"Biểu 01{' và 02' if units else ''} của {name} {p.full}"
            out.append(
                _spec(
                    f"{BEFORE_AS_OF}_01_{slug(name)}_{tail}", p, name, BEFORE_AS_OF, sheets, title
                )
            )
        for d in DISTRICTS[p]:
            rows = [
                _row(b, years, district=label_district(d), province=label(p))
                for b in f.phong[d.name]
            ]
            sheet = sheet_01(rows, years, district=True, province=True)
            out.append(
                _spec(
                    f"{BEFORE_AS_OF}_01_{slug(d.ubnd)}",
                    p,
                    d.ubnd,
                    BEFORE_AS_OF,
                    [sheet],
                    f"Biểu 01 của {d.ubnd} {p.full}",
                )
            )
    for as_of in (YEAR_END_AS_OF, AS_OF):
        years = tuple(y for y in AFTER_YEARS if y <= as_of.year)
        for so in world.after_so():
            units = [
                (u, f.province)
                for f in world.formers
                for u in f.units
                if SO_AFTER.get(u.parent, u.parent) == so.name
            ]
            sheets = [sheet_01([_row(so, years)], years)]
            if units:
                rows = [_row(u, years, parent=so.name, province=label(p)) for u, p in units]
                sheets.append(sheet_02(rows, years, province=True))
            title = f"Biểu 01{' và 02' if units else ''} của {so.name} {CITY.full}"
            out.append(_spec(f"{as_of}_01_{slug(so.name)}", CITY, so.name, as_of, sheets, title))
        rows = []
        for bodies in world.communes.values():
            for b in bodies:
                commune = b.place[0].upper() + b.place[1:]
                rows.append(_row(b, years, commune=commune))
        sheet = sheet_01(rows, years, commune=True)
        out.append(
            _spec(
                f"{as_of}_01_so_noi_vu_tong_hop_cap_xa",
                CITY,
                "Sở Nội vụ",
                as_of,
                [sheet],
                "Sở Nội vụ tổng hợp: cơ quan cấp xã",
            )
        )
    rng = random.Random(f"{world.seed}/events")
    out.append(
        _spec(
            f"{YEAR_END_AS_OF}_03_sap_xep_to_chuc",
            CITY,
            "Sở Nội vụ",
            YEAR_END_AS_OF,
            [events_sheet(events(world, rng))],
            "Sắp xếp tổ chức năm 2025",
        )
    )
    out.append(
        _spec(
            f"{AS_OF}_00_ke_hoach",
            CITY,
            "Sở Nội vụ",
            AS_OF,
            [plan_sheet(CITY.scope)],
            "Kế hoạch tinh giản biên chế hai giai đoạn",
        )
    )
    return out


def write_sample_2026(out_dir: Path) -> list[Path]:
    """Write the second sample's returns (.xlsx) into `out_dir`; their paths in load order."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    world = build_city()
    specs = returns(world)
    names = [s.file_name for s, _p in specs]
    if len(set(names)) != len(names):
        raise ValueError("two returns share a file name")
    paths = []
    for spec, p in sorted(specs, key=lambda r: r[0].file_name):
        created = dt.datetime.combine(spec.as_of + dt.timedelta(days=10), dt.time(8, 30))
        head = Letterhead(p.name, p.ubnd, created)
        path = out_dir / spec.file_name
        write_return(spec, path, head, world.seed)
        paths.append(path)
    return paths
