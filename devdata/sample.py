"""Deterministic sample returns for a Cần Thơ-like city (DOMAIN.md, "The seed's figures").

`write_sample(out_dir)` writes the Department's forms as staff really fill them: title blocks,
merged two-row headers, group and subtotal rows, accepted aliases, moved columns, counts typed as
text. Unit sizes are drawn from a seeded `random.Random` and then nudged within plausible ranges
so that the seed's city totals (section II.5) come out exactly when the product reads the files.
Every form label, choice and header line comes from `etl.core.forms`.
"""

from __future__ import annotations

import datetime as dt
import random
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import xlsxwriter
from xlsxwriter.format import Format
from xlsxwriter.utility import xl_rowcol_to_cell
from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

from etl.core.forms import (
    AGENCY_KIND_CHOICES,
    AUTONOMY_CHOICES,
    CITY_SCOPES,
    EVENT_TYPE_CHOICES,
    FORM_00,
    FORM_01,
    FORM_02,
    FORM_03,
    HEADER_LINES,
    JOB_POSITION_CHOICES,
    MEASURE_CHOICES,
    SECTOR_CHOICES,
    SIGNATURE_WORDS,
    TOTAL_WORDS,
    UNIT_KIND_CHOICES,
    YEAR_WORDS,
    Form,
)

# Choices by name (tuple unpacking fails loudly if forms.py changes them).
CITY_AGENCY, CHI_CUC, OTHER_ORG, DISTRICT_AGENCY = AGENCY_KIND_CHOICES
APPROVED, _NOT_APPROVED, INELIGIBLE = JOB_POSITION_CHOICES
GROUP_1, GROUP_2, GROUP_3, GROUP_4 = AUTONOMY_CHOICES
EDUCATION, HEALTH, CULTURE, LABOUR, AGRICULTURE, SCIENCE, MEDIA, OTHER_SECTOR = SECTOR_CHOICES
ESTABLISH, DISSOLVE, MERGE, CONSOLIDATE, _SPLIT, RENAME, RESTRUCTURE, _PAUSE = EVENT_TYPE_CHOICES
_ADMIN_KIND, PUBLIC_UNIT = UNIT_KIND_CHOICES
CIVIL_SERVANTS, EMPLOYEES = MEASURE_CHOICES
GRAND_TOTAL, _TOTAL_ALT, SUBTOTAL, _TOTAL_SHORT = TOTAL_WORDS
PREPARER, HEAD = SIGNATURE_WORDS[:2]
CITY_SCOPE = CITY_SCOPES[0]
YEAR_WORD = YEAR_WORDS[0]
INTERNAL_GROUP = FORM_03.extra["internal_group"]
INTERNAL_FIELDS = ("internal_phong", "internal_khoa", "internal_chi_nhanh", "internal_khac")
PLAIN_NUMBERS = ("stt", "base_year")  # numbers written as they are, never summed

# ---------------------------------------------------------------- settings of the sample

SEED = 20240630
CREATED = dt.datetime(2024, 7, 1)
BASE_YEAR = 2021
YEARS = (2021, 2022, 2023, 2024)
STREAMLINE_YEARS = (2022, 2023, 2024)
AS_OF = dt.date(2024, 6, 30)
PERIOD = "6 tháng đầu năm 2024"
EARLY_AS_OF = dt.date(2023, 12, 31)
EARLY_PERIOD = "Năm 2023"
CITY_NAME = "Cần Thơ"
CITY_PARENT = "UBND thành phố Cần Thơ"
CITY_HEADING = "UBND THÀNH PHỐ CẦN THƠ"
CONSOLIDATED = "Sở Nội vụ (tổng hợp)"
PLAN_DOC = "Kế hoạch số 123/KH-UBND ngày 07/6/2023"
CIRCULAR = "(Kèm theo Công văn số 1520/SNV-TCBC ngày 03/6/2024 của Sở Nội vụ)"
GUIDE_SHEET = "Hướng dẫn"
FONT_NAME = "Times New Roman"
_A4 = 9

# The figures the product must compute from these files (DOMAIN.md, seed section II.5).
AGENCY_QUOTA_2021 = 1860
AGENCY_QUOTA_2024 = 1841
AGENCY_STREAMLINED = {2022: 3, 2023: 3, 2024: 3}
UNITS_EXISTING = 527
UNIT_QUOTA_2021 = 20734
UNIT_QUOTA_2024 = 19414
UNIT_PENDING = 374
UNIT_STREAMLINED = {2022: 75, 2023: 17, 2024: 3}
UNITS_REDUCED_SINCE_2015 = 109
PLAN_TARGETS = ((CIVIL_SERVANTS, 0.05), (EMPLOYEES, "10%"))

# How the story is told (free choices, not seed figures).
ENDED_SCHOOLS = 12  # district schools merged or dissolved between 2022 and 30/06/2024
NEW_SCHOOLS = {2022: 2, 2023: 1, 2024: 1}  # "Thành lập mới" after 2021 (the 2024 one not ready)
EARLY_NEW_SCHOOLS = 13  # "Thành lập mới" schools between 2015 and 2020
EARLY_SCHOOL_CONSOLIDATIONS = 6
EARLY_SCHOOL_DISSOLUTIONS = 6
DISSOLVING_SCHOOLS = 2  # plus one centre: "Đang thực hiện thủ tục giải thể"
MISSING_CELLS = 4  # existing units that left a 2022 or 2023 cell empty
PENDING_UNITS = 80  # units proposing further cuts in their 2024 return
DISSOLVING_NOTE = "Đang thực hiện thủ tục giải thể"
NEW_UNIT_NOTE = "Mới thành lập, chuẩn bị đi vào hoạt động"

# ---------------------------------------------------------------- names of the city


@dataclass(frozen=True)
class CityAgency:
    """A sở (or the Văn phòng, Thanh tra, Ban) with its quota range and its chi cục."""

    name: str
    size: tuple[int, int]
    chi_cuc: tuple[tuple[str, tuple[int, int]], ...] = ()


CITY_AGENCIES = (
    CityAgency("Văn phòng UBND thành phố", (85, 105)),
    CityAgency("Sở Nội vụ", (40, 50), (("Chi cục Văn thư - Lưu trữ", (12, 18)),)),
    CityAgency("Sở Tư pháp", (28, 36)),
    CityAgency("Sở Kế hoạch và Đầu tư", (40, 50)),
    CityAgency("Sở Tài chính", (55, 68)),
    CityAgency("Sở Công Thương", (42, 52)),
    CityAgency(
        "Sở Nông nghiệp và Phát triển nông thôn",
        (36, 46),
        (
            ("Chi cục Kiểm lâm", (20, 30)),
            ("Chi cục Thủy lợi", (15, 22)),
            ("Chi cục Trồng trọt và Bảo vệ thực vật", (20, 28)),
            ("Chi cục Chăn nuôi và Thú y", (20, 28)),
            ("Chi cục Thủy sản", (12, 18)),
            ("Chi cục Phát triển nông thôn", (10, 15)),
            ("Chi cục Quản lý chất lượng nông lâm sản và thủy sản", (10, 15)),
        ),
    ),
    CityAgency("Sở Giao thông vận tải", (42, 55)),
    CityAgency("Sở Xây dựng", (38, 48)),
    CityAgency(
        "Sở Tài nguyên và Môi trường",
        (35, 45),
        (("Chi cục Bảo vệ môi trường", (12, 18)), ("Chi cục Quản lý đất đai", (12, 18))),
    ),
    CityAgency("Sở Thông tin và Truyền thông", (25, 32)),
    CityAgency("Sở Lao động - Thương binh và Xã hội", (40, 50)),
    CityAgency("Sở Văn hóa, Thể thao và Du lịch", (42, 52)),
    CityAgency(
        "Sở Khoa học và Công nghệ",
        (26, 34),
        (("Chi cục Tiêu chuẩn Đo lường Chất lượng", (15, 22)),),
    ),
    CityAgency("Sở Giáo dục và Đào tạo", (50, 62)),
    CityAgency(
        "Sở Y tế",
        (38, 48),
        (
            ("Chi cục Dân số - Kế hoạch hóa gia đình", (10, 15)),
            ("Chi cục An toàn vệ sinh thực phẩm", (12, 18)),
        ),
    ),
    CityAgency("Thanh tra thành phố", (40, 50)),
    CityAgency("Ban Dân tộc", (25, 30)),
    CityAgency("Sở Ngoại vụ", (25, 30)),
)

OTHER_ORGS = (
    ("Ban Quản lý các khu chế xuất và công nghiệp Cần Thơ", (30, 40)),
    ("Văn phòng Điều phối nông thôn mới thành phố Cần Thơ", (8, 12)),
    ("Ban Tiếp công dân thành phố Cần Thơ", (6, 10)),
    ("Văn phòng Ban An toàn giao thông thành phố Cần Thơ", (5, 8)),
)


@dataclass(frozen=True)
class District:
    """A quận or huyện: its wards (phường, thị trấn), communes (xã) and extra phòng."""

    name: str  # "quận Ninh Kiều"
    towns: tuple[str, ...]
    communes: tuple[str, ...] = ()
    extra_phong: tuple[str, ...] = ()

    @property
    def kind(self) -> str:
        return self.name.split(" ", 1)[0]

    @property
    def short(self) -> str:
        return self.name.split(" ", 1)[1]

    @property
    def ubnd(self) -> str:
        return f"UBND {self.name}"


