"""Returns at national size: provinces of agencies and public service units, 2021-2026.

`write_scale(out_dir, provinces=34, units_per_province=1500, seed=1)` writes, per province,
the workbooks its reporting bodies send in the forms' real shapes (the layout helpers of
`devdata.sample`: title blocks, merged two-row headers, group and subtotal rows with SUM formulas,
accepted aliases, moved columns, counts typed as text):

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

import datetime as dt
import json
import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from devdata.sample import (
    AGRICULTURE,
    APPROVED,
    CHI_CUC,
    CITY_AGENCY,
    CIVIL_SERVANTS,
    CONSOLIDATE,
    CULTURE,
    DISSOLVE,
    DISSOLVING_NOTE,
    DISTRICT_AGENCY,
    DISTRICT_PHONG,
    EDUCATION,
    EMPLOYEES,
    ESTABLISH,
    EXTRA_PHONG_SIZE,
    GROUP_2,
    GROUP_3,
    GROUP_4,
    HEALTH,
    INELIGIBLE,
    INTERNAL_WORDS,
    LABOUR,
    MEDIA,
    MERGE,
    NEW_UNIT_NOTE,
    OTHER_ORG,
    OTHER_SECTOR,
    PUBLIC_UNIT,
    RESTRUCTURE,
    SCIENCE,
    Block,
    Event,
    Letterhead,
    ReturnSpec,
    SheetSpec,
    Style01,
    Style02,
    _columns_01,
    _columns_02,
    _dmy,
    _roman,
    _slug,
    _variant,
    agency_blocks,
    event_columns,
    grouped_blocks,
    plan_columns,
    write_return,
)
from devdata.sample import JOB_POSITION_CHOICES as _JOBS
from devdata.sample import UNIT_KIND_CHOICES as _UNIT_KINDS
from etl.core.forms import FORM_00, FORM_01, FORM_02, FORM_03
from etl.core.normalize import loose_key, name_key

NOT_APPROVED = _JOBS[1]
ADMIN_KIND = _UNIT_KINDS[0]
BASE_YEAR = 2021
YEARS = tuple(range(2021, 2027))
CUT_YEARS = YEARS[1:]
CUT_WEIGHTS = (0.25, 0.25, 0.2, 0.15, 0.15)
AS_OF = dt.date(2026, 6, 30)
PERIOD = "6 tháng đầu năm 2026"
EARLY_AS_OF = dt.date(2024, 12, 31)
EARLY_PERIOD = "Năm 2024"
EARLY_YEARS = tuple(y for y in YEARS if y <= EARLY_AS_OF.year)
PLAN_ISSUED = dt.date(2026, 7, 15)  # the adjusted plan, after the mid-year returns
MERGER_DAY = dt.date(2025, 3, 1)  # the sở merged under Nghị quyết 18-NQ/TW
LAST_EVENT = AS_OF - dt.timedelta(days=20)
CREATED = dt.datetime(2026, 7, 1)
DEFAULT_SEED = 20260630
MANIFEST = "manifest.json"
CONSOLIDATED = "Sở Nội vụ (tổng hợp)"

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
class Province:
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
        return "Toàn thành phố" if self.kind == "thành phố" else "Toàn tỉnh"

    @property
    def code(self) -> str:
        return f"H{self.index:02d}"


@dataclass(frozen=True)
class SoSpec:
    """A sở of every province: name, quota range, chi cục, and its public service units."""

    name: str
    size: tuple[int, int]
    chi_cuc: tuple[tuple[str, tuple[int, int]], ...] = ()
    units: tuple[tuple[str, str, tuple[int, int], str, str, bool], ...] = ()


def _u(
    name: str,
    sector: str,
    size: tuple[int, int],
    autonomy: str = GROUP_4,
    group: str = "Đơn vị sự nghiệp khác",
    norm: bool = False,
) -> tuple[str, str, tuple[int, int], str, str, bool]:
    return (name, sector, size, autonomy, group, norm)


_HOSPITAL = "Bệnh viện"
_HIGH = "Trường trung học phổ thông"
_CENTRES = "Trung tâm Y tế quận, huyện"
NOI_VU, Y_TE, GIAO_DUC, TAI_CHINH, KH_DT = 0, 1, 2, 3, 4
# In order of priority: a small province keeps the first ones.
SO = (
    SoSpec("Sở Nội vụ {p}", (35, 55), (("Chi cục Văn thư - Lưu trữ {p}", (10, 18)),),
           (_u("Trung tâm Lưu trữ lịch sử {p}", OTHER_SECTOR, (10, 18)),)),
    SoSpec("Sở Y tế {p}", (35, 50),
           (("Chi cục Dân số - Kế hoạch hóa gia đình {p}", (10, 16)),
            ("Chi cục An toàn vệ sinh thực phẩm {p}", (12, 18))),
           (_u("Bệnh viện Đa khoa {p}", HEALTH, (450, 900), GROUP_2, _HOSPITAL, True),
            _u("Bệnh viện Sản - Nhi {p}", HEALTH, (250, 450), GROUP_2, _HOSPITAL, True),
            _u("Trung tâm Kiểm soát bệnh tật {p}", HEALTH, (100, 170), GROUP_4, norm=True),
            _u("Bệnh viện Y học cổ truyền {p}", HEALTH, (100, 160), GROUP_3, _HOSPITAL, True),
            _u("Bệnh viện Phục hồi chức năng {p}", HEALTH, (70, 120), GROUP_3, _HOSPITAL, True),
            _u("Bệnh viện Tâm thần {p}", HEALTH, (80, 130), GROUP_3, _HOSPITAL, True),
            _u("Bệnh viện Lao và Bệnh phổi {p}", HEALTH, (90, 150), GROUP_3, _HOSPITAL, True),
            _u("Bệnh viện Mắt {p}", HEALTH, (60, 110), GROUP_2, _HOSPITAL, True),
            _u("Bệnh viện Da liễu {p}", HEALTH, (40, 80), GROUP_2, _HOSPITAL, True),
            _u("Bệnh viện Nội tiết {p}", HEALTH, (50, 90), GROUP_3, _HOSPITAL, True),
            _u("Bệnh viện Ung bướu {p}", HEALTH, (150, 260), GROUP_2, _HOSPITAL, True),
            _u("Bệnh viện Tim mạch {p}", HEALTH, (120, 200), GROUP_2, _HOSPITAL, True),
            _u("Trung tâm Kiểm nghiệm thuốc, mỹ phẩm, thực phẩm {p}", HEALTH, (25, 45), GROUP_3),
            _u("Trung tâm Pháp y {p}", HEALTH, (12, 25)),
            _u("Trung tâm Giám định y khoa {p}", HEALTH, (10, 20)),
            _u("Trung tâm Cấp cứu 115 {p}", HEALTH, (35, 60), GROUP_3),
            _u("Trường Cao đẳng Y tế {p}", EDUCATION, (80, 130), GROUP_2))),
    SoSpec("Sở Giáo dục và Đào tạo {p}", (45, 65), (),
           (_u("Trường Phổ thông Dân tộc nội trú {p}", EDUCATION, (35, 55), norm=True),
            _u("Trường THPT Chuyên {p}", EDUCATION, (60, 95), GROUP_4, _HIGH, True))),
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
SO_INDEX = {s.name: i for i, s in enumerate(SO)}
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


@dataclass(frozen=True)
class Level:
    prefix: str
    group: str
    counts: tuple[int, ...]
    weights: tuple[float, ...]
    size: tuple[int, int]


LEVELS = (
    Level("Trường Mầm non", "Mầm non", (1, 2), (0.5, 0.5), (16, 34)),
    Level("Trường Tiểu học", "Tiểu học", (1, 2, 3), (0.3, 0.45, 0.25), (20, 45)),
    Level("Trường THCS", "Trung học cơ sở", (1, 2), (0.7, 0.3), (25, 60)),
)
SCHOOL_GROUPS = [lvl.group for lvl in LEVELS] + [_HOSPITAL, _CENTRES, _HIGH]
PER_UNIT_BASE = 1500  # the province these event counts are written for
EVENTS_PER_PROVINCE = {"merge": 18, "dissolve": 3, "consolidate": 4, "establish": 5, "inner": 10}
INTERNAL_KINDS = ("phong", "khoa", "chi_nhanh", "khac")


# ---------------------------------------------------------------- the model


@dataclass(eq=False)
class Body:
    """One agency (Biểu 01 row) or public service unit (Biểu 02 row) with its story."""

    name: str
    kind: str  # agency kind (Biểu 01) or PUBLIC_UNIT
    reporter: str  # the reporting body whose return lists it
    size: tuple[int, int]
    province: Province
    district: str | None = None  # "huyện Tân An"
    code: str | None = None
    parent: str = ""
    sector: str = ""
    autonomy: str = GROUP_4
    group: str = ""
    place: str = ""  # a school's commune
    has_norm: bool = False
    established: dt.date | None = None
    ended: dt.date | None = None
    base: int = 0
    bumps: dict[int, int] = field(default_factory=dict)
    cuts: dict[int, int] = field(default_factory=dict)
    quota: dict[int, int] = field(default_factory=dict)
    streamlined: dict[int, int] = field(default_factory=dict)
    blank_year: int | None = None
    pending: int | None = None
    norm: int | None = None
    present: int | None = None
    job: str = APPROVED
    note: str = ""
    busy: bool = False  # already part of a story (event, blank cell)

    @property
    def is_unit(self) -> bool:
        return self.kind == PUBLIC_UNIT

    @property
    def first_year(self) -> int:
        return max(BASE_YEAR, self.established.year) if self.established else BASE_YEAR

    @property
    def last_year(self) -> int:
        return self.ended.year - 1 if self.ended else YEARS[-1]

    def exists_at(self, when: dt.date) -> bool:
        born = self.established is None or self.established <= when
        return born and (self.ended is None or self.ended > when)


@dataclass(eq=False)
class District:
    kind: str  # quận | huyện | thị xã
    place: str
    communes: list[str]

    @property
    def name(self) -> str:
        return f"{self.kind} {self.place}"

    @property
    def ubnd(self) -> str:
        return f"UBND {self.name}"


@dataclass(eq=False)
class ProvinceModel:
    province: Province
    bodies: list[Body]
    districts: list[District]
    events: list[Event]
    so: list[Body]  # the sở of the province (ended ones too), in SO order; new ones at the end
    # (gone, receiving unit, share of its staff moved)
    receivers: list[tuple[Body, Body, float]] = field(default_factory=list)


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
    years = rng.choices(CUT_YEARS, CUT_WEIGHTS, k=total)
    return {y: years.count(y) for y in CUT_YEARS if years.count(y)}


def _day(rng: random.Random, first: dt.date, last: dt.date) -> dt.date:
    return first + dt.timedelta(days=rng.randrange((last - first).days + 1))


def _decision(rng: random.Random) -> str:
    return f"{rng.randint(120, 3980)}/QĐ-UBND"


# ---------------------------------------------------------------- building a province


def _build_province(
    rng: random.Random, province: Province, units_per_province: int, places: _Places
) -> ProvinceModel:
    p = province.full
    scale = units_per_province / PER_UNIT_BASE
    n_so = _clamp(units_per_province / 75, 5, len(SO))
    bodies: list[Body] = []
    so_bodies: list[Body] = []
    for i, spec in enumerate(SO[:n_so]):
        name = spec.name.format(p=p)
        so = Body(name, CITY_AGENCY, name, spec.size, province, code=f"{province.code}.{i + 1:02d}")
        bodies.append(so)
        so_bodies.append(so)
        for j, (cc, size) in enumerate(spec.chi_cuc, 1):
            code = f"{province.code}.{i + 1:02d}.{j:02d}"
            bodies.append(Body(cc.format(p=p), CHI_CUC, name, size, province, code=code))
    # provincial units: the first ones of each sở's list, more for a bigger province
    for spec in SO[:n_so]:
        so_name = spec.name.format(p=p)
        keep = len(spec.units) if scale >= 0.5 else max(1, round(len(spec.units) * scale * 2))
        for uname, sector, size, autonomy, group, norm in spec.units[:keep]:
            bodies.append(
                Body(uname.format(p=p), PUBLIC_UNIT, so_name, size, province, parent=so_name,
                     sector=sector, autonomy=autonomy, group=group, has_norm=norm)
            )  # fmt: skip
    if units_per_province >= 200:
        for name, size in OTHER_ORGS:
            bodies.append(Body(name.format(p=p), OTHER_ORG, CONSOLIDATED, size, province))
        for uname, sector, size, autonomy, group, norm in DIRECT_UNITS:
            bodies.append(
                Body(uname.format(p=p), PUBLIC_UNIT, CONSOLIDATED, size, province,
                     parent=province.ubnd, sector=sector, autonomy=autonomy, group=group,
                     has_norm=norm)
            )  # fmt: skip
    n_high = _clamp(30 * scale, 1, 40)
    giao_duc = SO[GIAO_DUC].name.format(p=p)
    for _ in range(n_high):
        bodies.append(
            Body(f"Trường THPT {places.draw()}", PUBLIC_UNIT, giao_duc, (40, 90), province,
                 parent=giao_duc, sector=EDUCATION, group=_HIGH, has_norm=True)
        )  # fmt: skip
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
        districts.append(District(kind, places.draw(), []))
    y_te = SO[Y_TE].name.format(p=p)
    for d in districts:
        bodies.append(
            Body(f"Trung tâm Y tế {d.name}", PUBLIC_UNIT, y_te, (90, 220), province,
                 parent=y_te, sector=HEALTH, autonomy=GROUP_3, group=_CENTRES, has_norm=True)
        )  # fmt: skip
        phong = [(ph.format(kind=d.kind), size) for ph, size in DISTRICT_PHONG]
        extra = (
            ("Phòng Kinh tế", "Phòng Quản lý đô thị")
            if d.kind != "huyện"
            else ("Phòng Nông nghiệp và Phát triển nông thôn", "Phòng Kinh tế và Hạ tầng")
        )
        phong += [(ph, EXTRA_PHONG_SIZE) for ph in extra]
        for name, size in phong:
            bodies.append(Body(name, DISTRICT_AGENCY, d.name, size, province, district=d.name))
        for uname, sector, size, autonomy in (
            ("Trung tâm Văn hóa - Thể thao", CULTURE, (15, 25), GROUP_4),
            ("Trung tâm Giáo dục nghề nghiệp - Giáo dục thường xuyên", EDUCATION, (15, 30),
             GROUP_4),
            ("Ban Quản lý dự án đầu tư xây dựng", OTHER_SECTOR, (8, 15), GROUP_2),
        ):  # fmt: skip
            bodies.append(
                Body(f"{uname} {d.name}", PUBLIC_UNIT, d.name, size, province, district=d.name,
                     parent=d.ubnd, sector=sector, autonomy=autonomy,
                     group="Đơn vị sự nghiệp khác", has_norm=sector == EDUCATION)
            )  # fmt: skip
    # schools: what is left of the province's size, spread over the districts
    n_schools = max(len(districts) * 3, units_per_province - len(bodies))
    shares = [n_schools // len(districts)] * len(districts)
    for k in range(n_schools - sum(shares)):
        shares[k] += 1
    for d, share in zip(districts, shares, strict=True):
        bodies += _district_schools(rng, province, d, share, places)
    model = ProvinceModel(province, bodies, districts, [], so_bodies)
    _stories(rng, model, scale)
    _quotas(rng, model)
    _details(rng, model)
    return model


def _district_schools(
    rng: random.Random, province: Province, d: District, n: int, places: _Places
) -> list[Body]:
    """`n` schools in the communes of a district, 1-3 per level and commune."""
    series: list[list[Any]] = []  # [place, level, count]
    while sum(s[2] for s in series) < n:
        place = places.draw()
        d.communes.append(place)
        for level in LEVELS:
            series.append([place, level, rng.choices(level.counts, level.weights)[0]])
    while sum(s[2] for s in series) > n:
        pick = rng.choice([s for s in series if s[2] > 1] or series)
        pick[2] -= 1
        if pick[2] == 0:
            series.remove(pick)
    out = []
    for place, level, count in series:
        for i in range(1, count + 1):
            suffix = f" {i}" if count > 1 else ""
            out.append(
                Body(f"{level.prefix} {place}{suffix}", PUBLIC_UNIT, d.name, level.size,
                     province, district=d.name, parent=d.ubnd, sector=EDUCATION,
                     autonomy=GROUP_4 if rng.random() < 0.85 else GROUP_3, group=level.group,
                     place=place, has_norm=True)
            )  # fmt: skip
    return out


def _end(body: Body, day: dt.date, doc: str, receiver: Body | None) -> None:
    body.ended, body.busy = day, True
    how = f"Đã sáp nhập vào {receiver.name}" if receiver else "Đã giải thể"
    body.note = f"{how} theo Quyết định số {doc} ngày {_dmy(day)}"


def _stories(rng: random.Random, model: ProvinceModel, scale: float) -> None:
    """Reorganisations 2022-2026: the sở merged in 2025, then schools and units."""
    province, bodies, events = model.province, model.bodies, model.events
    p = province.full
    by_name = {b.name: b for b in bodies}
    receivers = model.receivers
    present = {SO[i].name.format(p=p) for i in range(len(SO))} & set(by_name)
    for gone_i, into_i in SO_MERGERS:
        gone, into = SO[gone_i].name.format(p=p), SO[into_i].name.format(p=p)
        if gone in present and into in present:
            doc = _decision(rng)
            _end(by_name[gone], MERGER_DAY, doc, by_name[into])
            by_name[into].busy = True
            receivers.append((by_name[gone], by_name[into], rng.uniform(0.75, 0.95)))
            events.append(
                Event(MERGER_DAY, doc, MERGE, (gone, into), (into,), "", unit_kind=ADMIN_KIND)
            )
            _move(bodies, gone, by_name[into])
    (a_i, b_i), new_name, size = SO_CONSOLIDATION
    a, b = SO[a_i].name.format(p=p), SO[b_i].name.format(p=p)
    if a in present and b in present:
        doc = _decision(rng)
        new = Body(
            new_name.format(p=p), CITY_AGENCY, new_name.format(p=p), size, province,
            code=f"{province.code}.{len(SO) + 1:02d}", established=MERGER_DAY, busy=True,
        )  # fmt: skip
        new.note = f"Thành lập theo Quyết định số {doc} ngày {_dmy(MERGER_DAY)}"
        bodies.append(new)
        model.so.append(new)
        for name in (a, b):
            _end(by_name[name], MERGER_DAY, doc, new)
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
        day = _day(rng, dt.date(2022, 1, 15), LAST_EVENT)
        doc = _decision(rng)
        _end(gone, day, doc, keep)
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
        day = _day(rng, dt.date(2022, 6, 1), LAST_EVENT - dt.timedelta(days=30))
        doc = _decision(rng)
        new = Body(
            f"Trường Tiểu học và Trung học cơ sở {first.place}", PUBLIC_UNIT, first.reporter,
            (40, 90), province, district=first.district, parent=first.parent, sector=EDUCATION,
            group="Trung học cơ sở", has_norm=True, established=day, busy=True,
        )  # fmt: skip
        new.note = f"Thành lập theo Quyết định số {doc} ngày {_dmy(day)}"
        bodies.append(new)
        for old in (first, second):
            _end(old, day, doc, new)
            receivers.append((old, new, rng.uniform(0.8, 0.95)))
        events.append(
            Event(day, doc, CONSOLIDATE, (first.name, second.name), (new.name,), EDUCATION)
        )
    singles = [s for s in singles if not s.busy]
    n_dissolve = _scaled(rng, EVENTS_PER_PROVINCE["dissolve"], scale)
    for s in singles[:n_dissolve]:
        day = _day(rng, dt.date(2022, 1, 15), LAST_EVENT)
        doc = _decision(rng)
        _end(s, day, doc, None)
        events.append(Event(day, doc, DISSOLVE, (s.name,), (), EDUCATION))
    # new schools in communes that have one of that level
    n_new = _scaled(rng, EVENTS_PER_PROVINCE["establish"], scale)
    for s in singles[n_dissolve : n_dissolve + n_new]:
        day = _day(rng, dt.date(2022, 1, 15), LAST_EVENT - dt.timedelta(days=40))
        doc = _decision(rng)
        low, high = s.size
        new = Body(
            f"{s.name} 2", PUBLIC_UNIT, s.reporter, (low, (low + high) // 2), province,
            district=s.district, parent=s.parent, sector=EDUCATION, group=s.group,
            has_norm=True, established=day, busy=True,
        )  # fmt: skip
        if day.year > BASE_YEAR:
            new.note = f"Thành lập theo Quyết định số {doc} ngày {_dmy(day)}"
        bodies.append(new)
        events.append(Event(day, doc, ESTABLISH, (), (new.name,), EDUCATION))
    # internal restructuring of provincial units (fewer phòng, khoa, chi nhánh)
    provincial = [b for b in bodies if b.is_unit and not b.district and not b.busy]
    rng.shuffle(provincial)
    n_inner = min(len(provincial), _scaled(rng, EVENTS_PER_PROVINCE["inner"], scale))
    for u in provincial[:n_inner]:
        internal = dict.fromkeys(INTERNAL_KINDS, 0)
        if u.group == _HOSPITAL:
            internal["khoa"] = rng.randint(1, 3)
            internal["phong"] = rng.randint(0, 2)
        elif "pháp lý" in u.name or "Đăng ký đất đai" in u.name:
            internal["chi_nhanh"] = rng.randint(2, 6)
        else:
            internal["phong"] = rng.randint(1, 3)
        words = zip(internal.values(), INTERNAL_WORDS, strict=True)
        note = "Giảm " + ", ".join(f"{n:02d} {w}" for n, w in words if n)
        day = _day(rng, dt.date(2022, 1, 15), LAST_EVENT)
        events.append(
            Event(day, _decision(rng), RESTRUCTURE, (u.name,), (u.name,), u.sector,
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


def _quotas(rng: random.Random, model: ProvinceModel) -> None:
    """2021 sizes, cuts spread over 2022-2026, staff moved to the receiving unit."""
    formed = {id(r) for _g, r, _s in model.receivers if r.first_year > BASE_YEAR}
    for b in model.bodies:
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
    for gone, receiver, share in model.receivers:
        _run(gone)
        year = gone.last_year + 1
        moved = round(gone.quota[gone.last_year] * share)
        receiver.bumps[year] = receiver.bumps.get(year, 0) + moved
    for b in model.bodies:
        _run(b)


def _run(b: Body) -> None:
    """The quota year by year, from the base, the cuts and the staff received."""
    running = b.base
    b.quota = {}
    for year in range(b.first_year, b.last_year + 1):
        running += b.bumps.get(year, 0) - b.cuts.get(year, 0)
        b.quota[year] = max(1, running)


def _details(rng: random.Random, model: ProvinceModel) -> None:
    """Streamlined staff, pending cuts, norms, job positions, present, blank cells."""
    bodies = model.bodies
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
            short = b.group == _HOSPITAL or rng.random() < 0.05
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


# ---------------------------------------------------------------- rows and sheets


def _agency_row(
    a: Body, years: Sequence[int], district_text: str, as_of: dt.date
) -> dict[str, Any]:
    alive = a.exists_at(as_of)
    return {
        "code": a.code,
        "name": a.name,
        "agency_kind": a.kind,
        "district": district_text,
        "quota": {y: None if y == a.blank_year else a.quota.get(y) for y in years},
        "present": a.present if alive and as_of == AS_OF else None,
        "streamlined": {
            y: a.streamlined.get(y, 0) for y in years if y > BASE_YEAR and y in a.quota
        },
        "job_position": (a.job or None) if alive else None,
        "note": a.note if not alive or a.established else "",
    }


def _unit_row(u: Body, years: Sequence[int], as_of: dt.date) -> dict[str, Any]:
    alive = u.exists_at(as_of)
    latest = as_of == AS_OF
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


def _listed(bodies: list[Body], as_of: dt.date) -> list[Body]:
    """What a return lists: units that existed in 2021 or since, up to its cut-off."""
    return [b for b in bodies if b.established is None or b.established <= as_of]


def _sheet_01(
    agencies: list[Body],
    style: Style01,
    years: Sequence[int],
    as_of: dt.date,
    name: str = "Biểu 01",
) -> SheetSpec:
    text = style.district_text if style.district == "column" else ""
    listed = _listed(agencies, as_of)
    rows = [_agency_row(a, years, text, as_of) for a in listed]
    kinds = [a.kind for a in listed]
    with_chi_cuc = CHI_CUC in kinds and len(listed) > 3
    blocks = agency_blocks(rows, kinds, style, with_chi_cuc, "TỔ CHỨC HÀNH CHÍNH KHÁC")
    return SheetSpec(name, FORM_01, style.badge, _columns_01(style, years), blocks)


def _sheet_02(
    units: list[Body], style: Style02, years: Sequence[int], as_of: dt.date, name: str = "Biểu 02"
) -> SheetSpec:
    listed = _listed(units, as_of)
    groups: dict[str, list[Body]] = {}
    for u in listed:
        groups.setdefault(u.group, []).append(u)
    if len(groups) > 1:
        rows = {g: [_unit_row(u, years, as_of) for u in us] for g, us in groups.items()}
        blocks = grouped_blocks(rows, SCHOOL_GROUPS, style)
    else:
        blocks = [Block([_unit_row(u, years, as_of) for u in listed])]
    columns = _columns_02(style, years, counts=as_of == AS_OF)
    return SheetSpec(name, FORM_02, style.badge, columns, blocks, style.total, style.text_numbers)


def _event_row(e: Event, rng: random.Random) -> dict[str, Any]:
    before = list(e.before)
    if e.kind == MERGE and rng.random() < 0.5:  # the receiving unit only in "after"
        before = [n for n in before if n not in e.after]
    joiner = rng.choice(("; ", ";\n", "\n"))
    when: Any = e.date if rng.random() >= 0.3 else _dmy(e.date)
    internal = {}
    if e.kind == RESTRUCTURE:
        internal = {f"internal_{k}": v for k, v in e.internal.items()}
    return {
        "date": when,
        "doc_ref": f"Quyết định số {e.doc}",
        "event_type": e.kind,
        "before": joiner.join(_variant(n, rng) for n in before),
        "after": "; ".join(_variant(n, rng) for n in e.after),
        "unit_kind": e.unit_kind,
        "sector": e.sector,
        "note": e.note,
        **internal,
    }


# ---------------------------------------------------------------- returns of a province

DISTRICT_STYLES = (
    (lambda d: Style01(district="group", district_text=d.ubnd, present=True), Style02(), False),
    (
        lambda d: Style01(district="column", district_text=d.name[:1].upper() + d.name[1:]),
        Style02(variant="alias", badge="Biểu 02"),
        True,
    ),
    (
        lambda d: Style01(district="group", district_text=f"Ủy ban nhân dân {d.name}",
                          variant="alias"),
        Style02(total="top"),
        False,
    ),
    (
        lambda d: Style01(district="column", district_text=d.place, district_alias=1,
                          badge="Mẫu 01"),
        Style02(variant="reordered", badge="Mẫu 02"),
        True,
    ),
    (
        lambda d: Style01(district="group", district_text=d.ubnd, kind_column=False,
                          variant="per_cell"),
        Style02(numbered_subtotals=True, text_numbers=True),
        False,
    ),
)  # fmt: skip
SO_STYLES_01 = (
    Style01(code=True, present=True),
    Style01(variant="alias", badge="Biểu 01"),
    Style01(variant="per_cell"),
    Style01(variant="reordered", badge="Mẫu 01"),
    Style01(code=True),
)
SO_STYLES_02 = (Style02(), Style02(variant="alias", badge="Biểu 02"), Style02(variant="reordered"))
SEPARATE_02 = {Y_TE: Style02(text_numbers=True), GIAO_DUC: Style02()}


@dataclass
class Return:
    spec: ReturnSpec
    province: Province


def _heading(province: Province, reporter: str) -> tuple[str, str]:
    return province.ubnd.upper(), reporter.upper()


def _returns(model: ProvinceModel) -> list[Return]:
    province, bodies = model.province, model.bodies
    out: list[Return] = []

    def add(
        file_name: str,
        reporter: str,
        heading: tuple[str, str],
        as_of: dt.date,
        period: str,
        sheets: list[SheetSpec],
        description: str,
    ) -> None:
        spec = ReturnSpec(file_name, reporter, heading, as_of, period, sheets, description)
        out.append(Return(spec, province))

    # the sở
    for i, so in enumerate(model.so):
        if so.ended is not None:
            continue
        k = SO_INDEX.get(so.name.replace(province.full, "{p}"), i)
        agencies = [b for b in bodies if not b.is_unit and b.reporter == so.name]
        agencies += [b for b in bodies if b.ended and b.kind == CITY_AGENCY and _receiver_of(
            model, b) is so]  # fmt: skip
        agencies.sort(key=lambda a: (a.kind == CHI_CUC, a is not so, a.code or "", a.name))
        units = [b for b in bodies if b.is_unit and b.reporter == so.name]
        sheets = [_sheet_01(agencies, SO_STYLES_01[i % len(SO_STYLES_01)], YEARS, AS_OF)]
        separate = SEPARATE_02.get(k)
        if units and separate is None:
            sheets.append(_sheet_02(units, SO_STYLES_02[i % len(SO_STYLES_02)], YEARS, AS_OF))
        slug = _slug(so.name)
        heading = _heading(province, so.name)
        desc = f"Biểu 01{' và 02' if len(sheets) > 1 else ''} của {so.name}"
        add(f"{AS_OF}_01_{slug}.xlsx", so.name, heading, AS_OF, PERIOD, sheets, desc)
        if units and separate is not None:
            sheet = _sheet_02(units, separate, YEARS, AS_OF)
            add(f"{AS_OF}_02_{slug}.xlsx", so.name, heading, AS_OF, PERIOD, [sheet],
                f"Biểu 02 của {so.name}")  # fmt: skip
            if k == Y_TE:  # the earlier return it supersedes
                early = _sheet_02(units, separate, EARLY_YEARS, EARLY_AS_OF)
                _correct_one(early)
                add(f"{EARLY_AS_OF}_02_{slug}.xlsx", so.name, heading, EARLY_AS_OF,
                    EARLY_PERIOD, [early], f"Biểu 02 năm 2024 của {so.name}")  # fmt: skip
    # the Sở Nội vụ's consolidation
    others = [b for b in bodies if b.reporter == CONSOLIDATED and not b.is_unit]
    direct = [b for b in bodies if b.reporter == CONSOLIDATED and b.is_unit]
    if others or direct:
        noi_vu = SO[NOI_VU].name.format(p=province.full)
        sheets = []
        if others:
            sheets.append(_sheet_01(others, Style01(), YEARS, AS_OF))
        if direct:
            sheets.append(_sheet_02(direct, Style02(), YEARS, AS_OF))
        add(f"{AS_OF}_01_{_slug(noi_vu)}_tong_hop.xlsx", f"{noi_vu} (tổng hợp)",
            _heading(province, noi_vu), AS_OF, PERIOD, sheets,
            "Tổ chức hành chính khác và đơn vị sự nghiệp trực thuộc UBND")  # fmt: skip
    # the districts
    for k, d in enumerate(model.districts):
        style_of, style02, separate = DISTRICT_STYLES[(province.index + k) % len(DISTRICT_STYLES)]
        style01 = style_of(d)
        agencies = [b for b in bodies if not b.is_unit and b.reporter == d.name]
        units = [b for b in bodies if b.is_unit and b.reporter == d.name]
        sheet01 = _sheet_01(agencies, style01, YEARS, AS_OF)
        sheet02 = _sheet_02(units, style02, YEARS, AS_OF)
        slug = f"{_slug(d.ubnd)}_{_slug(province.name)}"
        heading = ("ỦY BAN NHÂN DÂN", d.name.upper())
        if separate:
            add(f"{AS_OF}_01_{slug}.xlsx", d.ubnd, heading, AS_OF, PERIOD, [sheet01],
                f"Biểu 01 của {d.ubnd}")  # fmt: skip
            add(f"{AS_OF}_02_{slug}.xlsx", d.ubnd, heading, AS_OF, PERIOD, [sheet02],
                f"Biểu 02 của {d.ubnd}")  # fmt: skip
        else:
            add(f"{AS_OF}_01_{slug}.xlsx", d.ubnd, heading, AS_OF, PERIOD, [sheet01, sheet02],
                f"Biểu 01 và 02 của {d.ubnd}")  # fmt: skip
        if k == 0:  # the earlier return of the first district
            early01 = _sheet_01(agencies, style01, EARLY_YEARS, EARLY_AS_OF)
            early02 = _sheet_02(units, Style02(), EARLY_YEARS, EARLY_AS_OF)
            _correct_one(early01)
            add(f"{EARLY_AS_OF}_01_{slug}.xlsx", d.ubnd, heading, EARLY_AS_OF, EARLY_PERIOD,
                [early01, early02], f"Biểu 01 và 02 năm 2024 của {d.ubnd}")  # fmt: skip
    # reorganisations and the plan
    noi_vu = SO[NOI_VU].name.format(p=province.full)
    if model.events:
        add(f"{AS_OF}_03_sap_xep_to_chuc_{_slug(province.full)}.xlsx", noi_vu,
            _heading(province, noi_vu), AS_OF, PERIOD, [_events_sheet(model)],
            "Sắp xếp, kiện toàn tổ chức 2022 - 6/2026")  # fmt: skip
    add(f"{PLAN_ISSUED}_00_ke_hoach_{_slug(province.full)}.xlsx", noi_vu,
        _heading(province, noi_vu), AS_OF, PERIOD, [_plan_sheet(model)],
        "Kế hoạch tinh giản biên chế giai đoạn 2022 - 2026 (điều chỉnh)")  # fmt: skip
    return out


def _receiver_of(model: ProvinceModel, gone: Body) -> Body | None:
    return next((r for g, r, _s in model.receivers if g is gone), None)


def _correct_one(sheet: SheetSpec) -> None:
    """The earlier return had one 2023 figure one higher: the later return corrects it."""
    for block in sheet.blocks:
        for row in block.rows:
            if isinstance(row["quota"].get(2023), int):
                row["quota"] = {**row["quota"], 2023: row["quota"][2023] + 1}
                return


def _events_sheet(model: ProvinceModel) -> SheetSpec:
    rng = random.Random(f"{model.province.index}/events")
    f = FORM_03
    columns = event_columns()
    blocks = []
    for i, year in enumerate(sorted({e.date.year for e in model.events}), 1):
        rows = [_event_row(e, rng) for e in model.events if e.date.year == year]
        blocks.append(Block(rows, f"Năm {year}", _roman(i)))
    return SheetSpec("Biểu 03", f, "Mẫu 03", columns, blocks)


def _plan_sheet(model: ProvinceModel) -> SheetSpec:
    f = FORM_00
    columns = plan_columns(30, count=True)
    doc = f"Kế hoạch số {100 + model.province.index}/KH-UBND ngày 07/6/2023"
    rows = [
        {"scope": model.province.scope, "measure": CIVIL_SERVANTS, "base_year": BASE_YEAR,
         "pct": 0.05, "doc_ref": doc, "note": "Giai đoạn 2022 - 2026, so với số giao năm 2021"},
        {"scope": model.province.scope, "measure": EMPLOYEES, "base_year": BASE_YEAR,
         "pct": "10%", "doc_ref": doc, "note": "Giai đoạn 2022 - 2026, so với số giao năm 2021"},
    ]  # fmt: skip
    for target in _own_targets(model):
        rows.append(
            {"scope": target["scope"], "measure": target["measure"], "base_year": BASE_YEAR,
             "pct": target.get("pct"), "count": target.get("count"), "doc_ref": doc,
             "note": "Chỉ tiêu riêng của đơn vị"}
        )  # fmt: skip
    return SheetSpec("Biểu 00", f, "Biểu số 00", columns, [Block(rows)], total="")


def _own_targets(model: ProvinceModel) -> list[dict[str, Any]]:
    """Two units' own targets: the Sở Y tế 7% of its quota, the general hospital a count."""
    p = model.province.full
    names = {b.name: b for b in model.bodies if b.exists_at(AS_OF)}
    out = []
    y_te = SO[Y_TE].name.format(p=p)
    if y_te in names:
        out.append({"scope": y_te, "measure": CIVIL_SERVANTS, "pct": 0.07})
    hospital = f"Bệnh viện Đa khoa {p}"
    if hospital in names:
        out.append({"scope": hospital, "measure": EMPLOYEES, "count": 40})
    return out


