"""Returns at national size: provinces of agencies and public service units, 2021-2026.

`write_scale(out_dir, provinces=34, units_per_province=1500, seed=1)` writes, per province,
the workbooks its reporting bodies send in the forms' real shapes (each province is a
`devdata.world.World` written by `devdata.forms_out`, like the sample city: title blocks, merged
two-row headers, group and subtotal rows with SUM formulas, accepted aliases, moved columns,
counts typed as text):

- one Biểu 01 (+ 02) per sở (Biểu 02 apart for Sở Y tế and Sở Giáo dục và Đào tạo), one for
  the Sở Nội vụ's consolidation (other administrative organisations, units under the UBND);
- one Biểu 01 + 02 per district (quận, huyện, thị xã), sometimes as two files;
- earlier returns as of 31/12/2024 that the mid-2026 ones supersede (one figure corrected);
- one Biểu 03 of the reorganisations 2022-2026: schools merged, consolidated, dissolved and
  established, internal restructuring, and the 2025 merger of the sở (Sở Kế hoạch và Đầu tư
  into Sở Tài chính, Sở Tài nguyên và Môi trường with Sở Nông nghiệp và Phát triển nông thôn
  into the new Sở Nông nghiệp và Môi trường …);
- one Biểu 00 plan (the province's 5% / 10%, and two units' own targets), issued after the
  mid-year returns (its file name sorts last, so `sorted(glob)` is a valid load order).

Names are unique in the nation where the product compares them without a district (every
provincial body carries its province, every district and commune name is drawn once), and
never equal when diacritics are ignored. Sizes scale with `units_per_province`, so a
city-size set comes out of the same code (`--provinces 1 --units 550`).

`manifest.json` in `out_dir` holds what the returns intend: the files in load order and the
totals the product must compute from them (baseline, current, pending, streamlined,
reorganisation counts, units, missing data, job positions) at the cut-off 30/06/2026.

    .venv/bin/python -m devdata.scale --out /tmp/national --provinces 34 --units 1500
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import random
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from devdata.forms_out import (
    DistrictReturn,
    EarlyReturn,
    Layout,
    Style01,
    Style02,
    separate_02,
    write_worlds,
)
from devdata.world import (
    ADMIN_KIND,
    AGRICULTURE,
    APPROVED,
    BASE_YEAR,
    CHI_CUC,
    CITY_AGENCY,
    CIVIL_SERVANTS,
    CONSOLIDATE,
    CONSOLIDATED,
    CULTURE,
    DISSOLVE,
    DISSOLVING_NOTE,
    DISTRICT_AGENCY,
    EDUCATION,
    EMPLOYEES,
    ESTABLISH,
    GROUP_2,
    GROUP_3,
    GROUP_4,
    HEALTH,
    HEALTH_CENTRES,
    HIGH_SCHOOLS,
    HOSPITALS,
    INELIGIBLE,
    INTERNAL_KINDS,
    LABOUR,
    MEDIA,
    MERGE,
    NEW_UNIT_NOTE,
    NOT_APPROVED,
    OTHER_ORG,
    OTHER_SECTOR,
    OTHER_UNITS,
    PUBLIC_UNIT,
    RESTRUCTURE,
    RURAL_PHONG,
    SCIENCE,
    URBAN_PHONG,
    Body,
    Calendar,
    District,
    Event,
    Plan,
    Province,
    SchoolLevel,
    Series,
    Target,
    UnitSpec,
    World,
    day_between,
    decision,
    district_centres,
    district_phong,
    end,
    established_note,
    restructure_note,
    split_years,
)
from etl.core.normalize import loose_key, name_key

YEARS = tuple(range(2021, 2027))
CUT_YEARS = YEARS[1:]
CUT_WEIGHTS = (0.25, 0.25, 0.2, 0.15, 0.15)
AS_OF = dt.date(2026, 6, 30)
EARLY_AS_OF = dt.date(2024, 12, 31)
CALENDAR = Calendar(
    YEARS, AS_OF, "6 tháng đầu năm 2026", EARLY_AS_OF, "Năm 2024", dt.datetime(2026, 7, 1)
)
PLAN_ISSUED = dt.date(2026, 7, 15)  # the adjusted plan, after the mid-year returns
PLAN_TITLE = "Kế hoạch tinh giản biên chế giai đoạn 2022 - 2026 (điều chỉnh)"
PLAN_NOTE = f"Giai đoạn 2022 - 2026, so với số giao năm {BASE_YEAR}"
MERGER_DAY = dt.date(2025, 3, 1)  # the sở merged under Nghị quyết 18-NQ/TW
LAST_EVENT = AS_OF - dt.timedelta(days=20)
EVENTS_SINCE = 2022
DEFAULT_SEED = 20260630
MANIFEST = "manifest.json"

# The 34 provincial units from 1 July 2025: 6 centrally-run cities and 28 provinces.
PROVINCES = (
    ("thành phố", "Hà Nội"), ("thành phố", "Huế"), ("tỉnh", "Lai Châu"), ("tỉnh", "Điện Biên"),
    ("tỉnh", "Sơn La"), ("tỉnh", "Lạng Sơn"), ("tỉnh", "Quảng Ninh"), ("tỉnh", "Thanh Hóa"),
    ("tỉnh", "Nghệ An"), ("tỉnh", "Hà Tĩnh"), ("tỉnh", "Cao Bằng"), ("tỉnh", "Tuyên Quang"),
    ("tỉnh", "Lào Cai"), ("tỉnh", "Thái Nguyên"), ("tỉnh", "Phú Thọ"), ("tỉnh", "Bắc Ninh"),
    ("tỉnh", "Hưng Yên"), ("thành phố", "Hải Phòng"), ("tỉnh", "Ninh Bình"),
    ("tỉnh", "Quảng Trị"), ("thành phố", "Đà Nẵng"), ("tỉnh", "Quảng Ngãi"), ("tỉnh", "Gia Lai"),
    ("tỉnh", "Khánh Hòa"), ("tỉnh", "Lâm Đồng"), ("tỉnh", "Đắk Lắk"),
    ("thành phố", "Hồ Chí Minh"), ("tỉnh", "Đồng Nai"), ("tỉnh", "Tây Ninh"),
    ("thành phố", "Cần Thơ"), ("tỉnh", "Vĩnh Long"), ("tỉnh", "Đồng Tháp"), ("tỉnh", "Cà Mau"),
    ("tỉnh", "An Giang"),
)  # fmt: skip

# Syllables of place names (districts, communes, high schools): a name is two of them, each
# drawn once in the nation. No two syllables are equal without diacritics.
SYLLABLES = (
    "An", "Bình", "Phú", "Tân", "Long", "Hòa", "Mỹ", "Vĩnh", "Đông", "Tây", "Nam", "Bắc",
    "Trung", "Hưng", "Thuận", "Phước", "Lộc", "Quang", "Hải", "Thạnh", "Thới", "Xuân", "Hiệp",
    "Nghĩa", "Đức", "Minh", "Hồng", "Kim", "Ngọc", "Cẩm", "Gia", "Thiện", "Tiên", "Vân", "Yên",
    "Sơn", "Thủy", "Định", "Khánh", "Lạc", "Hội", "Quế", "Hoàng", "Phong", "Lương", "Tường",
    "Cát", "Đại", "Thái", "Hữu", "Chánh", "Lợi", "Điền", "Giang", "Hà", "Khê", "Lâm", "Mai",
    "Nhơn", "Ninh", "Phúc", "Quý", "Sen", "Tam", "Tịnh", "Uyên", "Viên", "Xá", "Bảo", "Cường",
    "Dương", "Hạnh", "Kiến", "Liên", "Mậu", "Nhân", "Phổ", "Quới", "Sa", "Tú", "Ước", "Vũ",
    "Chi", "Lũy", "Hiển", "Khương", "Lập", "Mỏ", "Nguyên", "Phượng", "Quyết", "Thắng", "Trà",
    "Vọng", "Ba", "Cự", "Dĩ", "Hậu", "Kỳ", "Lễ", "Mẫn", "Nhuận", "Phát",
)  # fmt: skip


@dataclass(frozen=True)
class SoSpec:
    """A sở of every province: name, quota range, chi cục, and its public service units
    ("{p}" is the province)."""

    name: str
    size: tuple[int, int]
    chi_cuc: tuple[tuple[str, tuple[int, int]], ...] = ()
    units: tuple[UnitSpec, ...] = ()


def _u(
    name: str,
    sector: str,
    size: tuple[int, int],
    autonomy: str = GROUP_4,
    group: str = OTHER_UNITS,
    norm: bool = False,
) -> UnitSpec:
    return UnitSpec(name, sector, size, autonomy, group, norm)


NOI_VU, Y_TE, GIAO_DUC, TAI_CHINH, KH_DT = 0, 1, 2, 3, 4
# In order of priority: a small province keeps the first ones.
SO = (
    SoSpec("Sở Nội vụ {p}", (35, 55), (("Chi cục Văn thư - Lưu trữ {p}", (10, 18)),),
           (_u("Trung tâm Lưu trữ lịch sử {p}", OTHER_SECTOR, (10, 18)),)),
    SoSpec("Sở Y tế {p}", (35, 50),
           (("Chi cục Dân số - Kế hoạch hóa gia đình {p}", (10, 16)),
            ("Chi cục An toàn vệ sinh thực phẩm {p}", (12, 18))),
           (_u("Bệnh viện Đa khoa {p}", HEALTH, (450, 900), GROUP_2, HOSPITALS, True),
            _u("Bệnh viện Sản - Nhi {p}", HEALTH, (250, 450), GROUP_2, HOSPITALS, True),
            _u("Trung tâm Kiểm soát bệnh tật {p}", HEALTH, (100, 170), GROUP_4, norm=True),
            _u("Bệnh viện Y học cổ truyền {p}", HEALTH, (100, 160), GROUP_3, HOSPITALS, True),
            _u("Bệnh viện Phục hồi chức năng {p}", HEALTH, (70, 120), GROUP_3, HOSPITALS, True),
            _u("Bệnh viện Tâm thần {p}", HEALTH, (80, 130), GROUP_3, HOSPITALS, True),
            _u("Bệnh viện Lao và Bệnh phổi {p}", HEALTH, (90, 150), GROUP_3, HOSPITALS, True),
            _u("Bệnh viện Mắt {p}", HEALTH, (60, 110), GROUP_2, HOSPITALS, True),
            _u("Bệnh viện Da liễu {p}", HEALTH, (40, 80), GROUP_2, HOSPITALS, True),
            _u("Bệnh viện Nội tiết {p}", HEALTH, (50, 90), GROUP_3, HOSPITALS, True),
            _u("Bệnh viện Ung bướu {p}", HEALTH, (150, 260), GROUP_2, HOSPITALS, True),
            _u("Bệnh viện Tim mạch {p}", HEALTH, (120, 200), GROUP_2, HOSPITALS, True),
            _u("Trung tâm Kiểm nghiệm thuốc, mỹ phẩm, thực phẩm {p}", HEALTH, (25, 45), GROUP_3),
            _u("Trung tâm Pháp y {p}", HEALTH, (12, 25)),
            _u("Trung tâm Giám định y khoa {p}", HEALTH, (10, 20)),
            _u("Trung tâm Cấp cứu 115 {p}", HEALTH, (35, 60), GROUP_3),
            _u("Trường Cao đẳng Y tế {p}", EDUCATION, (80, 130), GROUP_2))),
    SoSpec("Sở Giáo dục và Đào tạo {p}", (45, 65), (),
           (_u("Trường Phổ thông Dân tộc nội trú {p}", EDUCATION, (35, 55), norm=True),
            _u("Trường THPT Chuyên {p}", EDUCATION, (60, 95), GROUP_4, HIGH_SCHOOLS, True))),
    SoSpec("Sở Tài chính {p}", (45, 70)),
    SoSpec("Sở Kế hoạch và Đầu tư {p}", (35, 55), (),
           (_u("Trung tâm Hỗ trợ doanh nghiệp {p}", OTHER_SECTOR, (8, 15)),)),
    SoSpec("Sở Xây dựng {p}", (35, 50), (),
           (_u("Viện Quy hoạch xây dựng {p}", OTHER_SECTOR, (25, 45), GROUP_2),
            _u("Trung tâm Kiểm định chất lượng xây dựng {p}", OTHER_SECTOR, (15, 25), GROUP_2))),
    SoSpec("Sở Giao thông vận tải {p}", (40, 55), (),
           (_u("Ban Quản lý dự án giao thông {p}", OTHER_SECTOR, (20, 35), GROUP_2),)),
    SoSpec("Sở Nông nghiệp và Phát triển nông thôn {p}", (35, 50),
           (("Chi cục Kiểm lâm {p}", (25, 60)), ("Chi cục Thủy lợi {p}", (12, 22)),
            ("Chi cục Trồng trọt và Bảo vệ thực vật {p}", (18, 30)),
            ("Chi cục Chăn nuôi và Thú y {p}", (18, 30)), ("Chi cục Thủy sản {p}", (10, 18)),
            ("Chi cục Phát triển nông thôn {p}", (8, 15))),
           (_u("Trung tâm Khuyến nông {p}", AGRICULTURE, (30, 50)),
            _u("Trung tâm Giống nông nghiệp {p}", AGRICULTURE, (20, 35), GROUP_3),
            _u("Trung tâm Nước sạch và Vệ sinh môi trường nông thôn {p}", AGRICULTURE, (20, 30),
               GROUP_3),
            _u("Ban Quản lý rừng phòng hộ {p}", AGRICULTURE, (15, 40)))),
    SoSpec("Sở Tài nguyên và Môi trường {p}", (35, 45),
           (("Chi cục Bảo vệ môi trường {p}", (12, 18)), ("Chi cục Quản lý đất đai {p}", (12, 18))),
           (_u("Văn phòng Đăng ký đất đai {p}", OTHER_SECTOR, (80, 160), GROUP_2),
            _u("Trung tâm Quan trắc tài nguyên và môi trường {p}", OTHER_SECTOR, (20, 30),
               GROUP_3),
            _u("Trung tâm Phát triển quỹ đất {p}", OTHER_SECTOR, (25, 45), GROUP_2))),
    SoSpec("Sở Khoa học và Công nghệ {p}", (25, 35),
           (("Chi cục Tiêu chuẩn Đo lường Chất lượng {p}", (15, 22)),),
           (_u("Trung tâm Ứng dụng tiến bộ khoa học và công nghệ {p}", SCIENCE, (20, 30), GROUP_3),
            _u("Trung tâm Kỹ thuật Tiêu chuẩn Đo lường Chất lượng {p}", SCIENCE, (15, 25),
               GROUP_2))),
    SoSpec("Sở Thông tin và Truyền thông {p}", (25, 32), (),
           (_u("Trung tâm Công nghệ thông tin và Truyền thông {p}", MEDIA, (20, 30), GROUP_3),)),
    SoSpec("Sở Lao động - Thương binh và Xã hội {p}", (40, 50), (),
           (_u("Trung tâm Dịch vụ việc làm {p}", LABOUR, (30, 45), GROUP_3),
            _u("Cơ sở cai nghiện ma túy {p}", LABOUR, (40, 60), norm=True),
            _u("Trung tâm Công tác xã hội {p}", LABOUR, (25, 40)),
            _u("Trung tâm Bảo trợ xã hội {p}", LABOUR, (30, 50)),
            _u("Trường Cao đẳng Nghề {p}", EDUCATION, (90, 150), GROUP_2))),
    SoSpec("Sở Tư pháp {p}", (28, 36), (),
           (_u("Trung tâm Trợ giúp pháp lý nhà nước {p}", OTHER_SECTOR, (25, 45)),
            _u("Trung tâm Dịch vụ đấu giá tài sản {p}", OTHER_SECTOR, (8, 14), GROUP_2),
            _u("Phòng Công chứng số 1 {p}", OTHER_SECTOR, (8, 12), GROUP_2))),
    SoSpec("Sở Công Thương {p}", (40, 52), (),
           (_u("Trung tâm Khuyến công và Tư vấn phát triển công nghiệp {p}", OTHER_SECTOR,
               (15, 25), GROUP_3),
            _u("Trung tâm Xúc tiến thương mại {p}", OTHER_SECTOR, (12, 20), GROUP_3))),
    SoSpec("Sở Văn hóa, Thể thao và Du lịch {p}", (40, 52), (),
           (_u("Thư viện {p}", CULTURE, (25, 45)), _u("Bảo tàng {p}", CULTURE, (25, 45)),
            _u("Trung tâm Văn hóa {p}", CULTURE, (25, 45)),
            _u("Trung tâm Huấn luyện và Thi đấu thể dục thể thao {p}", CULTURE, (40, 60)),
            _u("Trung tâm Xúc tiến Du lịch {p}", CULTURE, (12, 20)),
            _u("Ban Quản lý Di tích {p}", CULTURE, (15, 25)))),
    SoSpec("Văn phòng UBND {p}", (70, 105), (),
           (_u("Trung tâm Phục vụ hành chính công {p}", OTHER_SECTOR, (15, 25)),
            _u("Nhà khách UBND {p}", OTHER_SECTOR, (10, 15), GROUP_2))),
    SoSpec("Thanh tra {p}", (35, 50)),
    SoSpec("Ban Dân tộc {p}", (20, 30)),
    SoSpec("Sở Ngoại vụ {p}", (18, 28), (),
           (_u("Trung tâm Dịch vụ đối ngoại {p}", OTHER_SECTOR, (6, 10)),)),
)  # fmt: skip
# 2025: (gone, receiver) by SO index; and the two merged into the new Sở NN&MT.
SO_MERGERS = ((4, 3), (6, 5), (10, 9), (11, 0))
SO_CONSOLIDATION = ((8, 7), "Sở Nông nghiệp và Môi trường {p}", (40, 60))
OTHER_ORGS = (
    ("Ban Quản lý các khu công nghiệp {p}", (25, 40)),
    ("Văn phòng Điều phối nông thôn mới {p}", (6, 12)),
    ("Ban Tiếp công dân {p}", (6, 10)),
    ("Văn phòng Ban An toàn giao thông {p}", (5, 8)),
)
DIRECT_UNITS = (
    _u("Đài Phát thanh và Truyền hình {p}", MEDIA, (110, 180), GROUP_2),
    _u("Trường Cao đẳng {p}", EDUCATION, (110, 180), GROUP_2),
    _u("Viện Nghiên cứu phát triển {p}", SCIENCE, (15, 30)),
)


LEVELS = (
    SchoolLevel("Trường Mầm non", "Mầm non", (1, 2), (0.5, 0.5), (16, 34)),
    SchoolLevel("Trường Tiểu học", "Tiểu học", (1, 2, 3), (0.3, 0.45, 0.25), (20, 45)),
    SchoolLevel("Trường THCS", "Trung học cơ sở", (1, 2), (0.7, 0.3), (25, 60)),
)
PER_UNIT_BASE = 1500  # the province these event counts are written for
EVENTS_PER_PROVINCE = {"merge": 18, "dissolve": 3, "consolidate": 4, "establish": 5, "inner": 10}


# ---------------------------------------------------------------- building a province


class _Places:
    """Place names drawn once each in the nation."""

    def __init__(self, rng: random.Random) -> None:
        pairs = [(a, b) for a in SYLLABLES for b in SYLLABLES if a != b]
        rng.shuffle(pairs)
        self._pairs = pairs
        self._next = 0

    def draw(self) -> str:
        if self._next >= len(self._pairs):
            raise ValueError("too many places for the syllable pool: use fewer units")
        a, b = self._pairs[self._next]
        self._next += 1
        return f"{a} {b}"


def _clamp(x: float, low: int, high: int) -> int:
    return max(low, min(high, round(x)))


def _scaled(rng: random.Random, base: int, scale: float) -> int:
    """`base` events of a 1,500-unit province, scaled, at least one."""
    exact = base * scale
    whole = int(exact)
    return max(1, whole + (1 if rng.random() < exact - whole else 0))


def _split(rng: random.Random, total: int) -> dict[int, int]:
    return split_years(rng, total, CUT_YEARS, CUT_WEIGHTS)


def _of(spec: UnitSpec, p: str) -> UnitSpec:
    """The spec of the province `p`'s unit."""
    return dataclasses.replace(spec, name=spec.name.format(p=p))