_URBAN = ("Phòng Kinh tế", "Phòng Quản lý đô thị")
_RURAL = ("Phòng Nông nghiệp và Phát triển nông thôn", "Phòng Kinh tế và Hạ tầng")
DISTRICTS = (
    District(
        "quận Ninh Kiều",
        (
            "Cái Khế", "An Hòa", "Thới Bình", "An Nghiệp", "An Cư", "Tân An", "An Phú",
            "Xuân Khánh", "Hưng Lợi", "An Khánh", "An Bình",
        ),
        extra_phong=_URBAN,
    ),
    District(
        "quận Bình Thủy",
        (
            "Bình Thủy", "Trà An", "Trà Nóc", "Thới An Đông", "An Thới", "Bùi Hữu Nghĩa",
            "Long Hòa", "Long Tuyền",
        ),
        extra_phong=_URBAN,
    ),
    District(
        "quận Cái Răng",
        ("Lê Bình", "Hưng Phú", "Hưng Thạnh", "Ba Láng", "Thường Thạnh", "Phú Thứ", "Tân Phú"),
        extra_phong=_URBAN,
    ),
    District(
        "quận Ô Môn",
        (
            "Châu Văn Liêm", "Thới Hòa", "Thới Long", "Long Hưng", "Thới An", "Phước Thới",
            "Trường Lạc",
        ),
        extra_phong=_URBAN[:1],
    ),
    District(
        "quận Thốt Nốt",
        (
            "Thốt Nốt", "Thới Thuận", "Thuận An", "Tân Lộc", "Trung Nhứt", "Thạnh Hòa",
            "Trung Kiên", "Tân Hưng", "Thuận Hưng",
        ),
        extra_phong=_URBAN[:1],
    ),
    District(
        "huyện Phong Điền",
        ("thị trấn Phong Điền",),
        ("Nhơn Ái", "Giai Xuân", "Tân Thới", "Trường Long", "Mỹ Khánh", "Nhơn Nghĩa"),
        extra_phong=_RURAL,
    ),
    District(
        "huyện Cờ Đỏ",
        ("thị trấn Cờ Đỏ",),
        (
            "Thới Hưng", "Trung An", "Trung Thạnh", "Trung Hưng", "Thới Đông", "Thới Xuân",
            "Đông Hiệp", "Đông Thắng", "Thạnh Phú",
        ),
        extra_phong=_RURAL[:1],
    ),
    District(
        "huyện Thới Lai",
        ("thị trấn Thới Lai",),
        (
            "Thới Thạnh", "Tân Thạnh", "Xuân Thắng", "Đông Bình", "Đông Thuận", "Thới Tân",
            "Trường Thắng", "Định Môn", "Trường Thành", "Trường Xuân", "Trường Xuân A",
            "Trường Xuân B",
        ),
        extra_phong=_RURAL[:1],
    ),
    District(
        "huyện Vĩnh Thạnh",
        ("thị trấn Vĩnh Thạnh", "thị trấn Thạnh An"),
        (
            "Thạnh Thắng", "Thạnh Lợi", "Thạnh Quới", "Thạnh Lộc", "Thạnh Mỹ", "Vĩnh Trinh",
            "Vĩnh Bình", "Thạnh Tiến", "Thạnh An",
        ),
        extra_phong=_RURAL[:1],
    ),
)  # fmt: skip

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
EXTRA_PHONG_SIZE = (5, 8)
MIN_QUOTA_TO_CUT = 8  # agencies smaller than this keep their quota
MIN_QUOTA_TO_CUT_UNIT = 25  # so that no school falls below 20


@dataclass(frozen=True)
class UnitSpec:
    """A public service unit (ĐVSNCL) of the city's table."""

    name: str
    sector: str
    size: tuple[int, int]
    autonomy: str = GROUP_4
    group: str = ""  # group row of its return ("Bệnh viện" …); "" for none
    has_norm: bool = False


def _hospital(name: str, size: tuple[int, int], autonomy: str = GROUP_2) -> UnitSpec:
    return UnitSpec(name, HEALTH, size, autonomy, "Bệnh viện", True)


_THPT = (
    "Chuyên Lý Tự Trọng", "Châu Văn Liêm", "Nguyễn Việt Hồng", "An Khánh", "Bùi Hữu Nghĩa",
    "Bình Thủy", "Trần Đại Nghĩa", "Nguyễn Việt Dũng", "Lương Định Của", "Thới Long",
    "Lưu Hữu Phước", "Phan Ngọc Hiển", "Thốt Nốt", "Thuận Hưng", "Thạnh An", "Vĩnh Thạnh",
    "Thới Lai", "Trường Xuân", "Trung An", "Hà Huy Giáp", "Phan Văn Trị", "Giai Xuân",
    "Trần Ngọc Hoằng",
)  # fmt: skip
_HIGH_SCHOOLS = "Trường trung học phổ thông"
_OTHER_UNITS = "Đơn vị sự nghiệp khác"

CITY_UNITS: dict[str, tuple[UnitSpec, ...]] = {
    "Sở Giáo dục và Đào tạo": (
        *(UnitSpec(f"Trường THPT {n}", EDUCATION, (45, 90), GROUP_4, _HIGH_SCHOOLS, True)
          for n in _THPT),
        UnitSpec("Trường Phổ thông Dân tộc nội trú thành phố Cần Thơ", EDUCATION, (35, 50),
                 GROUP_4, _OTHER_UNITS, True),
    ),
    "Sở Y tế": (
        _hospital("Bệnh viện Đa khoa thành phố Cần Thơ", (650, 800)),
        _hospital("Bệnh viện Nhi đồng thành phố Cần Thơ", (350, 450)),
        _hospital("Bệnh viện Tim mạch thành phố Cần Thơ", (150, 220)),
        _hospital("Bệnh viện Ung bướu thành phố Cần Thơ", (200, 280)),
        _hospital("Bệnh viện Lao và Bệnh phổi thành phố Cần Thơ", (100, 150), GROUP_3),
        _hospital("Bệnh viện Tâm thần thành phố Cần Thơ", (90, 130), GROUP_3),
        _hospital("Bệnh viện Da liễu thành phố Cần Thơ", (60, 90)),
        _hospital("Bệnh viện Mắt - Răng Hàm Mặt thành phố Cần Thơ", (100, 150)),
        _hospital("Bệnh viện Y học cổ truyền thành phố Cần Thơ", (100, 140), GROUP_3),
        _hospital("Bệnh viện Phụ sản thành phố Cần Thơ", (250, 330)),
        _hospital("Bệnh viện Huyết học - Truyền máu thành phố Cần Thơ", (80, 120)),
        _hospital("Bệnh viện Đa khoa quận Ô Môn", (150, 220), GROUP_3),
        _hospital("Bệnh viện Đa khoa quận Thốt Nốt", (150, 220), GROUP_3),
        *(UnitSpec(f"Trung tâm Y tế {d.name}", HEALTH, (100, 190), GROUP_3,
                   "Trung tâm Y tế quận, huyện", True) for d in DISTRICTS),
        UnitSpec("Trung tâm Kiểm soát bệnh tật thành phố Cần Thơ", HEALTH, (120, 170),
                 GROUP_4, _OTHER_UNITS, True),
        UnitSpec("Trung tâm Kiểm nghiệm thuốc, mỹ phẩm, thực phẩm thành phố Cần Thơ", HEALTH,
                 (30, 45), GROUP_3, _OTHER_UNITS),
        UnitSpec("Trung tâm Pháp y thành phố Cần Thơ", HEALTH, (15, 25), GROUP_4, _OTHER_UNITS),
        UnitSpec("Trung tâm Giám định y khoa thành phố Cần Thơ", HEALTH, (12, 20), GROUP_4,
                 _OTHER_UNITS),
        UnitSpec("Trung tâm Cấp cứu 115 thành phố Cần Thơ", HEALTH, (40, 60), GROUP_3,
                 _OTHER_UNITS),
        UnitSpec("Trường Cao đẳng Y tế Cần Thơ", EDUCATION, (90, 130), GROUP_2, _OTHER_UNITS),
    ),
    "Sở Lao động - Thương binh và Xã hội": (
        UnitSpec("Trung tâm Dịch vụ việc làm thành phố Cần Thơ", LABOUR, (30, 45), GROUP_3),
        UnitSpec("Cơ sở cai nghiện ma túy thành phố Cần Thơ", LABOUR, (40, 60), has_norm=True),
        UnitSpec("Trung tâm Công tác xã hội thành phố Cần Thơ", LABOUR, (25, 40)),
        UnitSpec("Trung tâm Bảo trợ xã hội thành phố Cần Thơ", LABOUR, (30, 50)),
        UnitSpec("Trường Cao đẳng Nghề Cần Thơ", EDUCATION, (100, 150), GROUP_2),
    ),
    "Sở Văn hóa, Thể thao và Du lịch": (
        UnitSpec("Nhà hát Tây Đô", CULTURE, (60, 90), GROUP_3),
        UnitSpec("Thư viện thành phố Cần Thơ", CULTURE, (30, 45)),
        UnitSpec("Bảo tàng thành phố Cần Thơ", CULTURE, (30, 45)),
        UnitSpec("Trung tâm Văn hóa thành phố Cần Thơ", CULTURE, (30, 45)),
        UnitSpec("Trung tâm Huấn luyện và Thi đấu thể dục thể thao thành phố Cần Thơ",
                 CULTURE, (40, 60)),
        UnitSpec("Trung tâm Xúc tiến Du lịch thành phố Cần Thơ", CULTURE, (12, 20)),
        UnitSpec("Ban Quản lý Di tích thành phố Cần Thơ", CULTURE, (15, 25)),
    ),
    "Sở Công Thương": (
        UnitSpec("Trung tâm Xúc tiến thương mại thành phố Cần Thơ", OTHER_SECTOR, (15, 25),
                 GROUP_3),
        UnitSpec("Trung tâm Khuyến công và Tư vấn phát triển công nghiệp thành phố Cần Thơ",
                 OTHER_SECTOR, (15, 25), GROUP_3),
    ),
    "Sở Tư pháp": (
        UnitSpec("Trung tâm Trợ giúp pháp lý nhà nước thành phố Cần Thơ", OTHER_SECTOR, (30, 45)),
        UnitSpec("Trung tâm Dịch vụ đấu giá tài sản thành phố Cần Thơ", OTHER_SECTOR, (8, 14),
                 GROUP_2),
        UnitSpec("Phòng Công chứng số 1 thành phố Cần Thơ", OTHER_SECTOR, (8, 12), GROUP_2),
        UnitSpec("Phòng Công chứng số 2 thành phố Cần Thơ", OTHER_SECTOR, (6, 10), GROUP_2),
    ),
    "Sở Nông nghiệp và Phát triển nông thôn": (
        UnitSpec("Trung tâm Khuyến nông thành phố Cần Thơ", AGRICULTURE, (35, 50)),
        UnitSpec("Trung tâm Giống nông nghiệp thành phố Cần Thơ", AGRICULTURE, (20, 35), GROUP_3),
        UnitSpec("Trung tâm Nước sạch và Vệ sinh môi trường nông thôn thành phố Cần Thơ",
                 AGRICULTURE, (20, 30), GROUP_3),
        UnitSpec("Ban Quản lý Cảng cá Cần Thơ", AGRICULTURE, (10, 15), GROUP_2),
    ),
    "Sở Tài nguyên và Môi trường": (
        UnitSpec("Văn phòng Đăng ký đất đai thành phố Cần Thơ", OTHER_SECTOR, (80, 120), GROUP_2),
        UnitSpec("Trung tâm Quan trắc tài nguyên và môi trường thành phố Cần Thơ", OTHER_SECTOR,
                 (20, 30), GROUP_3),
        UnitSpec("Trung tâm Công nghệ thông tin tài nguyên và môi trường thành phố Cần Thơ",
                 OTHER_SECTOR, (10, 15), GROUP_3),
        UnitSpec("Trung tâm Phát triển quỹ đất thành phố Cần Thơ", OTHER_SECTOR, (25, 40),
                 GROUP_2),
    ),
    "Sở Thông tin và Truyền thông": (
        UnitSpec("Trung tâm Công nghệ thông tin và Truyền thông thành phố Cần Thơ", MEDIA,
                 (20, 30), GROUP_3),
    ),
    "Sở Khoa học và Công nghệ": (
        UnitSpec("Trung tâm Ứng dụng tiến bộ khoa học và công nghệ thành phố Cần Thơ", SCIENCE,
                 (20, 30), GROUP_3),
        UnitSpec("Trung tâm Kỹ thuật Tiêu chuẩn Đo lường Chất lượng thành phố Cần Thơ", SCIENCE,
                 (15, 25), GROUP_2),
        UnitSpec("Trung tâm Thông tin Khoa học và Công nghệ thành phố Cần Thơ", SCIENCE, (8, 12)),
    ),
    "Sở Giao thông vận tải": (
        UnitSpec("Trung tâm Quản lý vận tải hành khách công cộng thành phố Cần Thơ",
                 OTHER_SECTOR, (10, 20), GROUP_3),
    ),
    "Sở Xây dựng": (
        UnitSpec("Viện Quy hoạch xây dựng thành phố Cần Thơ", OTHER_SECTOR, (30, 45), GROUP_2),
        UnitSpec("Trung tâm Kiểm định chất lượng xây dựng thành phố Cần Thơ", OTHER_SECTOR,
                 (15, 25), GROUP_2),
    ),
    "Sở Kế hoạch và Đầu tư": (
        UnitSpec("Trung tâm Hỗ trợ doanh nghiệp thành phố Cần Thơ", OTHER_SECTOR, (8, 15)),
    ),
    "Văn phòng UBND thành phố": (
        UnitSpec("Trung tâm Phục vụ hành chính công thành phố Cần Thơ", OTHER_SECTOR, (15, 25)),
        UnitSpec("Nhà khách UBND thành phố Cần Thơ", OTHER_SECTOR, (10, 15), GROUP_2),
    ),
    "Sở Ngoại vụ": (
        UnitSpec("Trung tâm Dịch vụ đối ngoại thành phố Cần Thơ", OTHER_SECTOR, (6, 10)),
    ),
    "Sở Nội vụ": (
        UnitSpec("Trung tâm Lưu trữ lịch sử thành phố Cần Thơ", OTHER_SECTOR, (12, 18)),
    ),
    CITY_PARENT: (
        UnitSpec("Trường Cao đẳng Cần Thơ", EDUCATION, (120, 180), GROUP_2),
        UnitSpec("Đài Phát thanh và Truyền hình thành phố Cần Thơ", MEDIA, (120, 180), GROUP_2),
        UnitSpec("Viện Kinh tế - Xã hội thành phố Cần Thơ", SCIENCE, (20, 30)),
    ),
}  # fmt: skip