# ---------------------------------------------------------------- writing


# ---------------------------------------------------------------- the whole set


def _provinces(n: int) -> list[Province]:
    out = []
    for i in range(n):
        kind, name = PROVINCES[i % len(PROVINCES)]
        if i >= len(PROVINCES):
            name = f"{name} {i // len(PROVINCES) + 1}"
        out.append(Province(i + 1, kind, name))
    return out


def build_models(provinces: int, units_per_province: int, seed: int) -> list[ProvinceModel]:
    places = _Places(random.Random(f"{seed}/places"))
    models = [
        _build_province(random.Random(f"{seed}/{p.index}"), p, units_per_province, places)
        for p in _provinces(provinces)
    ]
    _check_names(models)
    return models


def _check_names(models: list[ProvinceModel]) -> None:
    """Names the product compares without a district are unique in the nation, and no two
    names are equal once diacritics are ignored (that would be a `name-near-match`)."""
    loose: dict[str, str] = {}
    seen: dict[tuple[str, str], str] = {}
    for model in models:
        for b in model.bodies:
            nkey = name_key(b.name)
            key = (nkey, b.district or "" if b.kind == DISTRICT_AGENCY else "")
            if key in seen:
                raise ValueError(f"two units named {b.name!r}")
            seen[key] = b.name
            other = loose.setdefault(loose_key(b.name), nkey)
            if other != nkey:
                raise ValueError(f"{b.name!r} equals another name without diacritics")