def _build_province(
    rng: random.Random, province: Province, units_per_province: int, places: _Places, seed: int
) -> World:
    p = province.full
    scale = units_per_province / PER_UNIT_BASE
    n_so = _clamp(units_per_province / 75, 5, len(SO))
    bodies: list[Body] = []
    so_bodies: list[Body] = []
    for i, spec in enumerate(SO[:n_so]):
        name = spec.name.format(p=p)
        so = Body(name, CITY_AGENCY, name, spec.size, code=f"{province.code}.{i + 1:02d}")
        bodies.append(so)
        so_bodies.append(so)
        for j, (cc, size) in enumerate(spec.chi_cuc, 1):
            code = f"{province.code}.{i + 1:02d}.{j:02d}"
            bodies.append(Body(cc.format(p=p), CHI_CUC, name, size, code=code))
    # provincial units: the first ones of each sở's list, more for a bigger province
    for spec in SO[:n_so]:
        so_name = spec.name.format(p=p)
        keep = len(spec.units) if scale >= 0.5 else max(1, round(len(spec.units) * scale * 2))
        bodies += [Body.unit(_of(u, p), so_name, so_name) for u in spec.units[:keep]]
    if units_per_province >= 200:
        for name, size in OTHER_ORGS:
            bodies.append(Body(name.format(p=p), OTHER_ORG, CONSOLIDATED, size))
        bodies += [Body.unit(_of(u, p), CONSOLIDATED, province.ubnd) for u in DIRECT_UNITS]
    n_high = _clamp(30 * scale, 1, 40)
    giao_duc = SO[GIAO_DUC].name.format(p=p)
    for _ in range(n_high):
        spec = UnitSpec(
            f"Trường THPT {places.draw()}", EDUCATION, (40, 90), GROUP_4, HIGH_SCHOOLS, True
        )
        bodies.append(Body.unit(spec, giao_duc, giao_duc))
    # districts
    n_districts = _clamp(units_per_province / 150, 1, 14)
    districts = []
    for k in range(n_districts):
        if province.kind == "thành phố" and k < max(1, n_districts * 2 // 5):
            kind = "quận"
        elif k == n_districts - 1 and n_districts > 3:
            kind = "thị xã"
        else:
            kind = "huyện"
        extra = RURAL_PHONG if kind == "huyện" else URBAN_PHONG
        districts.append(District(kind, places.draw(), extra_phong=extra))
    y_te = SO[Y_TE].name.format(p=p)
    for d in districts:
        spec = UnitSpec(
            f"Trung tâm Y tế {d.name}", HEALTH, (90, 220), GROUP_3, HEALTH_CENTRES, True
        )
        bodies.append(Body.unit(spec, y_te, y_te))
        for name, size in district_phong(d):
            bodies.append(Body(name, DISTRICT_AGENCY, d.name, size, district=d))
        bodies += [Body.unit(spec, d.name, d.ubnd, d) for spec in district_centres(d)]
    # schools: what is left of the province's size, spread over the districts
    n_schools = max(len(districts) * 3, units_per_province - len(bodies))
    shares = [n_schools // len(districts)] * len(districts)
    for k in range(n_schools - sum(shares)):
        shares[k] += 1
    for d, share in zip(districts, shares, strict=True):
        bodies += _district_schools(rng, d, share, places)
    noi_vu = SO[NOI_VU].name.format(p=p)
    world = World(province, CALENDAR, bodies, districts, [], so_bodies, None, noi_vu,
                  EVENTS_SINCE, seed, str(province.index))  # fmt: skip
    _stories(rng, world, scale)
    _quotas(rng, world)
    _details(rng, world)
    world.plan = _plan(world)
    return world


def _district_schools(rng: random.Random, d: District, n: int, places: _Places) -> list[Body]:
    """`n` schools in the communes of a district, 1-3 per level and commune."""
    series: list[Series] = []
    while sum(s.count for s in series) < n:
        place = places.draw()
        d.communes.append(place)
        for level in LEVELS:
            series.append(
                Series(d, place, True, level, rng.choices(level.counts, level.weights)[0])
            )
    while sum(s.count for s in series) > n:
        pick = rng.choice([s for s in series if s.count > 1] or series)
        pick.count -= 1
        if pick.count == 0:
            series.remove(pick)
    out = []
    for s in series:
        for i in range(1, s.count + 1):
            out.append(
                Body(s.name(i), PUBLIC_UNIT, d.name, s.level.size, d, parent=d.ubnd,
                     sector=EDUCATION, autonomy=GROUP_4 if rng.random() < 0.85 else GROUP_3,
                     group=s.level.group, has_norm=True, level=s.level, place=s.place)
            )  # fmt: skip
    return out


def _stories(rng: random.Random, world: World, scale: float) -> None:
    """Reorganisations 2022-2026: the sở merged in 2025, then schools and units."""
    province, bodies, events = world.province, world.bodies, world.events
    p = province.full
    by_name = {b.name: b for b in bodies}
    receivers = world.receivers
    present = {SO[i].name.format(p=p) for i in range(len(SO))} & set(by_name)
    for gone_i, into_i in SO_MERGERS:
        gone, into = SO[gone_i].name.format(p=p), SO[into_i].name.format(p=p)
        if gone in present and into in present:
            doc = decision(rng)
            end(by_name[gone], MERGER_DAY, doc, by_name[into])
            by_name[into].busy = True
            receivers.append((by_name[gone], by_name[into], rng.uniform(0.75, 0.95)))
            events.append(
                Event(MERGER_DAY, doc, MERGE, (gone, into), (into,), "", unit_kind=ADMIN_KIND)
            )
            _move(bodies, gone, by_name[into])
    (a_i, b_i), new_name, size = SO_CONSOLIDATION
    a, b = SO[a_i].name.format(p=p), SO[b_i].name.format(p=p)
    if a in present and b in present:
        doc = decision(rng)
        new = Body(
            new_name.format(p=p), CITY_AGENCY, new_name.format(p=p), size,
            code=f"{province.code}.{len(SO) + 1:02d}", established=MERGER_DAY, busy=True,
        )  # fmt: skip
        new.note = established_note(doc, MERGER_DAY)
        bodies.append(new)
        world.so.append(new)
        for name in (a, b):
            end(by_name[name], MERGER_DAY, doc, new)
            receivers.append((by_name[name], new, rng.uniform(0.75, 0.95)))
            _move(bodies, name, new)
        events.append(
            Event(MERGER_DAY, doc, CONSOLIDATE, (a, b), (new.name,), "", unit_kind=ADMIN_KIND)
        )
    by_series: dict[tuple[str, str], list[Body]] = {}
    for b in bodies:
        if b.place:
            by_series.setdefault((b.place, b.group), []).append(b)
    free = [s for s in by_series.values() if len(s) > 1]
    rng.shuffle(free)
    n_merge = _scaled(rng, EVENTS_PER_PROVINCE["merge"], scale)
    for group in free[:n_merge]:
        keep, gone = group[0], group[-1]
        day = day_between(rng, dt.date(2022, 1, 15), LAST_EVENT)
        doc = decision(rng)
        end(gone, day, doc, keep)
        keep.busy = True
        receivers.append((gone, keep, rng.uniform(0.5, 0.85)))
        events.append(Event(day, doc, MERGE, (gone.name, keep.name), (keep.name,), EDUCATION))
    singles = [g[0] for g in by_series.values() if len(g) == 1 and not g[0].busy]
    rng.shuffle(singles)
    # the Tiểu học and THCS of one commune consolidated into a new TH&THCS
    pairs: dict[str, list[Body]] = {}
    for s in singles:
        if s.group in ("Tiểu học", "Trung học cơ sở"):
            pairs.setdefault(s.place, []).append(s)
    two = [v for v in pairs.values() if len(v) == 2]
    n_cons = min(len(two), _scaled(rng, EVENTS_PER_PROVINCE["consolidate"], scale))
    for first, second in two[:n_cons]:
        day = day_between(rng, dt.date(2022, 6, 1), LAST_EVENT - dt.timedelta(days=30))
        doc = decision(rng)
        new = Body(
            f"Trường Tiểu học và Trung học cơ sở {first.place}", PUBLIC_UNIT, first.reporter,
            (40, 90), first.district, parent=first.parent, sector=EDUCATION,
            group="Trung học cơ sở", has_norm=True, established=day, busy=True,
        )  # fmt: skip
        new.note = established_note(doc, day)
        bodies.append(new)
        for old in (first, second):
            end(old, day, doc, new)
            receivers.append((old, new, rng.uniform(0.8, 0.95)))
        events.append(
            Event(day, doc, CONSOLIDATE, (first.name, second.name), (new.name,), EDUCATION)
        )
    singles = [s for s in singles if not s.busy]
    n_dissolve = _scaled(rng, EVENTS_PER_PROVINCE["dissolve"], scale)
    for s in singles[:n_dissolve]:
        day = day_between(rng, dt.date(2022, 1, 15), LAST_EVENT)
        doc = decision(rng)
        end(s, day, doc, None)
        events.append(Event(day, doc, DISSOLVE, (s.name,), (), EDUCATION))
    # new schools in communes that have one of that level
    n_new = _scaled(rng, EVENTS_PER_PROVINCE["establish"], scale)
    for s in singles[n_dissolve : n_dissolve + n_new]:
        day = day_between(rng, dt.date(2022, 1, 15), LAST_EVENT - dt.timedelta(days=40))
        doc = decision(rng)
        low, high = s.size
        new = Body(
            f"{s.name} 2", PUBLIC_UNIT, s.reporter, (low, (low + high) // 2), s.district,
            parent=s.parent, sector=EDUCATION, group=s.group, has_norm=True, established=day,
            busy=True,
        )  # fmt: skip
        if day.year > BASE_YEAR:
            new.note = established_note(doc, day)
        bodies.append(new)
        events.append(Event(day, doc, ESTABLISH, (), (new.name,), EDUCATION))
    # internal restructuring of provincial units (fewer phòng, khoa, chi nhánh)
    provincial = [b for b in bodies if b.is_unit and not b.district and not b.busy]
    rng.shuffle(provincial)
    n_inner = min(len(provincial), _scaled(rng, EVENTS_PER_PROVINCE["inner"], scale))
    for u in provincial[:n_inner]:
        internal = dict.fromkeys(INTERNAL_KINDS, 0)
        if u.group == HOSPITALS:
            internal["khoa"] = rng.randint(1, 3)
            internal["phong"] = rng.randint(0, 2)
        elif "pháp lý" in u.name or "Đăng ký đất đai" in u.name:
            internal["chi_nhanh"] = rng.randint(2, 6)
        else:
            internal["phong"] = rng.randint(1, 3)
        note = restructure_note(internal)
        day = day_between(rng, dt.date(2022, 1, 15), LAST_EVENT)
        events.append(
            Event(day, decision(rng), RESTRUCTURE, (u.name,), (u.name,), u.sector,
                  internal, note)
        )  # fmt: skip
        u.busy = True
    events.sort(key=lambda e: (e.date, e.kind, e.after, e.before))


def _move(bodies: list[Body], gone: str, into: Body) -> None:
    """The chi cục and units of a merged sở report with (and to) the receiving one."""
    for b in bodies:
        if b.reporter == gone and b.name != gone:
            b.reporter = into.name
            if b.is_unit:
                b.parent = into.name


def _quotas(rng: random.Random, world: World) -> None:
    """2021 sizes, cuts spread over 2022-2026, staff moved to the receiving unit."""
    formed = {id(r) for _g, r, _s in world.receivers if r.first_year > BASE_YEAR}
    for b in world.bodies:
        low, high = b.size
        if b.first_year == BASE_YEAR:
            b.base = rng.randint(low, high)
        elif id(b) in formed:
            b.base = 0  # formed from its predecessors: their staff, nobody new
        else:
            b.base = rng.randint(low, (low + high) // 2)  # a new unit starts small
        floor = 25 if b.is_unit else 8
        if b.first_year == BASE_YEAR and b.base >= floor and rng.random() < 0.6:
            rate = rng.uniform(0.06, 0.2) if b.is_unit else rng.uniform(0.03, 0.12)
            b.cuts = _split(rng, max(1, round(b.base * rate)))
    for gone, receiver, share in world.receivers:
        _run(gone)
        year = gone.last_year(YEARS[-1]) + 1
        moved = round(gone.quota[gone.last_year(YEARS[-1])] * share)
        receiver.bumps[year] = receiver.bumps.get(year, 0) + moved
    for b in world.bodies:
        _run(b)


def _run(b: Body) -> None:
    """The quota year by year, from the base, the cuts and the staff received."""
    running = b.base
    b.quota = {}
    for year in range(b.first_year, b.last_year(YEARS[-1]) + 1):
        running += b.bumps.get(year, 0) - b.cuts.get(year, 0)
        b.quota[year] = max(1, running)


def _details(rng: random.Random, world: World) -> None:
    """Streamlined staff, pending cuts, norms, job positions, present, blank cells."""
    bodies = world.bodies
    for b in bodies:
        years = [y for y in CUT_YEARS if y in b.quota]
        chance = 0.05 if b.is_unit else 0.03
        b.streamlined = {y: (rng.randint(1, 3) if rng.random() < chance else 0) for y in years}
        if not b.exists_at(AS_OF):
            b.job = ""
            continue
        q = b.quota[YEARS[-1]]
        b.job = NOT_APPROVED if rng.random() < 0.03 else APPROVED
        if not b.is_unit:
            b.present = q - rng.choice((0, 0, 0, 1, 1, 2))
            continue
        if b.has_norm:
            short = b.group == HOSPITALS or rng.random() < 0.05
            b.norm = q + rng.randint(3, max(4, q // 6)) if short else max(1, q - rng.randint(0, 3))
        if b.first_year == BASE_YEAR and q >= 30 and rng.random() < 0.15:
            b.pending = rng.randint(1, max(1, q // 12))
    units = [b for b in bodies if b.is_unit and b.exists_at(AS_OF)]
    for b in units:
        if b.established and b.established.year == YEARS[-1]:
            b.job, b.note = INELIGIBLE, NEW_UNIT_NOTE
    plain = [b for b in units if not b.busy and b.first_year == BASE_YEAR]
    rng.shuffle(plain)
    n_dissolving = max(1, len(units) // 600)
    for b in plain[:n_dissolving]:
        b.job, b.note, b.busy = INELIGIBLE, DISSOLVING_NOTE, True
    n_blank = max(1, len(units) // 300)
    for i, b in enumerate(plain[n_dissolving : n_dissolving + n_blank]):
        b.blank_year, b.busy = (2022, 2023, 2024, 2025)[i % 4], True


def _plan(world: World) -> Plan:
    """The province's 5% / 10%, and two units' own targets: the Sở Y tế 7% of its quota, the
    general hospital a number of posts."""
    p = world.province.full
    targets = [
        Target(world.province.scope, CIVIL_SERVANTS, PLAN_NOTE, pct=0.05),
        Target(world.province.scope, EMPLOYEES, PLAN_NOTE, pct="10%"),
    ]
    names = {b.name for b in world.bodies if b.exists_at(AS_OF)}
    own = "Chỉ tiêu riêng của đơn vị"
    y_te = SO[Y_TE].name.format(p=p)
    if y_te in names:
        targets.append(Target(y_te, CIVIL_SERVANTS, own, pct=0.07))
    hospital = f"Bệnh viện Đa khoa {p}"
    if hospital in names:
        targets.append(Target(hospital, EMPLOYEES, own, count=40))
    doc = f"Kế hoạch số {100 + world.province.index}/KH-UBND ngày 07/6/2023"
    return Plan(doc, PLAN_ISSUED, PLAN_TITLE, tuple(targets))


# ---------------------------------------------------------------- how a province reports

# Districts' styles, in turn (shifted by the province's number).
DISTRICT_STYLES: tuple[Callable[[District], DistrictReturn], ...] = (
    lambda d: DistrictReturn(Style01(district="group", district_text=d.ubnd, present=True),
                             Style02()),
    lambda d: DistrictReturn(
        Style01(district="column", district_text=d.name[:1].upper() + d.name[1:]),
        Style02(variant="alias", badge="Biểu 02"),
        separate_02=True,
    ),
    lambda d: DistrictReturn(
        Style01(district="group", district_text=f"Ủy ban nhân dân {d.name}", variant="alias"),
        Style02(total="top"),
    ),
    lambda d: DistrictReturn(
        Style01(district="column", district_text=d.place, district_alias=1, badge="Mẫu 01"),
        Style02(variant="reordered", badge="Mẫu 02"),
        separate_02=True,
    ),
    lambda d: DistrictReturn(
        Style01(district="group", district_text=d.ubnd, kind_column=False, variant="per_cell"),
        Style02(numbered_subtotals=True, text_numbers=True),
    ),
)  # fmt: skip


def province_layout(world: World) -> Layout:
    """How a province's sở and districts fill their forms. The earlier returns (31/12/2024):
    the first district's, and the Sở Y tế's Biểu 02, each with its first figure of 2023 one
    too high."""
    province, p = world.province, world.province.full
    districts = {
        d.name: DISTRICT_STYLES[(province.index + k) % len(DISTRICT_STYLES)](d)
        for k, d in enumerate(world.districts)
    }
    y_te = SO[Y_TE].name.format(p=p)
    separate = separate_02(y_te, SO[GIAO_DUC].name.format(p=p))
    first = world.districts[0]
    early = [
        EarlyReturn(first.name, districts[first.name].style01, Style02(),
                    f"Biểu 01 và 02 năm 2024 của {first.ubnd}", corrects_first=True)
    ]  # fmt: skip
    if any(b.is_unit and b.reporter == y_te for b in world.bodies):
        early.append(
            EarlyReturn(y_te, None, separate[y_te], f"Biểu 02 năm 2024 của {y_te}",
                        corrects_first=True)
        )  # fmt: skip
    return Layout(
        districts=districts,
        separate_02=separate,
        early=tuple(early),
        circular=f"(Kèm theo Công văn số {1500 + province.index}/SNV-TCBC ngày 03/6/2026)",
        consolidated_title="Tổ chức hành chính khác và đơn vị sự nghiệp trực thuộc UBND",
        other_orgs_label="TỔ CHỨC HÀNH CHÍNH KHÁC",
        events_by_year=True,
        province_in_file_names=True,
    )


# ---------------------------------------------------------------- the whole set


def _provinces(n: int) -> list[Province]:
    out = []
    for i in range(n):
        kind, name = PROVINCES[i % len(PROVINCES)]
        if i >= len(PROVINCES):
            name = f"{name} {i // len(PROVINCES) + 1}"
        out.append(Province(i + 1, kind, name))
    return out


def build_models(provinces: int, units_per_province: int, seed: int) -> list[World]:
    places = _Places(random.Random(f"{seed}/places"))
    models = [
        _build_province(random.Random(f"{seed}/{p.index}"), p, units_per_province, places, seed)
        for p in _provinces(provinces)
    ]
    _check_names(models)
    return models


def _check_names(models: list[World]) -> None:
    """Names the product compares without a district are unique in the nation, and no two
    names are equal once diacritics are ignored (that would be a `name-near-match`)."""
    loose: dict[str, str] = {}
    seen: dict[tuple[str, str], str] = {}
    for model in models:
        for b in model.bodies:
            nkey = name_key(b.name)
            key = (nkey, b.district.name if b.district and b.kind == DISTRICT_AGENCY else "")
            if key in seen:
                raise ValueError(f"two units named {b.name!r}")
            seen[key] = b.name
            other = loose.setdefault(loose_key(b.name), nkey)
            if other != nkey:
                raise ValueError(f"{b.name!r} equals another name without diacritics")


def intended_totals(models: list[World]) -> dict[str, Any]:
    """What the product must compute from the returns, at the cut-off AS_OF."""
    bodies = [b for m in models for b in m.bodies]
    events = [e for m in models for e in m.events]
    out: dict[str, Any] = {"as_of": AS_OF.isoformat()}
    for measure, is_unit in (("cong_chuc", False), ("nguoi_lam_viec", True)):
        group = [b for b in bodies if b.is_unit == is_unit]
        alive = [b for b in group if b.exists_at(AS_OF)]
        figures = {
            "baseline": sum(b.quota.get(BASE_YEAR, 0) for b in group),
            "latest_year": YEARS[-1],
            "current": sum(b.quota[YEARS[-1]] for b in alive),
        }
        if is_unit:
            figures["pending"] = sum(b.pending or 0 for b in alive)
        out[measure] = figures
    out["streamlined"] = {
        kind: {
            str(y): sum(b.streamlined.get(y, 0) for b in bodies if b.is_unit == is_unit)
            for y in CUT_YEARS
        }
        for kind, is_unit in (("cong_chuc", False), ("vien_chuc", True))
    }
    reorg = {}
    for key, kind in (("don_vi_su_nghiep", PUBLIC_UNIT), ("co_quan_hanh_chinh", ADMIN_KIND)):
        evs = [e for e in events if e.unit_kind == kind]
        internal = dict.fromkeys(INTERNAL_KINDS, 0)
        for e in evs:
            for k, v in e.internal.items():
                internal[k] += v
        reorg[key] = {
            "reduced": sum(e.reduced for e in evs),
            "established": sum(len(e.after) for e in evs if e.kind == ESTABLISH),
            "restructured": len({n for e in evs if e.kind == RESTRUCTURE for n in e.after}),
            "internal_reduced": internal,
        }
    out["reorganization"] = reorg
    jp = {}
    for key, is_unit in (("co_quan_hanh_chinh", False), ("don_vi_su_nghiep", True)):
        alive = [b for b in bodies if b.is_unit == is_unit and b.exists_at(AS_OF)]
        ineligible = sum(b.job == INELIGIBLE for b in alive)
        jp[key] = {
            "approved": sum(b.job == APPROVED for b in alive),
            "eligible": len(alive) - ineligible,
            "ineligible": ineligible,
        }
    out["job_positions"] = jp
    out["units"] = {
        "total": len(bodies),
        "agencies": sum(not b.is_unit for b in bodies),
        "public_units": sum(b.is_unit for b in bodies),
        "existing": sum(b.exists_at(AS_OF) for b in bodies),
    }
    out["missing"] = sum(b.blank_year is not None for b in bodies)
    out["events"] = len(events)
    own = [t for m in models if m.plan for t in m.plan.targets if t.scope != m.province.scope]
    out["targets"] = 2 + len(own)  # the 5% and 10% count once, whatever the province
    return out


def write_scale(
    out_dir: Path, *, provinces: int, units_per_province: int, seed: int = DEFAULT_SEED
) -> list[Path]:
    """Write the returns of `provinces` provinces of about `units_per_province` agencies and
    units each into `out_dir`, and `manifest.json`; returns the workbooks in load order."""
    models = build_models(provinces, units_per_province, seed)
    paths = write_worlds([(m, province_layout(m)) for m in models], out_dir)
    manifest = {
        "provinces": provinces,
        "units_per_province": units_per_province,
        "seed": seed,
        "files": [p.name for p in paths],
        "totals": intended_totals(models),
    }
    (Path(out_dir) / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=1))
    return paths


def read_manifest(out_dir: Path) -> dict[str, Any]:
    return json.loads((Path(out_dir) / MANIFEST).read_text())


if __name__ == "__main__":
    import argparse
    import time

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", required=True, type=Path)
    parser.add_argument("--provinces", type=int, default=34)
    parser.add_argument("--units", type=int, default=1500, help="agencies and units per province")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    args = parser.parse_args()
    start = time.perf_counter()
    written = write_scale(
        args.out, provinces=args.provinces, units_per_province=args.units, seed=args.seed
    )
    totals = read_manifest(args.out)["totals"]
    print(
        f"{len(written)} tệp, {totals['units']['total']} cơ quan, đơn vị, "
        f"{totals['events']} sự kiện sắp xếp → {args.out} ({time.perf_counter() - start:.1f} s)"
    )