def _district_centres(d: District) -> tuple[UnitSpec, ...]:
    """The public service units every district runs besides its schools."""
    return (
        UnitSpec(f"Trung tâm Văn hóa - Thể thao {d.name}", CULTURE, (15, 25), GROUP_4,
                 _OTHER_UNITS),
        UnitSpec(f"Trung tâm Giáo dục nghề nghiệp - Giáo dục thường xuyên {d.name}", EDUCATION,
                 (15, 30), GROUP_4, _OTHER_UNITS, True),
        UnitSpec(f"Ban Quản lý dự án đầu tư xây dựng {d.name}", OTHER_SECTOR, (8, 15), GROUP_2,
                 _OTHER_UNITS),
    )  # fmt: skip


@dataclass(frozen=True)
class SchoolLevel:
    """A level of district school: name prefix, group label, how many per place, sizes."""

    prefix: str
    group: str
    counts: tuple[int, ...]
    weights: tuple[float, ...]
    town_size: tuple[int, int]
    commune_size: tuple[int, int]
    always_numbered: bool = False  # in a xã: "Trường Tiểu học Thới Hưng 1" even when alone


SCHOOL_LEVELS = (
    SchoolLevel("Trường Mầm non", "Mầm non", (1, 2), (0.5, 0.5), (22, 34), (20, 30)),
    SchoolLevel("Trường Tiểu học", "Tiểu học", (1, 2, 3), (0.25, 0.5, 0.25), (25, 45), (20, 36),
                always_numbered=True),
    SchoolLevel("Trường THCS", "Trung học cơ sở", (1, 2), (0.7, 0.3), (32, 62), (25, 48)),
)  # fmt: skip
# Units whose establishment (2015-2020) is told by name; schools are drawn at random.
EARLY_NEW_UNITS = (
    ("Bệnh viện Huyết học - Truyền máu thành phố Cần Thơ", (2016, 2016)),
    ("Trung tâm Phục vụ hành chính công thành phố Cần Thơ", (2019, 2020)),
)
# City units that ended after 2021: (name, merged into, year).
ENDED_CITY_UNITS = (
    (
        "Trung tâm Giống nông nghiệp thành phố Cần Thơ",
        "Trung tâm Khuyến nông thành phố Cần Thơ",
        2022,
    ),
    ("Bệnh viện Đa khoa quận Thốt Nốt", "Trung tâm Y tế quận Thốt Nốt", 2023),
)
# Reorganisations of 2015-2020 told by name: (type, before, after, sector, years).
EARLY_CITY_EVENTS = (
    (
        CONSOLIDATE,
        (
            "Trung tâm Y tế dự phòng thành phố Cần Thơ",
            "Trung tâm Phòng, chống HIV/AIDS thành phố Cần Thơ",
            "Trung tâm Chăm sóc sức khỏe sinh sản thành phố Cần Thơ",
            "Trung tâm Truyền thông - Giáo dục sức khỏe thành phố Cần Thơ",
            "Trung tâm Phòng, chống bệnh xã hội thành phố Cần Thơ",
        ),
        ("Trung tâm Kiểm soát bệnh tật thành phố Cần Thơ",),
        HEALTH,
        (2018, 2018),
    ),
    (
        CONSOLIDATE,
        ("Đoàn Cải lương Tây Đô", "Đoàn Ca múa nhạc dân tộc Cần Thơ"),
        ("Nhà hát Tây Đô",),
        CULTURE,
        (2017, 2017),
    ),
    (
        DISSOLVE,
        ("Trung tâm Phát hành phim và Chiếu bóng thành phố Cần Thơ",),
        (),
        CULTURE,
        (2016, 2016),
    ),
    (
        RENAME,
        ("Trung tâm Giới thiệu việc làm thành phố Cần Thơ",),
        ("Trung tâm Dịch vụ việc làm thành phố Cần Thơ",),
        LABOUR,
        (2016, 2016),
    ),
)
# The same, once per district ("{d}" is the district's name).
EARLY_DISTRICT_EVENTS = (
    (
        MERGE,
        ("Trung tâm Dân số - Kế hoạch hóa gia đình {d}", "Trung tâm Y tế {d}"),
        ("Trung tâm Y tế {d}",),
        HEALTH,
        (2019, 2019),
    ),
    (
        CONSOLIDATE,
        ("Trung tâm Dạy nghề {d}", "Trung tâm Giáo dục thường xuyên {d}"),
        ("Trung tâm Giáo dục nghề nghiệp - Giáo dục thường xuyên {d}",),
        EDUCATION,
        (2018, 2019),
    ),
    (
        CONSOLIDATE,
        ("Trung tâm Văn hóa {d}", "Trung tâm Thể dục thể thao {d}"),
        ("Trung tâm Văn hóa - Thể thao {d}",),
        CULTURE,
        (2015, 2017),
    ),
)
# Only in the huyện: the district hospital merged into the Trung tâm Y tế.
EARLY_RURAL_EVENTS = (
    (
        MERGE,
        ("Bệnh viện Đa khoa {d}", "Trung tâm Y tế {d}"),
        ("Trung tâm Y tế {d}",),
        HEALTH,
        (2017, 2018),
    ),
)
# Internal restructuring since 2022 (seed footnote 25): how many units per parent.
RESTRUCTURED_PER_PARENT = (
    (CITY_PARENT, 3),
    ("Sở Văn hóa, Thể thao và Du lịch", 2),
    ("Sở Công Thương", 1),
    ("Sở Tư pháp", 1),
    ("Sở Lao động - Thương binh và Xã hội", 2),
    ("Sở Y tế", 4),
)
LEGAL_AID = "Trung tâm Trợ giúp pháp lý nhà nước thành phố Cần Thơ"
LEGAL_AID_BRANCHES = 5
INTERNAL_PHONG = 14
INTERNAL_KHOA = 2
INTERNAL_WORDS = ("phòng", "khoa", "chi nhánh", "tổ chức khác")
WORDED_DATE = dt.date(2023, 12, 8)  # one event date written "ngày 08 tháng 12 năm 2023"

_FAMILY = ("Nguyễn", "Trần", "Lê", "Phạm", "Huỳnh", "Võ", "Đặng", "Bùi", "Trương", "Lâm")
_MIDDLE = ("Văn", "Thị", "Minh", "Thanh", "Ngọc", "Hoàng", "Thị Kim", "Quốc")
_GIVEN = ("An", "Bình", "Châu", "Dũng", "Hạnh", "Khoa", "Linh", "Phúc", "Tâm", "Trang", "Vy")

# ---------------------------------------------------------------- the city's model


@dataclass(eq=False)
class Agency:
    """One administrative agency (a row of Biểu 01)."""

    name: str
    kind: str
    reporter: str
    size: tuple[int, int]
    district: District | None = None
    code: str | None = None
    quota: dict[int, int] = field(default_factory=dict)
    streamlined: dict[int, int] = field(default_factory=dict)
    present: int = 0


