"""The sample Cần Thơ-like city (docs/domain.md, "Seed figures") as a world, and its returns.

`build_city()` makes the city a `devdata.world.World`: its sở and chi cục, other organisations,
nine districts with their phòng, centres and schools, public service units, reorganisations since
2015 and the plan. Unit sizes are drawn from a seeded `random.Random` and then nudged within
plausible ranges so that the seed's city totals (section II.5) come out exactly when the product
reads the files. `sample_layout()` says how each sở and district fills its forms, and
`write_sample(out_dir)` writes the returns through `devdata.forms_out` (the committed
data/sample/ is its output, byte for byte).
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Sequence
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
    OTHER_ORG,
    OTHER_SECTOR,
    OTHER_UNITS,
    RENAME,
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

# ---------------------------------------------------------------- settings of the sample

SEED = 20240630
YEARS = (2021, 2022, 2023, 2024)
STREAMLINE_YEARS = (2022, 2023, 2024)
STREAMLINE_WEIGHTS = (0.45, 0.35, 0.2)  # more of a reduction early
AS_OF = dt.date(2024, 6, 30)
CALENDAR = Calendar(
    YEARS, AS_OF, "6 tháng đầu năm 2024", dt.date(2023, 12, 31), "Năm 2023", dt.datetime(2024, 7, 1)
)
CITY = Province(13, "thành phố", "Cần Thơ")
CITY_PARENT = CITY.ubnd
PLAN_DOC = "Kế hoạch số 123/KH-UBND ngày 07/6/2023"
PLAN_TITLE = "Kế hoạch tinh giản biên chế giai đoạn 2022 - 2026"
PLAN_NOTE = f"Giai đoạn 2022 - 2026, so với số giao năm {BASE_YEAR}"
CIRCULAR = "(Kèm theo Công văn số 1520/SNV-TCBC ngày 03/6/2024 của Sở Nội vụ)"
EVENTS_SINCE = 2015

# The figures the product must compute from these files (the seed report's section II.5:
# docs/domain.md, "Seed figures").
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


DISTRICTS = (
    District(
        "quận", "Ninh Kiều",
        (
            "Cái Khế", "An Hòa", "Thới Bình", "An Nghiệp", "An Cư", "Tân An", "An Phú",
            "Xuân Khánh", "Hưng Lợi", "An Khánh", "An Bình",
        ),
        extra_phong=URBAN_PHONG,
    ),
    District(
        "quận", "Bình Thủy",
        (
            "Bình Thủy", "Trà An", "Trà Nóc", "Thới An Đông", "An Thới", "Bùi Hữu Nghĩa",
            "Long Hòa", "Long Tuyền",
        ),
        extra_phong=URBAN_PHONG,
    ),
    District(
        "quận", "Cái Răng",
        ("Lê Bình", "Hưng Phú", "Hưng Thạnh", "Ba Láng", "Thường Thạnh", "Phú Thứ", "Tân Phú"),
        extra_phong=URBAN_PHONG,
    ),
    District(
        "quận", "Ô Môn",
        (
            "Châu Văn Liêm", "Thới Hòa", "Thới Long", "Long Hưng", "Thới An", "Phước Thới",
            "Trường Lạc",
        ),
        extra_phong=URBAN_PHONG[:1],
    ),
    District(
        "quận", "Thốt Nốt",
        (
            "Thốt Nốt", "Thới Thuận", "Thuận An", "Tân Lộc", "Trung Nhứt", "Thạnh Hòa",
            "Trung Kiên", "Tân Hưng", "Thuận Hưng",
        ),
        extra_phong=URBAN_PHONG[:1],
    ),
    District(
        "huyện", "Phong Điền",
        ("thị trấn Phong Điền",),
        ["Nhơn Ái", "Giai Xuân", "Tân Thới", "Trường Long", "Mỹ Khánh", "Nhơn Nghĩa"],
        extra_phong=RURAL_PHONG,
    ),
    District(
        "huyện", "Cờ Đỏ",
        ("thị trấn Cờ Đỏ",),
        [
            "Thới Hưng", "Trung An", "Trung Thạnh", "Trung Hưng", "Thới Đông", "Thới Xuân",
            "Đông Hiệp", "Đông Thắng", "Thạnh Phú",
        ],
        extra_phong=RURAL_PHONG[:1],
    ),
    District(
        "huyện", "Thới Lai",
        ("thị trấn Thới Lai",),
        [
            "Thới Thạnh", "Tân Thạnh", "Xuân Thắng", "Đông Bình", "Đông Thuận", "Thới Tân",
            "Trường Thắng", "Định Môn", "Trường Thành", "Trường Xuân", "Trường Xuân A",
            "Trường Xuân B",
        ],
        extra_phong=RURAL_PHONG[:1],
    ),
    District(
        "huyện", "Vĩnh Thạnh",
        ("thị trấn Vĩnh Thạnh", "thị trấn Thạnh An"),
        [
            "Thạnh Thắng", "Thạnh Lợi", "Thạnh Quới", "Thạnh Lộc", "Thạnh Mỹ", "Vĩnh Trinh",
            "Vĩnh Bình", "Thạnh Tiến", "Thạnh An",
        ],
        extra_phong=RURAL_PHONG[:1],
    ),
)  # fmt: skip

MIN_QUOTA_TO_CUT = 8  # agencies smaller than this keep their quota
MIN_QUOTA_TO_CUT_UNIT = 25  # so that no school falls below 20


def _hospital(name: str, size: tuple[int, int], autonomy: str = GROUP_2) -> UnitSpec:
    return UnitSpec(name, HEALTH, size, autonomy, HOSPITALS, True)


_THPT = (
    "Chuyên Lý Tự Trọng", "Châu Văn Liêm", "Nguyễn Việt Hồng", "An Khánh", "Bùi Hữu Nghĩa",
    "Bình Thủy", "Trần Đại Nghĩa", "Nguyễn Việt Dũng", "Lương Định Của", "Thới Long",
    "Lưu Hữu Phước", "Phan Ngọc Hiển", "Thốt Nốt", "Thuận Hưng", "Thạnh An", "Vĩnh Thạnh",
    "Thới Lai", "Trường Xuân", "Trung An", "Hà Huy Giáp", "Phan Văn Trị", "Giai Xuân",
    "Trần Ngọc Hoằng",
)  # fmt: skip

CITY_UNITS: dict[str, tuple[UnitSpec, ...]] = {
    "Sở Giáo dục và Đào tạo": (
        *(UnitSpec(f"Trường THPT {n}", EDUCATION, (45, 90), GROUP_4, HIGH_SCHOOLS, True)
          for n in _THPT),
        UnitSpec("Trường Phổ thông Dân tộc nội trú thành phố Cần Thơ", EDUCATION, (35, 50),
                 GROUP_4, OTHER_UNITS, True),
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
                   HEALTH_CENTRES, True) for d in DISTRICTS),
        UnitSpec("Trung tâm Kiểm soát bệnh tật thành phố Cần Thơ", HEALTH, (120, 170),
                 GROUP_4, OTHER_UNITS, True),
        UnitSpec("Trung tâm Kiểm nghiệm thuốc, mỹ phẩm, thực phẩm thành phố Cần Thơ", HEALTH,
                 (30, 45), GROUP_3, OTHER_UNITS),
        UnitSpec("Trung tâm Pháp y thành phố Cần Thơ", HEALTH, (15, 25), GROUP_4, OTHER_UNITS),
        UnitSpec("Trung tâm Giám định y khoa thành phố Cần Thơ", HEALTH, (12, 20), GROUP_4,
                 OTHER_UNITS),
        UnitSpec("Trung tâm Cấp cứu 115 thành phố Cần Thơ", HEALTH, (40, 60), GROUP_3,
                 OTHER_UNITS),
        UnitSpec("Trường Cao đẳng Y tế Cần Thơ", EDUCATION, (90, 130), GROUP_2, OTHER_UNITS),
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
WORDED_DATE = dt.date(2023, 12, 8)  # one event date written "ngày 08 tháng 12 năm 2023"

# ---------------------------------------------------------------- small helpers


def apportion(total: int, weights: Sequence[float]) -> list[int]:
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
    return split_years(rng, total, STREAMLINE_YEARS, STREAMLINE_WEIGHTS)


def _date_in(
    rng: random.Random, first_year: int, last_year: int, last: dt.date | None = None
) -> dt.date:
    end = min(dt.date(last_year, 12, 20), last or dt.date.max)
    return day_between(rng, dt.date(first_year, 1, 15), end)


# ---------------------------------------------------------------- administrative agencies


def _build_agencies(rng: random.Random) -> list[Body]:
    agencies: list[Body] = []
    for i, spec in enumerate(CITY_AGENCIES, 1):
        code = f"{CITY.code}.{i:02d}"
        agencies.append(Body(spec.name, CITY_AGENCY, spec.name, spec.size, code=code))
        for j, (name, size) in enumerate(spec.chi_cuc, 1):
            agencies.append(Body(name, CHI_CUC, spec.name, size, code=f"{code}.{j:02d}"))
    for name, size in OTHER_ORGS:
        agencies.append(Body(name, OTHER_ORG, CONSOLIDATED, size))
    for d in DISTRICTS:
        for name, size in district_phong(d):
            agencies.append(Body(name, DISTRICT_AGENCY, d.name, size, district=d))
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


def _build_units(rng: random.Random) -> tuple[list[Body], list[Series]]:
    units: list[Body] = []
    for parent, specs in CITY_UNITS.items():
        reporter = CONSOLIDATED if parent == CITY_PARENT else parent
        units += [Body.unit(spec, reporter, parent) for spec in specs]
    for d in DISTRICTS:
        units += [Body.unit(spec, d.name, d.ubnd, d) for spec in district_centres(d)]
    n_schools = UNITS_EXISTING - len(units) + len(ENDED_CITY_UNITS) + ENDED_SCHOOLS
    series = _school_series(rng, n_schools)
    for s in series:
        size = s.level.size_in(s.commune)
        for i in range(1, s.count + 1):
            autonomy = GROUP_4 if rng.random() < 0.85 else GROUP_3
            spec = UnitSpec(s.name(i), EDUCATION, size, autonomy, s.level.group, True)
            units.append(Body.unit(spec, s.district.name, s.district.ubnd, s.district))
            units[-1].level = s.level
    return units, series


def _late_endings(rng: random.Random, units: dict[str, Body], series: list[Series]) -> list[Event]:
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
        doc = decision(rng)
        unit = units[name]
        receiver = units[receiver_name] if receiver_name else None
        end(unit, day, doc, receiver)
        if receiver:
            receiver.busy = True
            events.append(
                Event(day, doc, MERGE, (name, receiver.name), (receiver.name,), unit.sector)
            )
        else:
            events.append(Event(day, doc, DISSOLVE, (name,), (), unit.sector))
    return events


def _early_events(
    rng: random.Random, units: dict[str, Body], series: list[Series], n_reduced: int
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
            units[name].busy = True
        events.append(
            Event(_date_in(rng, *years), decision(rng), kind, before_names, after_names, sector)
        )
    n_schools = n_reduced - sum(e.reduced for e in events)
    n_merges = n_schools - EARLY_SCHOOL_CONSOLIDATIONS - EARLY_SCHOOL_DISSOLUTIONS
    if n_merges < 0:
        raise ValueError("too few reductions left for the schools")
    preschools = [s for s in series if s.level is SCHOOL_LEVELS[0] and s.count == 1]
    preschools = [s for s in preschools if not units[s.name(1)].busy]
    picked = rng.sample(preschools, EARLY_SCHOOL_CONSOLIDATIONS + EARLY_SCHOOL_DISSOLUTIONS)
    for i, s in enumerate(picked):
        day = _date_in(rng, 2015, 2020)
        kindergarten = f"Trường Mẫu giáo {s.place}"
        if i < EARLY_SCHOOL_CONSOLIDATIONS:
            nursery = f"Trường Nhà trẻ {s.place}"
            units[s.name(1)].busy = True
            events.append(
                Event(
                    day,
                    decision(rng),
                    CONSOLIDATE,
                    (kindergarten, nursery),
                    (s.name(1),),
                    EDUCATION,
                )
            )
        else:
            events.append(Event(day, decision(rng), DISSOLVE, (kindergarten,), (), EDUCATION))
    targets = [s for s in series if s.suffixed and not units[s.name(1)].busy]
    for _ in range(n_merges):
        s = rng.choice([t for t in targets if t.invented < 2])
        s.invented += 1
        gone = s.name(s.count + s.invented)
        events.append(
            Event(
                _date_in(rng, 2015, 2020),
                decision(rng),
                MERGE,
                (gone, s.name(1)),
                (s.name(1),),
                EDUCATION,
            )
        )
    for s in targets:
        if s.invented:
            units[s.name(1)].busy = True
    return events


def _establishments(rng: random.Random, units: dict[str, Body], schools: list[Body]) -> list[Event]:
    """Establishments ("Thành lập mới"): named units and schools before 2021, new schools after."""
    free = [u for u in schools if not u.busy]
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
        doc = decision(rng)
        unit.established = day
        unit.busy = True
        if day.year > BASE_YEAR:
            unit.note = established_note(doc, day)
        events.append(Event(day, doc, ESTABLISH, (), (unit.name,), unit.sector))
    return events


def _restructurings(rng: random.Random, units: list[Body]) -> list[Event]:
    """Internal restructuring ("Kiện toàn bên trong") since 2022 (seed footnote 25)."""
    chosen: list[Body] = []
    for parent, n in RESTRUCTURED_PER_PARENT:
        pool = [u for u in units if u.parent == parent and u.exists and not u.busy]
        legal = [u for u in pool if u.name == LEGAL_AID]
        chosen += legal or rng.sample(pool, n)
    others = [u for u in chosen if u.name != LEGAL_AID]
    internal = {id(u): dict.fromkeys(INTERNAL_KINDS, 0) for u in chosen}
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
            events.append(
                Event(
                    day,
                    decision(rng),
                    RESTRUCTURE,
                    (u.name,),
                    (u.name,),
                    u.sector,
                    part,
                    restructure_note(part),
                    worded=u is worded,
                )
            )
        u.busy = True
    return events


def _assign_quotas(rng: random.Random, units: list[Body]) -> None:
    """2021 sizes summing to the seed's total, merger transfers, and cuts to the 2024 total."""
    in_2021 = [u for u in units if u.first_year == BASE_YEAR]
    base = [rng.randint(*u.size) for u in in_2021]
    _nudge(rng, base, [u.size for u in in_2021], UNIT_QUOTA_2021)
    for unit, q in zip(in_2021, base, strict=True):
        unit.base = q
    for unit in units:
        if unit.first_year > BASE_YEAR:  # a new unit starts small
            low, high = unit.size
            unit.base = rng.randint(low, (low + high) // 2)
        if unit.receiver:  # the receiving unit takes most of the staff from the next year
            share = round(unit.base * rng.uniform(0.5, 0.85))
            year = unit.last_year(YEARS[-1]) + 1
            unit.receiver.bumps[year] = unit.receiver.bumps.get(year, 0) + share
    continuing = [u for u in units if u.continuing]
    new = [u for u in units if u.exists and u.first_year > BASE_YEAR]
    need = sum(u.base + sum(u.bumps.values()) for u in continuing) + sum(u.base for u in new)
    need -= UNIT_QUOTA_2024
    if not 0 < need < sum(u.base for u in continuing) // 10:
        raise ValueError(f"implausible reduction {need}")
    cutters = [u for u in continuing if rng.random() < 0.6 and u.base >= MIN_QUOTA_TO_CUT_UNIT]
    shares = apportion(need, [u.base * rng.uniform(0.5, 1.5) for u in cutters])
    for unit, share in zip(cutters, shares, strict=True):
        unit.cuts = _split_years(rng, share)
    for unit in units:
        running = unit.base
        for year in range(unit.first_year, unit.last_year(YEARS[-1]) + 1):
            running += unit.bumps.get(year, 0) - unit.cuts.get(year, 0)
            unit.quota[year] = running


def _assign_details(rng: random.Random, units: list[Body]) -> None:
    """Pending cuts, norms, streamlined staff, job positions, notes and missing cells."""
    last = YEARS[-1]
    continuing = [u for u in units if u.continuing]
    large = [u for u in continuing if u.quota[last] >= 30]
    chosen = rng.sample(large, PENDING_UNITS)
    pending = apportion(UNIT_PENDING, [u.quota[last] * rng.uniform(0.6, 1.4) for u in chosen])
    for unit, n in zip(chosen, pending, strict=True):
        unit.pending = n
    for year, total in UNIT_STREAMLINED.items():
        n_units = max(2, min(total, rng.randint(total // 4, total // 2)))
        for unit, n in zip(continuing, _spread(rng, total, continuing, n_units), strict=True):
            unit.streamlined[year] = n
    for unit in units:
        unit.job = APPROVED  # what an ended unit's earlier returns said too
        if not unit.exists:
            continue
        q = unit.quota[last]
        if unit.has_norm:
            short = unit.group == HOSPITALS or "cai nghiện" in unit.name
            if short or rng.random() < 0.03:
                unit.norm = q + rng.randint(3, max(4, q // 6))
            else:
                unit.norm = max(1, q - rng.choice((0, 0, 1, 2, 3)))
    new_2024 = [u for u in units if u.first_year == last]
    centres = [u for u in continuing if u.sector in (OTHER_SECTOR, SCIENCE, AGRICULTURE)]
    schools = [u for u in continuing if u.level]
    dissolving = rng.sample([u for u in schools if not u.busy], DISSOLVING_SCHOOLS)
    dissolving += rng.sample([u for u in centres if not u.busy], 1)
    for unit in dissolving + new_2024:
        unit.job = INELIGIBLE
        unit.note = DISSOLVING_NOTE if unit in dissolving else NEW_UNIT_NOTE
        unit.busy = True
    plain = [u for u in continuing if not u.busy and not u.bumps]
    for i, unit in enumerate(rng.sample(plain, MISSING_CELLS)):
        unit.blank_year = (2022, 2023)[i % 2]


def build_city(seed: int = SEED) -> World:
    """The whole synthetic city: agencies, public service units, reorganisation events, plan."""
    rng = random.Random(seed)
    agencies = _build_agencies(rng)
    units, series = _build_units(rng)
    by_name = {u.name: u for u in units}
    if len(by_name) != len(units):
        raise ValueError("two units share a name")
    late = _late_endings(rng, by_name, series)
    events = _establishments(rng, by_name, [u for u in units if u.level])
    events += _restructurings(rng, units)
    n_early = UNITS_REDUCED_SINCE_2015 - sum(e.reduced for e in late)
    events += _early_events(rng, by_name, series, n_early) + late
    _assign_quotas(rng, units)
    _assign_details(rng, units)
    events.sort(key=lambda e: (e.date, e.kind, e.after, e.before))
    targets = tuple(Target(CITY.scope, measure, PLAN_NOTE, pct) for measure, pct in PLAN_TARGETS)
    return World(
        CITY,
        CALENDAR,
        agencies + units,
        list(DISTRICTS),
        events,
        [a for a in agencies if a.kind == CITY_AGENCY],
        Plan(PLAN_DOC, AS_OF, PLAN_TITLE, targets),
        noi_vu="Sở Nội vụ",
        events_since=EVENTS_SINCE,
        seed=seed,
        key=str(seed),
    )


# ---------------------------------------------------------------- how the city reports


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


def _early_returns(world: World, seed: int) -> tuple[EarlyReturn, ...]:
    """The earlier returns; the first Biểu 01 among them had one 2023 figure one too high."""
    rng = random.Random(f"{seed}/early")
    out = []
    corrected = False
    for name, style01, with_02 in EARLY_RETURNS:
        d = next(x for x in world.districts if x.name == name)
        corrects = None
        if style01 is not None and not corrected:
            corrects = rng.choice([a for a in world.agencies if a.district is d])
            corrected = True
        forms = [f for f, on in (("Biểu 01", style01 is not None), ("Biểu 02", with_02)) if on]
        title = f"{' và '.join(forms)} năm 2023 của {d.ubnd}"
        out.append(EarlyReturn(name, style01, Style02() if with_02 else None, title, corrects))
    return tuple(out)


def sample_layout(world: World, seed: int = SEED) -> Layout:
    """How the city's sở and districts fill their forms."""
    return Layout(
        districts=DISTRICT_RETURNS,
        separate_02=separate_02("Sở Y tế", "Sở Giáo dục và Đào tạo"),
        early=_early_returns(world, seed),
        circular=CIRCULAR,
        consolidated_title="Sở Nội vụ tổng hợp: tổ chức hành chính khác và "
        "đơn vị sự nghiệp trực thuộc UBND thành phố",
        other_orgs_label="TỔ CHỨC HÀNH CHÍNH KHÁC THUỘC UBND THÀNH PHỐ",
        direct_units_label="ĐƠN VỊ SỰ NGHIỆP CÔNG LẬP THUỘC UBND THÀNH PHỐ",
    )


def write_sample(out_dir: Path) -> list[Path]:
    """Write the sample returns (.xlsx) into `out_dir`; returns their paths in load order."""
    world = build_city()
    return write_worlds([(world, sample_layout(world))], out_dir)