def intended_totals(models: list[ProvinceModel]) -> dict[str, Any]:
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
    out["targets"] = 2 + sum(len(_own_targets(m)) for m in models)
    return out


def write_scale(
    out_dir: Path, *, provinces: int, units_per_province: int, seed: int = DEFAULT_SEED
) -> list[Path]:
    """Write the returns of `provinces` provinces of about `units_per_province` agencies and
    units each into `out_dir`, and `manifest.json`; returns the workbooks in load order."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    models = build_models(provinces, units_per_province, seed)
    returns = [r for m in models for r in _returns(m)]
    names = [r.spec.file_name for r in returns]
    if len(set(names)) != len(names):
        raise ValueError("two returns share a file name")
    paths = []
    for ret in sorted(returns, key=lambda r: r.spec.file_name):
        path = out_dir / ret.spec.file_name
        number = 1500 + ret.province.index
        circular = f"(Kèm theo Công văn số {number}/SNV-TCBC ngày 03/6/2026)"
        head = Letterhead(
            ret.province.name,
            ret.province.ubnd,
            CREATED,
            circular if ret.spec.as_of == AS_OF else "",
        )
        write_return(ret.spec, path, head, seed)
        paths.append(path)
    manifest = {
        "provinces": provinces,
        "units_per_province": units_per_province,
        "seed": seed,
        "files": [p.name for p in paths],
        "totals": intended_totals(models),
    }
    (out_dir / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=1))
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