@dataclass(eq=False)
class Unit:
    """One public service unit (a row of Biểu 02), with its story."""

    spec: UnitSpec
    parent: str
    reporter: str
    district: District | None = None
    level: SchoolLevel | None = None
    established: dt.date | None = None
    ended: dt.date | None = None
    receiver: Unit | None = None
    base: int = 0
    bumps: dict[int, int] = field(default_factory=dict)
    cuts: dict[int, int] = field(default_factory=dict)
    quota: dict[int, int] = field(default_factory=dict)
    blank_year: int | None = None
    pending: int | None = None
    norm: int | None = None
    streamlined: dict[int, int] = field(default_factory=dict)
    job: str | None = None
    note: str = ""

    @property
    def name(self) -> str:
        return self.spec.name

    @property
    def first_year(self) -> int:
        return max(BASE_YEAR, self.established.year) if self.established else BASE_YEAR

    @property
    def last_year(self) -> int:
        """The last year whose 31 December the unit saw (or the reporting year)."""
        return self.ended.year - 1 if self.ended else YEARS[-1]

    @property
    def exists(self) -> bool:
        return self.ended is None

    @property
    def continuing(self) -> bool:
        return self.exists and self.first_year == BASE_YEAR


@dataclass(eq=False)
class Series:
    """The schools of one level in one place, named with suffixes (A, B / 1, 2)."""

    district: District
    place: str
    commune: bool
    level: SchoolLevel
    count: int
    invented: int = 0  # names used up by units that ended before 2021

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


@dataclass(eq=False)
class Event:
    """One reorganisation (a row of Biểu 03); `before` holds a merger's receiving unit too."""

    date: dt.date
    doc: str
    kind: str
    before: tuple[str, ...]
    after: tuple[str, ...]
    sector: str
    internal: dict[str, int] = field(default_factory=dict)
    note: str = ""
    unit_kind: str = PUBLIC_UNIT

    @property
    def reduced(self) -> int:
        """Units fewer after the event (DOMAIN.md, counting rules)."""
        if self.kind in (ESTABLISH, RESTRUCTURE):
            return 0
        before, after = set(self.before), set(self.after)
        return len(before - after) - len(after - before)


@dataclass
class City:
    agencies: list[Agency]
    units: list[Unit]
    events: list[Event]


# ---------------------------------------------------------------- small helpers


def _apportion(total: int, weights: Sequence[float]) -> list[int]:
    """Largest-remainder split of `total` in proportion to `weights`."""
    whole = sum(weights)
    exact = [total * w / whole for w in weights]
    shares = [int(x) for x in exact]
    order = sorted(range(len(exact)), key=lambda i: (shares[i] - exact[i], i))
    for i in order[: total - sum(shares)]:
        shares[i] += 1
    return shares


def _nudge(
    rng: random.Random, values: list[int], bounds: Sequence[tuple[int, int]], total: int
) -> None:
    """Move random values by one, within their bounds, until they add up to `total`."""
    while gap := total - sum(values):
        step = 1 if gap > 0 else -1
        movable = [i for i, v in enumerate(values) if bounds[i][0] <= v + step <= bounds[i][1]]
        if not movable:
            raise ValueError(f"cannot reach {total} within the size ranges")
        weights = [bounds[i][1] - bounds[i][0] + 1 for i in movable]
        for i in rng.choices(movable, weights, k=min(abs(gap), 25)):
            if bounds[i][0] <= values[i] + step <= bounds[i][1]:
                values[i] += step


def _spread(rng: random.Random, total: int, pool: Sequence[Any], n_items: int) -> list[int]:
    """`total` over `n_items` random members of `pool`, at least one each; one count per member."""
    chosen = rng.sample(range(len(pool)), n_items)
    counts = [0] * len(pool)
    for i in chosen:
        counts[i] = 1
    for _ in range(total - n_items):
        counts[rng.choice(chosen)] += 1
    return counts


def _split_years(rng: random.Random, total: int) -> dict[int, int]:
    """A multi-year reduction spread over 2022-2024, more of it early."""
    years = rng.choices(STREAMLINE_YEARS, (0.45, 0.35, 0.2), k=total)
    return {y: years.count(y) for y in STREAMLINE_YEARS if years.count(y)}


def _date_in(
    rng: random.Random, first_year: int, last_year: int, last: dt.date | None = None
) -> dt.date:
    start = dt.date(first_year, 1, 15)
    end = min(dt.date(last_year, 12, 20), last or dt.date.max)
    return start + dt.timedelta(days=rng.randrange((end - start).days + 1))


def _decision(rng: random.Random) -> str:
    return f"{rng.randint(120, 3980)}/QĐ-UBND"


def _slug(text: str) -> str:
    """ASCII file-name part: "UBND quận Ô Môn" → "ubnd_quan_o_mon"."""
    plain = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    plain = "".join(ch for ch in plain if not unicodedata.combining(ch)).lower()
    return "_".join("".join(ch if ch.isalnum() else " " for ch in plain).split())


def _dmy(day: dt.date) -> str:
    return day.strftime("%d/%m/%Y")


def _vn_count(n: int) -> str:
    """A count as staff type it: `1.694`, `45`, `-` for zero."""
    return "-" if n == 0 else f"{n:,}".replace(",", ".")


def _person(rng: random.Random) -> str:
    return f"{rng.choice(_FAMILY)} {rng.choice(_MIDDLE)} {rng.choice(_GIVEN)}"


# ---------------------------------------------------------------- administrative agencies


