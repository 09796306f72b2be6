"""The Department's return forms (Biểu 00-03): one declarative spec used by the reader,
the blank-template writer and the sample generator, so a label is written in one place."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Column:
    """One column of a form: `field` is the stable name used in code.

    `label` is the template label; `aliases` are other accepted phrasings. A column with
    `per_year` is a group of year sub-columns (``Năm 2021``, ``Năm 2022`` …) or cells such as
    ``Biên chế giao năm 2021``; `year_prefixes` are the phrasings accepted in that second shape.
    """

    field: str
    label: str
    aliases: tuple[str, ...] = ()
    required: bool = False
    per_year: bool = False
    year_prefixes: tuple[str, ...] = ()
    kind: str = "text"  # text | count | date | enum | percent | units
    choices: tuple[str, ...] = ()
    note: str = ""
    # decrees (`number/year`) a header may name instead of a label: a header that names one of
    # them, and no decree of another column, is this column (`Theo NĐ 178/2024`, `Nghị định 29`)
    decrees: tuple[str, ...] = ()
    # the first year the blank template offers for a per-year column (the reader takes any)
    from_year: int | None = None


@dataclass(frozen=True)
class Form:
    code: str  # "00", "01", "02", "03"
    title: str
    sheet_name: str
    columns: tuple[Column, ...]
    header_note: str = ""
    extra: dict = field(default_factory=dict)

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.field == name)


JOB_POSITION_CHOICES = ("Đã phê duyệt", "Chưa phê duyệt", "Không đủ điều kiện")
AGENCY_KIND_CHOICES = (
    "Cơ quan chuyên môn cấp tỉnh/thành phố",
    "Chi cục",
    "Tổ chức hành chính khác",
    "Cơ quan chuyên môn cấp huyện",
    "Cơ quan cấp xã",
)
AUTONOMY_CHOICES = ("Nhóm 1", "Nhóm 2", "Nhóm 3", "Nhóm 4")
SECTOR_CHOICES = (
    "Giáo dục và Đào tạo",
    "Y tế",
    "Văn hóa - Thể thao - Du lịch",
    "Lao động - Xã hội",
    "Nông nghiệp",
    "Khoa học và Công nghệ",
    "Thông tin và Truyền thông",
    "Khác",
)
EVENT_TYPE_CHOICES = (
    "Thành lập mới",
    "Giải thể",
    "Sáp nhập",
    "Hợp nhất",
    "Chia tách",
    "Đổi tên",
    "Kiện toàn bên trong",
    "Tạm dừng",
)
UNIT_KIND_CHOICES = ("Cơ quan hành chính", "Đơn vị sự nghiệp công lập")
# Biểu 03's `Loại đơn vị` for a row recording the end of a district's level (docs/domain.md,
# "The end of the district level"): its before names the district, its after the communes
# (or the province, CITY_SCOPES)
DISTRICT_END_KIND = "Quận, huyện"
# Biểu 03's `Loại đơn vị` for a merger of provinces (docs/domain.md, "Provinces and mergers")
PROVINCE_KIND_CHOICE = "Tỉnh, thành phố"
# Biểu 03's `Loại đơn vị`: a unit kind, the end of a district's level, or a province
EVENT_UNIT_KIND_CHOICES = (*UNIT_KIND_CHOICES, DISTRICT_END_KIND, PROVINCE_KIND_CHOICE)
MEASURE_CHOICES = ("Biên chế công chức", "Người làm việc")
CITY_SCOPES = ("Toàn thành phố", "Toàn tỉnh")

_STT = Column("stt", "STT", ("TT", "Số TT", "Số thứ tự"))
_CODE = Column("code", "Mã đơn vị", ("Mã", "Mã ĐV", "Mã số"))
_JOB = Column(
    "job_position",
    "Vị trí việc làm",
    ("Tình trạng phê duyệt vị trí việc làm",),
    kind="enum",
    choices=JOB_POSITION_CHOICES,
)
_NOTE = Column("note", "Ghi chú")
# the commune of a commune-level body (docs/domain.md, "Communes"); optional
_COMMUNE = Column("commune", "Xã, phường", ("Xã, phường, đặc khu", "Cấp xã", "Xã/phường"))
# the province of a unit row (Biểu 01/02): optional, for returns from several provinces
_PROVINCE_COLUMN = Column(
    "province", "Tỉnh, thành phố", ("Tỉnh/thành phố", "Tỉnh, thành phố (cũ)", "Tỉnh (cũ)")
)
_YEAR_WORDS = ("Năm",)

# Departures by legal basis (docs/domain.md, "Legal bases of departures"): optional per-year
# columns of Biểu 01/02 that break the streamlined count of the same row and year down; the
# decree of 2023 was replaced by the one of 2025, so both are one column.
BASIS_STREAMLINING_DECREES = ("29/2023", "154/2025")
BASIS_RESTRUCTURING_DECREES = ("178/2024", "67/2025")
BASIS_FIELDS = ("by_streamlining", "by_restructuring")


def _basis_columns(noun: str) -> tuple[Column, Column]:
    """The two legal-basis columns of Biểu 01 (`Công chức`) or 02 (`Viên chức`)."""
    return (
        Column(
            "by_streamlining",
            "Tinh giản theo NĐ 29/2023 (154/2025)",
            (
                f"{noun} tinh giản theo NĐ 29/2023 (154/2025)",
                "Tinh giản theo Nghị định 29/2023/NĐ-CP (154/2025/NĐ-CP)",
                "Trong đó: tinh giản theo NĐ 29/2023 (154/2025)",
            ),
            per_year=True,
            year_prefixes=("Tinh giản theo NĐ 29/2023 (154/2025) năm",),
            kind="count",
            decrees=BASIS_STREAMLINING_DECREES,
            from_year=2023,
        ),
        Column(
            "by_restructuring",
            "Nghỉ theo NĐ 178/2024 (67/2025)",
            (
                f"{noun} nghỉ theo NĐ 178/2024 (67/2025)",
                "Nghỉ theo Nghị định 178/2024/NĐ-CP (67/2025/NĐ-CP)",
                "Trong đó: nghỉ theo NĐ 178/2024 (67/2025)",
            ),
            per_year=True,
            year_prefixes=("Nghỉ theo NĐ 178/2024 (67/2025) năm",),
            kind="count",
            decrees=BASIS_RESTRUCTURING_DECREES,
            from_year=2024,
        ),
    )


FORM_01 = Form(
    code="01",
    title="BIÊN CHẾ CÔNG CHỨC",
    sheet_name="Biểu 01",
    columns=(
        _STT,
        _CODE,
        Column(
            "name",
            "Tên cơ quan, tổ chức",
            (
                "Tên cơ quan",
                "Tên cơ quan, tổ chức, đơn vị",
                "Cơ quan, đơn vị",
                "Tên đơn vị",
            ),
            required=True,
        ),
        Column(
            "agency_kind",
            "Loại cơ quan",
            ("Loại hình",),
            kind="enum",
            choices=AGENCY_KIND_CHOICES,
        ),
        Column("district", "Quận, huyện", ("Quận/huyện", "Địa bàn")),
        _COMMUNE,
        _PROVINCE_COLUMN,
        Column(
            "quota",
            "Biên chế công chức được giao",
            ("Biên chế được giao", "Biên chế giao"),
            required=True,
            per_year=True,
            year_prefixes=(
                "Biên chế công chức được giao năm",
                "Biên chế được giao năm",
                "Biên chế giao năm",
                "BC được giao năm",
                "BC giao năm",
            ),
            kind="count",
        ),
        Column("present", "Số công chức có mặt", ("Có mặt", "Số có mặt", "Hiện có"), kind="count"),
        Column(
            "streamlined",
            "Công chức tinh giản theo chính sách",
            ("Số người tinh giản", "Tinh giản biên chế (người)", "Tinh giản biên chế"),
            per_year=True,
            year_prefixes=("Tinh giản năm", "Công chức tinh giản năm", "Số người tinh giản năm"),
            kind="count",
        ),
        *_basis_columns("Công chức"),
        _JOB,
        _NOTE,
    ),
)

FORM_02 = Form(
    code="02",
    title="SỐ LƯỢNG NGƯỜI LÀM VIỆC HƯỞNG LƯƠNG TỪ NGÂN SÁCH NHÀ NƯỚC",
    sheet_name="Biểu 02",
    columns=(
        _STT,
        _CODE,
        Column(
            "name",
            "Tên đơn vị sự nghiệp công lập",
            ("Tên đơn vị", "Đơn vị sự nghiệp"),
            required=True,
        ),
        Column("parent", "Cơ quan chủ quản", ("Cơ quan quản lý", "Trực thuộc")),
        _COMMUNE,
        _PROVINCE_COLUMN,
        Column("sector", "Lĩnh vực", ("Ngành, lĩnh vực",), kind="enum", choices=SECTOR_CHOICES),
        Column(
            "autonomy",
            "Mức tự chủ",
            ("Mức độ tự chủ tài chính", "Nhóm tự chủ"),
            kind="enum",
            choices=AUTONOMY_CHOICES,
        ),
        Column(
            "quota",
            "Số lượng người làm việc được giao",
            ("Số người làm việc được giao", "Số lượng người làm việc"),
            required=True,
            per_year=True,
            year_prefixes=(
                "Số lượng người làm việc được giao năm",
                "Số người làm việc được giao năm",
                "Số lượng người làm việc năm",
            ),
            kind="count",
        ),
        Column(
            "pending",
            "Số lượng đề nghị giảm (chờ phê duyệt)",
            ("Số lượng đề nghị giảm", "Đề nghị giảm", "Dự kiến giảm", "Trình phê duyệt giảm"),
            kind="count",
        ),
        Column("norm", "Số lượng theo định mức", ("Định mức",), kind="count"),
        Column(
            "streamlined",
            "Viên chức tinh giản theo chính sách",
            ("Số người tinh giản", "Tinh giản biên chế (người)", "Tinh giản biên chế"),
            per_year=True,
            year_prefixes=("Tinh giản năm", "Viên chức tinh giản năm", "Số người tinh giản năm"),
            kind="count",
        ),
        *_basis_columns("Viên chức"),
        _JOB,
        _NOTE,
    ),
)

FORM_03 = Form(
    code="03",
    title="SẮP XẾP, KIỆN TOÀN TỔ CHỨC",
    sheet_name="Biểu 03",
    columns=(
        Column("stt", "STT", ("TT", "Số TT")),
        Column("date", "Ngày hiệu lực", ("Ngày", "Thời điểm"), required=True, kind="date"),
        Column("doc_ref", "Số, ký hiệu văn bản", ("Văn bản", "Quyết định")),
        Column(
            "event_type",
            "Hình thức",
            ("Hình thức sắp xếp", "Loại sắp xếp"),
            required=True,
            kind="enum",
            choices=EVENT_TYPE_CHOICES,
        ),
        Column("before", "Đơn vị trước sắp xếp", ("Đơn vị bị sắp xếp",), kind="units"),
        Column("after", "Đơn vị sau sắp xếp", ("Đơn vị mới",), kind="units"),
        Column("unit_kind", "Loại đơn vị", (), kind="enum", choices=EVENT_UNIT_KIND_CHOICES),
        Column("sector", "Lĩnh vực", (), kind="enum", choices=SECTOR_CHOICES),
        _PROVINCE_COLUMN,  # the province of the row's units (a merger row: none)
        Column("internal_phong", "Phòng", ("Số phòng giảm", "Phòng giảm"), kind="count"),
        Column("internal_khoa", "Khoa", ("Số khoa giảm", "Khoa giảm"), kind="count"),
        Column(
            "internal_chi_nhanh", "Chi nhánh", ("Số chi nhánh giảm", "Chi nhánh giảm"), kind="count"
        ),
        Column("internal_khac", "Khác", ("Số tổ chức khác giảm", "Khác giảm"), kind="count"),
        _NOTE,
    ),
    extra={"internal_group": "Tổ chức bên trong giảm"},
)

FORM_00 = Form(
    code="00",
    title="KẾ HOẠCH TINH GIẢN BIÊN CHẾ",
    sheet_name="Biểu 00",
    columns=(
        Column("stt", "STT", ("TT",)),
        Column(
            "scope",
            "Phạm vi",
            ("Phạm vi áp dụng", "Đơn vị"),
            required=True,
            note="Toàn thành phố / Toàn tỉnh, hoặc tên hay mã đơn vị",
        ),
        Column("measure", "Chỉ tiêu", (), required=True, kind="enum", choices=MEASURE_CHOICES),
        Column("base_year", "Năm gốc", (), kind="count"),
        Column("pct", "Tỷ lệ giảm (%)", ("Tỷ lệ giảm", "Tỷ lệ"), kind="percent"),
        Column("count", "Số lượng giảm", ("Số giảm",), kind="count"),
        Column(
            "path",
            "Lộ trình giảm",
            ("Lộ trình",),
            per_year=True,
            year_prefixes=("Giảm năm", "Lộ trình năm"),
            kind="count",
        ),
        Column("doc_ref", "Văn bản", ("Số, ký hiệu văn bản", "Văn bản giao")),
        Column(
            "programme",
            "Giai đoạn",
            ("Giai đoạn thực hiện", "Giai đoạn kế hoạch"),
            note="Ví dụ 2022 - 2026; để trống: giai đoạn duy nhất đã có",
        ),
        Column(
            "basis",
            "Căn cứ",
            ("Căn cứ pháp lý", "Văn bản căn cứ"),
            note="Số, ngày văn bản đặt ra giai đoạn, ví dụ Kết luận 40-KL/TW ngày 18/07/2022",
        ),
        Column(
            "exclude_sectors",
            "Lĩnh vực giữ ổn định",
            ("Lĩnh vực không giảm", "Giữ ổn định"),
            note="Các lĩnh vực không tính vào số phải giảm, cách nhau bởi dấu ;",
        ),
        _NOTE,
    ),
)

FORMS: dict[str, Form] = {f.code: f for f in (FORM_00, FORM_01, FORM_02, FORM_03)}
YEAR_WORDS = _YEAR_WORDS
HEADER_LINES = {
    "unit": "Đơn vị báo cáo:",
    "period": "Kỳ báo cáo:",
    "as_of": "Số liệu tính đến ngày:",
}
SIGNATURE_WORDS = ("NGƯỜI LẬP BIỂU", "THỦ TRƯỞNG ĐƠN VỊ", "Nơi nhận", "NGƯỜI LẬP", "GIÁM ĐỐC")
TOTAL_WORDS = ("Tổng cộng", "Tổng số", "Cộng", "Tổng")

# The sheets the product writes beside a form (etl/writers/templates.py, and the sample city's
# files): its instructions, whose first cell is the guide's title, and its dropdown lists, each
# list headed «Danh mục: <column>». The reader recognises them by name and by that first row
# and skips them without a word; any other sheet without a form is still reported.
GUIDE_SHEET = "Hướng dẫn"
GUIDE_TITLE = "HƯỚNG DẪN ĐIỀN BIỂU"
LISTS_SHEET = "Danh mục"
LISTS_HEAD = "Danh mục:"