def _build_agencies(rng: random.Random) -> list[Agency]:
    agencies: list[Agency] = []
    for i, spec in enumerate(CITY_AGENCIES, 1):
        code = f"H13.{i:02d}"
        agencies.append(Agency(spec.name, CITY_AGENCY, spec.name, spec.size, code=code))
        for j, (name, size) in enumerate(spec.chi_cuc, 1):
            agencies.append(Agency(name, CHI_CUC, spec.name, size, code=f"{code}.{j:02d}"))
    for name, size in OTHER_ORGS:
        agencies.append(Agency(name, OTHER_ORG, CONSOLIDATED, size))
    for d in DISTRICTS:
        phong = [(p.format(kind=d.kind), s) for p, s in DISTRICT_PHONG]
        phong += [(p, EXTRA_PHONG_SIZE) for p in d.extra_phong]
        for name, size in phong:
            agencies.append(Agency(name, DISTRICT_AGENCY, d.name, size, district=d))
    base = [rng.randint(*a.size) for a in agencies]
    _nudge(rng, base, [a.size for a in agencies], AGENCY_QUOTA_2021)
    # A few agencies give up one or two posts; most keep theirs (no "cào bằng").
    cut = AGENCY_QUOTA_2021 - AGENCY_QUOTA_2024
    cuts = [0] * len(agencies)
    able = [i for i, q in enumerate(base) if q >= MIN_QUOTA_TO_CUT]
    for i, c in zip(able, _spread(rng, cut, able, rng.randint(cut // 2 + 1, cut - 5)), strict=True):
        cuts[i] = c
    for agency, q, c in zip(agencies, base, cuts, strict=True):
        by_year = _split_years(rng, c)
        running = q
        for year in YEARS:
            running -= by_year.get(year, 0)
            agency.quota[year] = running
        agency.present = agency.quota[YEARS[-1]] - rng.choice((0, 0, 0, 1, 1, 2))
    for year, total in AGENCY_STREAMLINED.items():
        counts = _spread(rng, total, agencies, rng.randint(2, total))
        for agency, n in zip(agencies, counts, strict=True):
            agency.streamlined[year] = n
    return agencies


# ---------------------------------------------------------------- public service units


def _school_series(rng: random.Random, n_schools: int) -> list[Series]:
    """Every place's schools per level, with counts drawn then adjusted to `n_schools`."""
    series = []
    for d in DISTRICTS:
        places = [(p, False) for p in d.towns] + [(p, True) for p in d.communes]
        for place, commune in places:
            for level in SCHOOL_LEVELS:
                count = rng.choices(level.counts, level.weights)[0]
                series.append(Series(d, place, commune, level, count))
    while gap := n_schools - sum(s.count for s in series):
        if gap > 0:
            pick = rng.choice([s for s in series if s.count < max(s.level.counts)])
            pick.count += 1
        else:
            pick = rng.choice([s for s in series if s.count > 1])
            pick.count -= 1
    return series


def _build_units(rng: random.Random) -> tuple[list[Unit], list[Series]]:
    units: list[Unit] = []
    for parent, specs in CITY_UNITS.items():
        reporter = CONSOLIDATED if parent == CITY_PARENT else parent
        units += [Unit(spec, parent, reporter) for spec in specs]
    for d in DISTRICTS:
        units += [Unit(spec, d.ubnd, d.name, district=d) for spec in _district_centres(d)]
    n_schools = UNITS_EXISTING - len(units) + len(ENDED_CITY_UNITS) + ENDED_SCHOOLS
    series = _school_series(rng, n_schools)
    for s in series:
        size = s.level.commune_size if s.commune else s.level.town_size
        for i in range(1, s.count + 1):
            autonomy = GROUP_4 if rng.random() < 0.85 else GROUP_3
            spec = UnitSpec(s.name(i), EDUCATION, size, autonomy, s.level.group, True)
            units.append(Unit(spec, s.district.ubnd, s.district.name, s.district, s.level))
    return units, series


def _end(unit: Unit, day: dt.date, doc: str, receiver: Unit | None) -> None:
    unit.ended, unit.receiver = day, receiver
    how = f"Đã sáp nhập vào {receiver.name}" if receiver else "Đã giải thể"
    unit.note = f"{how} theo Quyết định số {doc} ngày {_dmy(day)}"


def _late_endings(
    rng: random.Random, units: dict[str, Unit], series: list[Series], taken: set[str]
) -> list[Event]:
    """Units that end between 2022 and 30/06/2024, each with its event."""
    events = []
    plans: list[tuple[str, str | None, int]] = [(a, b, y) for a, b, y in ENDED_CITY_UNITS]
    pairs = [s for s in series if s.count > 1]
    years = rng.choices((2022, 2023, 2024), (0.45, 0.35, 0.2), k=ENDED_SCHOOLS)
    for i, s in enumerate(rng.sample(pairs, ENDED_SCHOOLS)):
        receiver = None if i == 0 else s.name(1)  # the first one is dissolved
        plans.append((s.name(s.count), receiver, years[i]))
    for name, receiver_name, year in plans:
        day = _date_in(rng, year, year, AS_OF - dt.timedelta(days=20))
        doc = _decision(rng)
        unit = units[name]
        receiver = units[receiver_name] if receiver_name else None
        _end(unit, day, doc, receiver)
        taken.update(n for n in (name, receiver_name) if n)
        if receiver:
            events.append(
                Event(day, doc, MERGE, (name, receiver.name), (receiver.name,), unit.spec.sector)
            )
        else:
            events.append(Event(day, doc, DISSOLVE, (name,), (), unit.spec.sector))
    return events


def _early_events(
    rng: random.Random,
    units: dict[str, Unit],
    series: list[Series],
    n_reduced: int,
    taken: set[str],
) -> list[Event]:
    """Reorganisations of 2015-2020: the city's named ones, then schools up to `n_reduced`."""
    events = []
    templates = [(t, None) for t in EARLY_CITY_EVENTS]
    templates += [(t, d) for d in DISTRICTS for t in EARLY_DISTRICT_EVENTS]
    templates += [(t, d) for d in DISTRICTS if d.kind == "huyện" for t in EARLY_RURAL_EVENTS]
    for (kind, before, after, sector, years), d in templates:
        where = {"d": d.name} if d else {}
        before_names = tuple(n.format(**where) for n in before)
        after_names = tuple(n.format(**where) for n in after)
        for name in after_names:
            if name not in units:
                raise ValueError(f"{name} is not a unit of the sample")
            taken.add(name)
        events.append(
            Event(_date_in(rng, *years), _decision(rng), kind, before_names, after_names, sector)
        )
    n_schools = n_reduced - sum(e.reduced for e in events)
    n_merges = n_schools - EARLY_SCHOOL_CONSOLIDATIONS - EARLY_SCHOOL_DISSOLUTIONS
    if n_merges < 0:
        raise ValueError("too few reductions left for the schools")
    preschools = [s for s in series if s.level is SCHOOL_LEVELS[0] and s.count == 1]
    preschools = [s for s in preschools if s.name(1) not in taken]
    picked = rng.sample(preschools, EARLY_SCHOOL_CONSOLIDATIONS + EARLY_SCHOOL_DISSOLUTIONS)
    for i, s in enumerate(picked):
        day = _date_in(rng, 2015, 2020)
        kindergarten = f"Trường Mẫu giáo {s.place}"
        if i < EARLY_SCHOOL_CONSOLIDATIONS:
            nursery = f"Trường Nhà trẻ {s.place}"
            taken.add(s.name(1))
            events.append(
                Event(
                    day,
                    _decision(rng),
                    CONSOLIDATE,
                    (kindergarten, nursery),
                    (s.name(1),),
                    EDUCATION,
                )
            )
        else:
            events.append(Event(day, _decision(rng), DISSOLVE, (kindergarten,), (), EDUCATION))
    targets = [s for s in series if s.suffixed and s.name(1) not in taken]
    for _ in range(n_merges):
        s = rng.choice([t for t in targets if t.invented < 2])
        s.invented += 1
        gone = s.name(s.count + s.invented)
        events.append(
            Event(
                _date_in(rng, 2015, 2020),
                _decision(rng),
                MERGE,
                (gone, s.name(1)),
                (s.name(1),),
                EDUCATION,
            )
        )
    for s in targets:
        if s.invented:
            taken.add(s.name(1))
    return events


def _establishments(
    rng: random.Random, units: dict[str, Unit], schools: list[Unit], taken: set[str]
) -> list[Event]:
    """Establishments ("Thành lập mới"): named units and schools before 2021, new schools after."""
    free = [u for u in schools if u.name not in taken]
    urban = [u for u in free if u.district and u.district.kind == "quận"]
    late = rng.sample(urban, sum(NEW_SCHOOLS.values()))
    years = [y for y, n in NEW_SCHOOLS.items() for _ in range(n)]
    plans = [(u, y, y) for u, y in zip(late, years, strict=True)]
    early = rng.sample([u for u in free if u not in late], EARLY_NEW_SCHOOLS)
    plans += [(u, 2015, 2020) for u in early]
    plans += [(units[name], first, last) for name, (first, last) in EARLY_NEW_UNITS]
    events = []
    for unit, first, last in plans:
        day = _date_in(rng, first, last, AS_OF - dt.timedelta(days=60))
        doc = _decision(rng)
        unit.established = day
        taken.add(unit.name)
        if day.year > BASE_YEAR:
            unit.note = f"Thành lập theo Quyết định số {doc} ngày {_dmy(day)}"
        events.append(Event(day, doc, ESTABLISH, (), (unit.name,), unit.spec.sector))
    return events


def _restructurings(rng: random.Random, units: list[Unit], taken: set[str]) -> list[Event]:
    """Internal restructuring ("Kiện toàn bên trong") since 2022 (seed footnote 25)."""
    chosen: list[Unit] = []
    for parent, n in RESTRUCTURED_PER_PARENT:
        pool = [u for u in units if u.parent == parent and u.exists and u.name not in taken]
        legal = [u for u in pool if u.name == LEGAL_AID]
        chosen += legal or rng.sample(pool, n)
    others = [u for u in chosen if u.name != LEGAL_AID]
    kinds = [f.removeprefix("internal_") for f in INTERNAL_FIELDS]
    internal = {id(u): dict.fromkeys(kinds, 0) for u in chosen}
    internal[id(next(u for u in chosen if u.name == LEGAL_AID))]["chi_nhanh"] = LEGAL_AID_BRANCHES
    with_khoa = [u for u in others if u.name.startswith(("Bệnh viện", "Trường Cao đẳng"))]
    for u in rng.sample(with_khoa, INTERNAL_KHOA):
        internal[id(u)]["khoa"] += 1
    for u, n in zip(others, _spread(rng, INTERNAL_PHONG, others, len(others)), strict=True):
        internal[id(u)]["phong"] += n
    events = []
    twice = rng.choice([u for u in others if internal[id(u)]["phong"] > 1])
    worded = rng.choice([u for u in others if u is not twice])
    for u in chosen:
        cut = internal[id(u)]
        parts = [cut]
        if u is twice:
            parts = [{**cut, "phong": 1}, {**cut, "phong": cut["phong"] - 1, "khoa": 0}]
        for k, part in enumerate(parts):
            day = _date_in(rng, 2022 + k, 2022 + 2 * k, AS_OF - dt.timedelta(days=30))
            if u is worded:
                day = WORDED_DATE
            words = zip(part.values(), INTERNAL_WORDS, strict=True)
            note = "Giảm " + ", ".join(f"{n:02d} {w}" for n, w in words if n)
            events.append(
                Event(
                    day,
                    _decision(rng),
                    RESTRUCTURE,
                    (u.name,),
                    (u.name,),
                    u.spec.sector,
                    part,
                    note,
                )
            )
        taken.add(u.name)
    return events


def _assign_quotas(rng: random.Random, units: list[Unit]) -> None:
    """2021 sizes summing to the seed's total, merger transfers, and cuts to the 2024 total."""
    in_2021 = [u for u in units if u.first_year == BASE_YEAR]
    base = [rng.randint(*u.spec.size) for u in in_2021]
    _nudge(rng, base, [u.spec.size for u in in_2021], UNIT_QUOTA_2021)
    for unit, q in zip(in_2021, base, strict=True):
        unit.base = q
    for unit in units:
        if unit.first_year > BASE_YEAR:  # a new unit starts small
            low, high = unit.spec.size
            unit.base = rng.randint(low, (low + high) // 2)
        if unit.receiver:  # the receiving unit takes most of the staff from the next year
            share = round(unit.base * rng.uniform(0.5, 0.85))
            year = unit.last_year + 1
            unit.receiver.bumps[year] = unit.receiver.bumps.get(year, 0) + share
    continuing = [u for u in units if u.continuing]
    new = [u for u in units if u.exists and u.first_year > BASE_YEAR]
    need = sum(u.base + sum(u.bumps.values()) for u in continuing) + sum(u.base for u in new)
    need -= UNIT_QUOTA_2024
    if not 0 < need < sum(u.base for u in continuing) // 10:
        raise ValueError(f"implausible reduction {need}")
    cutters = [u for u in continuing if rng.random() < 0.6 and u.base >= MIN_QUOTA_TO_CUT_UNIT]
    shares = _apportion(need, [u.base * rng.uniform(0.5, 1.5) for u in cutters])
    for unit, share in zip(cutters, shares, strict=True):
        unit.cuts = _split_years(rng, share)
    for unit in units:
        running = unit.base
        for year in range(unit.first_year, unit.last_year + 1):
            running += unit.bumps.get(year, 0) - unit.cuts.get(year, 0)
            unit.quota[year] = running


def _assign_details(rng: random.Random, units: list[Unit], taken: set[str]) -> None:
    """Pending cuts, norms, streamlined staff, job positions, notes and missing cells."""
    last = YEARS[-1]
    continuing = [u for u in units if u.continuing]
    large = [u for u in continuing if u.quota[last] >= 30]
    chosen = rng.sample(large, PENDING_UNITS)
    pending = _apportion(UNIT_PENDING, [u.quota[last] * rng.uniform(0.6, 1.4) for u in chosen])
    for unit, n in zip(chosen, pending, strict=True):
        unit.pending = n
    for year, total in UNIT_STREAMLINED.items():
        n_units = max(2, min(total, rng.randint(total // 4, total // 2)))
        for unit, n in zip(continuing, _spread(rng, total, continuing, n_units), strict=True):
            unit.streamlined[year] = n
    for unit in units:
        if not unit.exists:
            continue
        q = unit.quota[last]
        unit.job = APPROVED
        if unit.spec.has_norm:
            short = unit.spec.group == "Bệnh viện" or "cai nghiện" in unit.name
            if short or rng.random() < 0.03:
                unit.norm = q + rng.randint(3, max(4, q // 6))
            else:
                unit.norm = max(1, q - rng.choice((0, 0, 1, 2, 3)))
    new_2024 = [u for u in units if u.first_year == last]
    centres = [u for u in continuing if u.spec.sector in (OTHER_SECTOR, SCIENCE, AGRICULTURE)]
    schools = [u for u in continuing if u.level]
    dissolving = rng.sample([u for u in schools if u.name not in taken], DISSOLVING_SCHOOLS)
    dissolving += rng.sample([u for u in centres if u.name not in taken], 1)
    for unit in dissolving + new_2024:
        unit.job = INELIGIBLE
        unit.note = DISSOLVING_NOTE if unit in dissolving else NEW_UNIT_NOTE
        taken.add(unit.name)
    plain = [u for u in continuing if u.name not in taken and not u.bumps]
    for i, unit in enumerate(rng.sample(plain, MISSING_CELLS)):
        unit.blank_year = (2022, 2023)[i % 2]


def build_city(seed: int = SEED) -> City:
    """The whole synthetic city: agencies, public service units and reorganisation events."""
    rng = random.Random(seed)
    agencies = _build_agencies(rng)
    units, series = _build_units(rng)
    by_name = {u.name: u for u in units}
    if len(by_name) != len(units):
        raise ValueError("two units share a name")
    taken: set[str] = set()
    late = _late_endings(rng, by_name, series, taken)
    events = _establishments(rng, by_name, [u for u in units if u.level], taken)
    events += _restructurings(rng, units, taken)
    n_early = UNITS_REDUCED_SINCE_2015 - sum(e.reduced for e in late)
    events += _early_events(rng, by_name, series, n_early, taken) + late
    _assign_quotas(rng, units)
    _assign_details(rng, units, taken)
    events.sort(key=lambda e: (e.date, e.kind, e.after, e.before))
    return City(agencies, units, events)


# ---------------------------------------------------------------- sheet layout


@dataclass(frozen=True)
class PCol:
    """One physical column: a form field (one year of it, for per-year fields)."""

    field: str
    label: str  # top header cell (merged over the group when `sub` is set)
    sub: str | None = None  # second header row
    year: int | None = None
    count: bool = False
    width: float = 10.0


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


@dataclass
class Block:
    """Rows under one group row, optionally closed by a subtotal row."""

    rows: list[dict[str, Any]]
    label: str = ""
    stt: str = ""
    subtotal: str = ""


@dataclass
class SheetSpec:
    name: str
    form: Form
    badge: str
    columns: list[PCol]
    blocks: list[Block]
    total: str = "bottom"  # bottom | top | "" (none)
    text_numbers: bool = False
    parens: bool = True  # column numbers as "(1)" rather than 1


@dataclass
class ReturnSpec:
    file_name: str
    reporter: str
    heading: tuple[str, str]
    as_of: dt.date
    period: str
    sheets: list[SheetSpec]
    description: str = ""


class _Formats:
    """The workbook's cell formats, by role."""

    def __init__(self, wb: Workbook) -> None:
        def make(**props: Any) -> Format:
            return wb.add_format({"font_name": FONT_NAME, "font_size": 12, **props})

        box = {"border": 1, "valign": "vcenter", "text_wrap": True}
        self.org = make(align="center")
        self.org_bold = make(align="center", bold=True)
        self.motto = make(align="center", bold=True, underline=1)
        self.italic = make(align="center", italic=True)
        self.badge = make(bold=True, italic=True)
        self.title = make(align="center", bold=True, font_size=13, text_wrap=True)
        self.plain = make()
        self.head = make(bold=True, align="center", **box)
        self.colnum = make(italic=True, align="center", **box)
        self.text = make(**box)
        self.center = make(align="center", **box)
        self.count = make(num_format='#,##0;-#,##0;"-"', **box)
        self.pct = make(num_format="0%", align="center", **box)
        self.date = make(num_format="dd/mm/yyyy", align="center", **box)
        self.group = make(bold=True, **box)
        self.group_count = make(bold=True, num_format='#,##0;-#,##0;"-"', **box)
        self.text_count = make(align="right", **box)
        self.bold_text_count = make(align="right", bold=True, **box)
        self.sign = make(bold=True, align="center")


@dataclass(frozen=True)
class Letterhead:
    """What differs between the city's returns and a province's: the place by the date, the
    owner and date written into the file's properties, and the Department's covering letter
    (only on the returns it asked for)."""

    place: str
    company: str
    created: dt.datetime
    circular: str = ""


def _title_block(
    ws: Worksheet, f: _Formats, spec: ReturnSpec, sheet: SheetSpec, n: int, head: Letterhead
) -> int:
    """National motto, reporting body, badge, title and header lines; returns the next row."""
    left_end = max(1, min(3, n // 3))
    right_start = max(left_end + 1, n - max(4, n // 2))
    ws.merge_range(0, 0, 0, left_end, spec.heading[0], f.org)
    ws.merge_range(1, 0, 1, left_end, spec.heading[1], f.org_bold)
    ws.merge_range(0, right_start, 0, n - 1, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", f.org_bold)
    ws.merge_range(1, right_start, 1, n - 1, "Độc lập - Tự do - Hạnh phúc", f.motto)
    signed = spec.as_of + dt.timedelta(days=10)
    place_date = f"{head.place}, ngày {signed.day:02d} tháng {signed.month} năm {signed.year}"
    ws.merge_range(2, right_start, 2, n - 1, place_date, f.italic)
    ws.write(3, 0, sheet.badge, f.badge)
    ws.merge_range(4, 0, 4, n - 1, sheet.form.title, f.title)
    ws.set_row(4, 22)
    row = 5
    if head.circular and sheet.form is not FORM_03:
        ws.merge_range(row, 0, row, n - 1, head.circular, f.italic)
        row += 1
    ws.write(row, 0, f"{HEADER_LINES['unit']} {spec.reporter}", f.plain)
    ws.write(row + 1, 0, f"{HEADER_LINES['period']} {spec.period}", f.plain)
    ws.write(row + 2, 0, f"{HEADER_LINES['as_of']} {_dmy(spec.as_of)}", f.plain)
    return row + 4


def _table_header(ws: Worksheet, f: _Formats, cols: list[PCol], row: int, parens: bool) -> int:
    """One or two header rows (group labels merged over sub-columns) and the number row."""
    two_rows = any(c.sub for c in cols)
    c = 0
    while c < len(cols):
        col = cols[c]
        if col.sub is None:
            if two_rows:
                ws.merge_range(row, c, row + 1, c, col.label, f.head)
            else:
                ws.write(row, c, col.label, f.head)
            c += 1
            continue
        end = c
        while end + 1 < len(cols) and cols[end + 1].sub and cols[end + 1].label == col.label:
            end += 1
        if end > c:
            ws.merge_range(row, c, row, end, col.label, f.head)
        else:
            ws.write(row, c, col.label, f.head)
        for k in range(c, end + 1):
            ws.write(row + 1, k, cols[k].sub, f.head)
        c = end + 1
    ws.set_row(row, 48 if two_rows else 64)
    row += 2 if two_rows else 1
    for k in range(len(cols)):
        ws.write(row, k, f"({k + 1})" if parens else k + 1, f.colnum)
    return row + 1


def _cell_value(row: dict[str, Any], col: PCol) -> Any:
    value = row.get(col.field)
    return value.get(col.year) if isinstance(value, dict) else value


def _write_cell(ws: Worksheet, f: _Formats, r: int, c: int, value: Any, as_text: bool) -> None:
    if value is None or value == "":
        ws.write_blank(r, c, None, f.text)
    elif isinstance(value, int) and as_text:
        ws.write_string(r, c, _vn_count(value), f.text_count)
    elif isinstance(value, int):
        ws.write_number(r, c, value, f.count)
    elif isinstance(value, float):
        ws.write_number(r, c, value, f.pct)
    elif isinstance(value, dt.date):
        ws.write_datetime(r, c, dt.datetime.combine(value, dt.time()), f.date)
    else:
        ws.write_string(r, c, str(value), f.text)


def _sum_of(rows: list[dict[str, Any]], col: PCol) -> int:
    return sum(v for r in rows if isinstance(v := _cell_value(r, col), int))


def _write_sums(
    ws: Worksheet,
    f: _Formats,
    sheet: SheetSpec,
    r: int,
    label: str,
    formulas: dict[int, str],
    values: dict[int, int],
) -> None:
    """A subtotal or total row: SUM formulas with cached values, or typed text."""
    cols = sheet.columns
    label_col = next((k for k, c in enumerate(cols) if c.field == "name"), None)
    first = 0
    if label_col is None:  # Biểu 03: the label spans the columns before the first count
        first = min(formulas)
        ws.merge_range(r, 0, r, first - 1, label, f.group)
    else:
        ws.write_string(r, label_col, label, f.group)
    for k in range(first, len(cols)):
        if k in formulas and sheet.text_numbers:
            ws.write_string(r, k, _vn_count(values[k]), f.bold_text_count)
        elif k in formulas:
            ws.write_formula(r, k, formulas[k], f.group_count, values[k])
        elif k != label_col:
            ws.write_blank(r, k, None, f.group)


def _table_body(ws: Worksheet, f: _Formats, sheet: SheetSpec, row: int) -> int:
    """Group rows, data rows, subtotals and the grand total; returns the row after the table."""
    cols = sheet.columns
    n = len(cols)
    name_col = next((k for k, c in enumerate(cols) if c.field == "name"), None)
    count_cols = [k for k, c in enumerate(cols) if c.count and c.field not in PLAIN_NUMBERS]
    total_row = None
    if sheet.total == "top":
        total_row, row = row, row + 1
    parts: list[tuple[int, int]] = []  # cell ranges (first, last) the grand total adds up
    for block in sheet.blocks:
        if block.label:
            if name_col is None:
                ws.merge_range(row, 0, row, n - 1, f"{block.stt}. {block.label}", f.group)
            else:
                for k in range(n):
                    ws.write_blank(row, k, None, f.group)
                ws.write_string(row, 0, block.stt, f.group)
                ws.write_string(row, name_col, block.label, f.group)
            row += 1
        first = row
        for i, data in enumerate(block.rows, 1):
            for k, col in enumerate(cols):
                if col.field in PLAIN_NUMBERS:
                    ws.write_number(row, k, i if col.field == "stt" else data[col.field], f.center)
                else:
                    value = _cell_value(data, col)
                    _write_cell(ws, f, row, k, value, sheet.text_numbers and col.count)
            row += 1
        last = row - 1
        if block.subtotal and block.rows:
            formulas = {
                k: f"=SUM({xl_rowcol_to_cell(first, k)}:{xl_rowcol_to_cell(last, k)})"
                for k in count_cols
            }
            values = {k: _sum_of(block.rows, cols[k]) for k in count_cols}
            _write_sums(ws, f, sheet, row, block.subtotal, formulas, values)
            parts.append((row, row))
            row += 1
        elif block.rows:
            parts.append((first, last))
    if sheet.total and count_cols:
        all_rows = [r for b in sheet.blocks for r in b.rows]
        formulas = {}
        for k in count_cols:
            refs = [
                xl_rowcol_to_cell(a, k)
                if a == b
                else f"{xl_rowcol_to_cell(a, k)}:{xl_rowcol_to_cell(b, k)}"
                for a, b in parts
            ]
            formulas[k] = f"=SUM({','.join(refs)})"
        values = {k: _sum_of(all_rows, cols[k]) for k in count_cols}
        at = total_row if total_row is not None else row
        _write_sums(ws, f, sheet, at, GRAND_TOTAL, formulas, values)
        if total_row is None:
            row += 1
    return row


def _signature(ws: Worksheet, f: _Formats, row: int, n: int, rng: random.Random) -> None:
    left_end = 2 if n > 7 else 1
    right_start = n - 4
    for r, (left, right, fmt) in enumerate(
        (
            (PREPARER, HEAD, f.sign),
            ("(Ký, ghi rõ họ tên)", "(Ký tên, đóng dấu)", f.italic),
            ("", "", f.plain),
            ("", "", f.plain),
            ("", "", f.plain),
            (_person(rng), _person(rng), f.sign),
        )
    ):
        if left or right:
            ws.merge_range(row + r, 0, row + r, left_end, left, fmt)
            ws.merge_range(row + r, right_start, row + r, n - 1, right, fmt)


def _write_sheet(
    ws: Worksheet,
    f: _Formats,
    spec: ReturnSpec,
    sheet: SheetSpec,
    rng: random.Random,
    head: Letterhead,
) -> None:
    n = len(sheet.columns)
    row = _title_block(ws, f, spec, sheet, n, head)
    header_top = row
    row = _table_header(ws, f, sheet.columns, row, sheet.parens)
    ws.freeze_panes(row, 0)
    row = _table_body(ws, f, sheet, row)
    _signature(ws, f, row + 1, n, rng)
    for k, col in enumerate(sheet.columns):
        ws.set_column(k, k, col.width)
    ws.set_landscape()
    ws.set_paper(_A4)
    ws.fit_to_pages(1, 0)
    ws.repeat_rows(header_top, header_top + 1)


_GUIDE = (
    "HƯỚNG DẪN ĐIỀN BIỂU",
    "1. Mỗi dòng là một cơ quan, tổ chức hoặc đơn vị; không gộp nhiều đơn vị vào một dòng.",
    "2. Số liệu ghi số nguyên; để trống nếu chưa có số liệu, ghi «-» nếu bằng 0.",
    "3. Đơn vị đã sáp nhập, giải thể vẫn ghi số liệu các năm trước, để trống các năm sau "
    "và ghi rõ văn bản ở cột Ghi chú.",
    "4. Dòng «Cộng», «Tổng cộng» dùng công thức SUM, không nhập đè số liệu.",
    "5. Gửi tệp về Sở Nội vụ qua hệ thống trước ngày 10/7/2024.",
)


def write_return(spec: ReturnSpec, path: Path, head: Letterhead, seed: int = SEED) -> None:
    """One return as a unit's staff would send it: every sheet with its title block, header
    rows, body and signature, then the guide sheet. The same spec and seed give the same bytes."""
    rng = random.Random(f"{seed}/{spec.file_name}")
    wb = xlsxwriter.Workbook(str(path))
    wb.set_properties(
        {
            "title": spec.description or spec.file_name,
            "author": spec.reporter,
            "company": head.company,
            "created": head.created,
        }
    )
    f = _Formats(wb)
    for sheet in spec.sheets:
        _write_sheet(wb.add_worksheet(sheet.name), f, spec, sheet, rng, head)
    guide = wb.add_worksheet(GUIDE_SHEET)
    guide.set_column(0, 0, 110)
    for r, line in enumerate(_GUIDE):
        guide.write_string(r, 0, line, f.org_bold if r == 0 else f.plain)
    wb.close()


# ---------------------------------------------------------------- the returns


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


def _columns_01(style: Style01, years: Sequence[int]) -> list[PCol]:
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


def _columns_02(style: Style02, years: Sequence[int], counts: bool = True) -> list[PCol]:
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


def _agency_row(a: Agency, years: Sequence[int], district_text: str) -> dict[str, Any]:
    return {
        "code": a.code,
        "name": a.name,
        "agency_kind": a.kind,
        "district": district_text,
        "quota": {y: a.quota[y] for y in years},
        "present": a.present,
        "streamlined": {y: a.streamlined.get(y, 0) for y in years if y > BASE_YEAR},
        "job_position": APPROVED,
        "note": "",
    }


def _unit_row(u: Unit, years: Sequence[int], as_of: dt.date) -> dict[str, Any]:
    ended = u.ended is not None and u.ended <= as_of
    quota = {y: u.quota.get(y) for y in years}
    if u.blank_year in quota:
        quota[u.blank_year] = None
    existing = [y for y in years if y > BASE_YEAR and y in u.quota]
    return {
        "name": u.name,
        "parent": u.parent,
        "sector": u.spec.sector,
        "autonomy": u.spec.autonomy,
        "quota": quota,
        "pending": None if ended else u.pending,
        "norm": None if ended else u.norm,
        "streamlined": {y: u.streamlined.get(y, 0) for y in existing},
        "job_position": None if ended else (u.job or APPROVED),
        "note": u.note if ended or u.job == INELIGIBLE or u.first_year > BASE_YEAR else "",
    }


def _sheet_01(
    agencies: list[Agency], style: Style01, years: Sequence[int], name: str = "Biểu 01"
) -> SheetSpec:
    text = style.district_text if style.district == "column" else ""
    rows = [_agency_row(a, years, text) for a in agencies]
    kinds = [a.kind for a in agencies]
    with_chi_cuc = set(kinds) == {CITY_AGENCY, CHI_CUC} and len(agencies) > 3
    other = "TỔ CHỨC HÀNH CHÍNH KHÁC THUỘC UBND THÀNH PHỐ"
    blocks = agency_blocks(rows, kinds, style, with_chi_cuc, other)
    return SheetSpec(name, FORM_01, style.badge, _columns_01(style, years), blocks)


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
        stt = _roman(i)
        label = f"{SUBTOTAL} {stt}" if style.numbered_subtotals else SUBTOTAL
        blocks.append(Block(groups[key], key.upper(), stt, label))
    return blocks


def _sheet_02(
    units: list[Unit],
    style: Style02,
    years: Sequence[int],
    as_of: dt.date,
    name: str = "Biểu 02",
) -> SheetSpec:
    listed = [u for u in units if u.first_year <= years[-1]]
    groups: dict[str, list[Unit]] = {}
    for u in listed:
        groups.setdefault(u.spec.group, []).append(u)
    if len(groups) > 1:
        order = [lvl.group for lvl in SCHOOL_LEVELS] + ["Bệnh viện", _HIGH_SCHOOLS]
        rows = {g: [_unit_row(u, years, as_of) for u in us] for g, us in groups.items()}
        blocks = grouped_blocks(rows, order, style)
    elif units and units[0].parent == CITY_PARENT:
        rows = [_unit_row(u, years, as_of) for u in listed]
        blocks = [Block(rows, "ĐƠN VỊ SỰ NGHIỆP CÔNG LẬP THUỘC UBND THÀNH PHỐ", "I")]
    else:
        blocks = [Block([_unit_row(u, years, as_of) for u in listed])]
    early = as_of < AS_OF
    columns = _columns_02(style, years, counts=not early)
    return SheetSpec(name, FORM_02, style.badge, columns, blocks, style.total, style.text_numbers)


def _roman(i: int) -> str:
    return ("I", "II", "III", "IV", "V", "VI", "VII", "VIII")[i - 1]


@dataclass(frozen=True)
class DistrictReturn:
    """How a district reports: its Biểu 01 style and its Biểu 02 style and file."""

    style01: Style01
    style02: Style02
    separate_02: bool = False
    sheet_names: tuple[str, str] = ("Biểu 01", "Biểu 02")


DISTRICT_RETURNS = {
    "quận Ninh Kiều": DistrictReturn(
        Style01(district="group", district_text="UBND quận Ninh Kiều", present=True),
        Style02(),
    ),
    "quận Bình Thủy": DistrictReturn(
        Style01(district="column", district_text="Quận Bình Thủy", badge="Biểu 01"),
        Style02(variant="alias", badge="Biểu 02"),
        separate_02=True,
    ),
    "quận Cái Răng": DistrictReturn(
        Style01(district="group", district_text="UBND quận Cái Răng", variant="alias"),
        Style02(total="top"),
        sheet_names=("Bieu01", "Bieu02"),
    ),
    "quận Ô Môn": DistrictReturn(
        Style01(district="column", district_text="Ô Môn", district_alias=1, badge="Mẫu 01"),
        Style02(variant="reordered", badge="Mẫu 02"),
        separate_02=True,
    ),
    "quận Thốt Nốt": DistrictReturn(
        Style01(district="group", district_text="UBND quận Thốt Nốt", kind_column=False),
        Style02(variant="alias"),
    ),
    "huyện Phong Điền": DistrictReturn(
        Style01(district="column", district_text="H. Phong Điền", variant="per_cell"),
        Style02(variant="reordered", numbered_subtotals=True),
        separate_02=True,
    ),
    "huyện Cờ Đỏ": DistrictReturn(
        Style01(district="group", district_text="Ủy ban nhân dân huyện Cờ Đỏ"),
        Style02(total="top"),
    ),
    "huyện Thới Lai": DistrictReturn(
        Style01(district="column", district_text="Huyện Thới Lai", variant="reordered"),
        Style02(),
        separate_02=True,
    ),
    "huyện Vĩnh Thạnh": DistrictReturn(
        Style01(district="group", district_text="UBND huyện Vĩnh Thạnh", badge="Biểu 01"),
        Style02(badge="Biểu 02", numbered_subtotals=True),
        sheet_names=("Sheet1", "Sheet2"),
    ),
}
# Earlier returns (31/12/2023): district, its Biểu 01 style (None: no Biểu 01; the district is
# written differently from the later return), whether Biểu 02 is included.
EARLY_RETURNS = (
    ("quận Ninh Kiều", Style01(district="column", district_text="Quận Ninh Kiều"), True),
    ("huyện Cờ Đỏ", Style01(district="column", district_text="Cờ Đỏ", badge="Biểu 01"), False),
    ("huyện Thới Lai", None, True),
)
# Biểu 01 styles of the 19 city agencies, in turn; Biểu 02 likewise.
CITY_STYLES_01 = (
    Style01(code=True, present=True),
    Style01(variant="alias", badge="Biểu 01"),
    Style01(variant="per_cell"),
    Style01(variant="reordered", badge="Mẫu 01"),
    Style01(code=True),
)
CITY_STYLES_02 = (
    Style02(),
    Style02(variant="alias", badge="Biểu 02"),
    Style02(variant="reordered"),
)
SEPARATE_02 = {"Sở Y tế": Style02(text_numbers=True), "Sở Giáo dục và Đào tạo": Style02()}


def _heading(reporter: str) -> tuple[str, str]:
    return CITY_HEADING, reporter.upper()


def _city_returns(city: City) -> list[ReturnSpec]:
    returns = []
    for i, spec in enumerate(CITY_AGENCIES):
        agencies = [a for a in city.agencies if a.reporter == spec.name]
        units = [u for u in city.units if u.reporter == spec.name]
        style01 = CITY_STYLES_01[i % len(CITY_STYLES_01)]
        sheets = [_sheet_01(agencies, style01, YEARS)]
        slug = _slug(spec.name)
        separate = SEPARATE_02.get(spec.name)
        if units and separate is None:
            style02 = CITY_STYLES_02[i % len(CITY_STYLES_02)]
            sheets.append(_sheet_02(units, style02, YEARS, AS_OF))
        returns.append(
            ReturnSpec(
                f"2024-06-30_01_{slug}.xlsx",
                spec.name,
                _heading(spec.name),
                AS_OF,
                PERIOD,
                sheets,
                f"Biểu 01{' và 02' if len(sheets) > 1 else ''} của {spec.name}",
            )
        )
        if units and separate is not None:
            sheet = _sheet_02(units, separate, YEARS, AS_OF)
            returns.append(
                ReturnSpec(
                    f"2024-06-30_02_{slug}.xlsx",
                    spec.name,
                    _heading(spec.name),
                    AS_OF,
                    PERIOD,
                    [sheet],
                    f"Biểu 02 của {spec.name}",
                )
            )
    others = [a for a in city.agencies if a.reporter == CONSOLIDATED]
    direct = [u for u in city.units if u.reporter == CONSOLIDATED]
    sheets = [_sheet_01(others, Style01(), YEARS), _sheet_02(direct, Style02(), YEARS, AS_OF)]
    returns.append(
        ReturnSpec(
            "2024-06-30_01_so_noi_vu_tong_hop.xlsx",
            CONSOLIDATED,
            _heading("Sở Nội vụ"),
            AS_OF,
            PERIOD,
            sheets,
            "Sở Nội vụ tổng hợp: tổ chức hành chính khác và "
            "đơn vị sự nghiệp trực thuộc UBND thành phố",
        )
    )
    return returns


def _district_heading(d: District) -> tuple[str, str]:
    return "ỦY BAN NHÂN DÂN", d.name.upper()


def _district_returns(city: City) -> list[ReturnSpec]:
    returns = []
    for d in DISTRICTS:
        how = DISTRICT_RETURNS[d.name]
        agencies = [a for a in city.agencies if a.district is d]
        units = [u for u in city.units if u.reporter == d.name]
        sheet01 = _sheet_01(agencies, how.style01, YEARS, how.sheet_names[0])
        sheet02 = _sheet_02(units, how.style02, YEARS, AS_OF, how.sheet_names[1])
        slug = _slug(d.ubnd)
        if how.separate_02:
            returns.append(
                ReturnSpec(
                    f"2024-06-30_01_{slug}.xlsx",
                    d.ubnd,
                    _district_heading(d),
                    AS_OF,
                    PERIOD,
                    [sheet01],
                    f"Biểu 01 của {d.ubnd}",
                )
            )
            returns.append(
                ReturnSpec(
                    f"2024-06-30_02_{slug}.xlsx",
                    d.ubnd,
                    _district_heading(d),
                    AS_OF,
                    PERIOD,
                    [sheet02],
                    f"Biểu 02 của {d.ubnd}",
                )
            )
        else:
            returns.append(
                ReturnSpec(
                    f"2024-06-30_01_{slug}.xlsx",
                    d.ubnd,
                    _district_heading(d),
                    AS_OF,
                    PERIOD,
                    [sheet01, sheet02],
                    f"Biểu 01 và 02 của {d.ubnd}",
                )
            )
    return returns


def _early_returns(city: City, rng: random.Random) -> list[ReturnSpec]:
    """Returns as of 31/12/2023, equal to the later ones but for one 2023 figure."""
    years = YEARS[:-1]
    returns = []
    corrected = False
    for district_name, style01, with_02 in EARLY_RETURNS:
        d = next(x for x in DISTRICTS if x.name == district_name)
        sheets = []
        if style01 is not None:
            sheet = _sheet_01([a for a in city.agencies if a.district is d], style01, years)
            if not corrected:  # the figure the 2024 return corrects
                rows = [r for b in sheet.blocks for r in b.rows]
                pick = rng.choice(rows)
                pick["quota"] = {**pick["quota"], 2023: pick["quota"][2023] + 1}
                corrected = True
            sheets.append(sheet)
        units = [u for u in city.units if u.reporter == d.name]
        if with_02:
            sheets.append(_sheet_02(units, Style02(), years, EARLY_AS_OF))
        code = "01" if style01 is not None else "02"
        forms = " và ".join(s.name for s in sheets)
        returns.append(
            ReturnSpec(
                f"2023-12-31_{code}_{_slug(d.ubnd)}.xlsx",
                d.ubnd,
                _district_heading(d),
                EARLY_AS_OF,
                EARLY_PERIOD,
                sheets,
                f"{forms} năm 2023 của {d.ubnd}",
            )
        )
    return returns


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


def _plan_return() -> ReturnSpec:
    f = FORM_00
    columns = plan_columns(20, count=False)
    rows = [
        {
            "scope": CITY_SCOPE,
            "measure": measure,
            "base_year": BASE_YEAR,
            "pct": pct,
            "doc_ref": PLAN_DOC,
            "note": f"Giai đoạn 2022 - 2026, so với số giao năm {BASE_YEAR}",
        }
        for measure, pct in PLAN_TARGETS
    ]
    sheet = SheetSpec("Biểu 00", f, "Biểu số 00", columns, [Block(rows)], total="")
    return ReturnSpec(
        "2024-06-30_00_ke_hoach.xlsx",
        "Sở Nội vụ",
        _heading("Sở Nội vụ"),
        AS_OF,
        PERIOD,
        [sheet],
        "Kế hoạch tinh giản biên chế giai đoạn 2022 - 2026",
    )


def _variant(name: str, rng: random.Random) -> str:
    """The name as another clerk types it, now and then: old tone placement or a doubled space."""
    roll = rng.random()
    if roll < 0.2:
        for new, old in (("hóa", "hoá"), ("Hòa", "Hoà"), ("hòa", "hoà"), ("Ủy", "Uỷ")):
            if new in name:
                return name.replace(new, old)
    if roll < 0.05:
        return name.replace(" ", "  ", 1)
    return name


def _event_row(e: Event, rng: random.Random) -> dict[str, Any]:
    before = list(e.before)
    if e.kind == MERGE and rng.random() < 0.5:  # the receiving unit only in "after"
        before = [n for n in before if n not in e.after]
    joiner = rng.choice(("; ", ";\n", "\n"))
    if len(before) > 2:
        before = [f"- {n}" for n in before]
        joiner = "\n"
    if e.date == WORDED_DATE:
        when: Any = f"ngày {e.date.day:02d} tháng {e.date.month:02d} năm {e.date.year}"
    elif rng.random() < 0.3:
        when = _dmy(e.date)
    else:
        when = e.date
    internal = {}
    if e.kind == RESTRUCTURE:
        internal = dict(zip(INTERNAL_FIELDS, e.internal.values(), strict=True))
    return {
        "date": when,
        "doc_ref": f"Quyết định số {e.doc}",
        "event_type": e.kind,
        "before": joiner.join(_variant(n, rng) for n in before),
        "after": "; ".join(_variant(n, rng) for n in e.after),
        "unit_kind": PUBLIC_UNIT,
        "sector": e.sector,
        "note": e.note,
        **internal,
    }


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


def _events_return(city: City) -> ReturnSpec:
    rng = random.Random(f"{SEED}/events")
    f = FORM_03
    columns = event_columns()
    early = [_event_row(e, rng) for e in city.events if e.date.year <= 2020]
    late = [_event_row(e, rng) for e in city.events if e.date.year > 2020]
    blocks = [
        Block(early, "Giai đoạn 2015 - 2020", "I"),
        Block(late, "Giai đoạn từ năm 2021 đến 30/6/2024", "II"),
    ]
    sheet = SheetSpec("Biểu 03", f, "Mẫu 03", columns, blocks)
    return ReturnSpec(
        "2024-06-30_03_sap_xep_to_chuc.xlsx",
        "Sở Nội vụ",
        _heading("Sở Nội vụ"),
        AS_OF,
        PERIOD,
        [sheet],
        "Sắp xếp, kiện toàn tổ chức 2015 - 6/2024",
    )


def sample_returns(seed: int = SEED) -> list[ReturnSpec]:
    """Every return of the sample, in load order."""
    city = build_city(seed)
    rng = random.Random(f"{seed}/early")
    returns = [*_early_returns(city, rng), _plan_return(), _events_return(city)]
    returns += _city_returns(city) + _district_returns(city)
    return sorted(returns, key=lambda r: r.file_name)


def write_sample(out_dir: Path) -> list[Path]:
    """Write the sample returns (.xlsx) into `out_dir`; returns their paths in load order."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = []
    for spec in sample_returns():
        path = out_dir / spec.file_name
        circular = CIRCULAR if spec.as_of == AS_OF else ""
        write_return(spec, path, Letterhead(CITY_NAME, CITY_PARENT, CREATED, circular))
        paths.append(path)
    return sorted(paths)
