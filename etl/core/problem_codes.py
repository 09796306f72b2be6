"""The catalogue of problem codes: for every code a file can be given, its severity, a short
Vietnamese name, and the Vietnamese and English message templates.

A problem is logged by its code alone, with the template's named fields as keyword arguments
(`ProblemLog.report("not-integer", sheet=…, cell=…, value=…, label=…, text=…)`,
etl/core/problems.py); the messages are made here with `str.format`. A field the templates
name but the call does not give, or a keyword the templates do not name, is a bug and raises
`ProblemFieldError` at once. `sheet`, `cell` and `value` are the problem's place and offending
value: a template may show them, and they may always be given.

Where one problem is worded two ways (`file-not-excel` for a file of another kind and for a
damaged one), the code stays the same and the part that differs is a field.

The codes, severities and names are listed in docs/forms.md, "Problem records"
(tests/test_problem_codes.py checks that list against this one, and that every code here is
given by some test upload through the real reading and loading path).
"""

from __future__ import annotations

import string
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from etl.core.formatting import fmt_number
from etl.core.values import MAX_COUNT

ERROR = "error"
WARNING = "warning"

PLACE_FIELDS = frozenset({"sheet", "cell", "value"})
"""Keywords that are the problem's place and value; always allowed, shown by some templates."""


class ProblemFieldError(ValueError):
    """A problem was reported with an unknown code, or with fields its templates do not take."""


def template_fields(template: str) -> frozenset[str]:
    """The named fields of a `str.format` template (`"Ô {cell} ({label})"` → cell, label)."""
    names = set()
    for _text, name, spec, _conversion in string.Formatter().parse(template):
        if name is None:
            continue
        if not name.isidentifier():
            raise ProblemFieldError(f"template field {name!r} is not a plain name: {template!r}")
        if spec and "{" in spec:
            raise ProblemFieldError(f"nested field in {template!r}")
        names.add(name)
    return frozenset(names)


@dataclass(frozen=True)
class ProblemType:
    """One kind of problem: its stable `code` (a slug users see), `severity` (an error refuses
    the file, a warning does not), `name_vi` (a short Vietnamese name) and the message
    templates `vi` and `en`."""

    code: str
    severity: str
    name_vi: str
    vi: str
    en: str
    fields: frozenset[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.severity not in (ERROR, WARNING):
            raise ProblemFieldError(f"{self.code}: severity {self.severity!r}")
        object.__setattr__(self, "fields", template_fields(self.vi) | template_fields(self.en))

    def messages(self, values: Mapping[str, Any]) -> tuple[str, str]:
        """The Vietnamese and English messages with `values` filled in; `values` must give
        every field of the templates and nothing else (besides `PLACE_FIELDS`)."""
        missing = self.fields - values.keys()
        extra = values.keys() - self.fields - PLACE_FIELDS
        if missing or extra:
            raise ProblemFieldError(
                f"{self.code}: missing fields {sorted(missing)}, unknown fields {sorted(extra)}"
            )
        return self.vi.format_map(values), self.en.format_map(values)


def problem_name(code: str) -> str:
    """A problem's short Vietnamese name, as users are shown it (an unknown code as is)."""
    return CATALOGUE[code].name_vi if code in CATALOGUE else code


def problem_type(code: str) -> ProblemType:
    """The catalogue's entry for `code`; `ProblemFieldError` for a code not in it."""
    try:
        return CATALOGUE[code]
    except KeyError:
        raise ProblemFieldError(f"unknown problem code {code!r}") from None


def _catalogue(*types: ProblemType) -> Mapping[str, ProblemType]:
    by_code: dict[str, ProblemType] = {}
    for kind in types:
        if kind.code in by_code:
            raise ProblemFieldError(f"{kind.code} is in the catalogue twice")
        by_code[kind.code] = kind
    return MappingProxyType(by_code)


_COUNT_RULE_VI = (
    "; số người phải là số nguyên không âm (để trống nếu chưa có số liệu, «-» nếu bằng 0)."
)
_COUNT_RULE_EN = (
    "; head counts are whole non-negative numbers (leave empty when not reported, «-» for zero)."
)
_DATE_VI = "Ô {cell} (Ngày hiệu lực): «{text}» không phải ngày hợp lệ (dd/mm/yyyy)."
_DATE_EN = "Cell {cell} (effective date): «{text}» is not a valid date (dd/mm/yyyy)."

# fmt: off
CATALOGUE: Mapping[str, ProblemType] = _catalogue(
    # ------------------------------------------------ the file and its package
    # (etl/ingest/load.py, etl/reading/package.py, sheets.py, sandbox.py)
    ProblemType(
        "file-too-large", ERROR, "Tệp quá lớn",
        # `limit_vi`/`limit_en` name the limit: the upload limit, or the reading limit
        vi="Tệp lớn {size_vi}, vượt giới hạn {limit_vi}.",
        en="The file is {size_en}, over the {limit_en} limit.",
    ),
    ProblemType(
        "file-empty", ERROR, "Tệp rỗng",
        vi="Tệp rỗng (0 byte), không có dữ liệu.",
        en="The file is empty (0 bytes).",
    ),
    ProblemType(
        "file-not-excel", ERROR, "Không phải bảng tính",
        # what the file is instead (or that it is damaged), and what to do
        vi="{finding_vi}. Chỉ nhận .xlsx, .xlsm, .xls, .ods; {advice_vi}.",
        en="{finding_en}. Only .xlsx, .xlsm, .xls, .ods are accepted; {advice_en}.",
    ),
    ProblemType(
        "file-encrypted", ERROR, "Tệp có mật khẩu",
        vi="Tệp được đặt mật khẩu (mã hoá); hãy bỏ mật khẩu rồi nộp lại.",
        en="The file is password-protected (encrypted); remove the password and upload again.",
    ),
    ProblemType(
        "file-extension-mismatch", WARNING, "Đuôi tệp không khớp nội dung",
        vi="Tệp mang đuôi .{extension} nhưng thực chất là {real}; vẫn đọc.",
        en="The file is named as .xlsx but is really {real}; reading it anyway.",
    ),
    ProblemType(
        "file-has-macros", WARNING, "Tệp có macro",
        vi="Tệp có macro; macro không bao giờ được chạy, chỉ đọc số liệu trong các ô.",
        en="The file holds macros; macros are never run, only the cell values are read.",
    ),
    ProblemType(
        "zip-too-many-entries", ERROR, "Tệp nén quá nhiều mục",
        vi="Tệp nén có {entries} mục, vượt giới hạn {limit}; một bảng tính thật chỉ có vài chục "
        "mục.",
        en="The package has {entries} entries, over the limit of {limit}; a real workbook has a "
        "few dozen.",
    ),
    ProblemType(
        "zip-bomb", ERROR, "Bom nén",
        vi="Tệp bị từ chối vì giống «bom nén» (zip bomb): {detail_vi}. Một bảng tính thật không "
        "như vậy.",
        en="The file is refused as a zip bomb: {detail_en}. A real workbook is not like this.",
    ),
    ProblemType(
        "zip-unsupported", ERROR, "Kiểu nén không được hỗ trợ",
        vi="Mục «{entry}» được nén bằng phương pháp số {method}, Excel không dùng; hãy mở bằng "
        "Excel, lưu lại rồi nộp.",
        en="Entry «{entry}» uses compression method {method}, which Excel does not write; save "
        "the file again in Excel.",
    ),
    ProblemType(
        "xml-unsafe", ERROR, "XML không an toàn",
        vi="Phần «{part}» của tệp có khai báo DTD/thực thể XML (kiểu tấn công «billion laughs» "
        "hoặc XXE); Excel không bao giờ ghi như vậy nên tệp bị từ chối.",
        en="Part «{part}» declares an XML DTD or entities (a billion-laughs or XXE attack); Excel "
        "never writes these, so the file is refused.",
    ),
    ProblemType(
        "external-link", ERROR, "Liên kết ra ngoài tệp",
        vi="Tệp liên kết tới tệp hoặc địa chỉ bên ngoài ({targets}); số liệu phải nằm ngay trong "
        "tệp. Hãy bỏ liên kết (Dữ liệu > Sửa liên kết > Ngắt liên kết) rồi nộp lại.",
        en="The file links to outside files or addresses ({targets}); the figures must be in the "
        "file itself. Break the links (Data > Edit Links > Break Link) and upload again.",
    ),
    ProblemType(
        "too-many-rows", ERROR, "Quá nhiều dòng",
        vi="Trang «{sheet}» có dữ liệu ở ô {cell}, vượt giới hạn {limit} dòng.",
        en="Sheet «{sheet}» has data in cell {cell}, past the limit of {limit} rows.",
    ),
    ProblemType(
        "too-many-columns", ERROR, "Quá nhiều cột",
        vi="Trang «{sheet}» có dữ liệu ở ô {cell}, vượt giới hạn {limit} cột.",
        en="Sheet «{sheet}» has data in cell {cell}, past the limit of {limit} columns.",
    ),
    ProblemType(
        "too-many-cells", ERROR, "Quá nhiều ô",
        vi="Trang «{sheet}» có dữ liệu trải tới ô {cell}, vượt giới hạn {limit} ô (số dòng x số "
        "cột).",
        en="Sheet «{sheet}» has data out to cell {cell}, past the limit of {limit} cells (rows x "
        "columns).",
    ),
    ProblemType(
        "cell-too-long", ERROR, "Ô quá dài",
        vi="Ô {cell} dài {length} ký tự, vượt giới hạn {limit} ký tự của một ô.",
        en="Cell {cell} holds {length} characters, over the limit of {limit}.",
    ),
    ProblemType(
        "file-unreadable", ERROR, "Không đọc được tệp",
        vi="Không đọc được tệp bảng tính: {error}",
        en="The workbook could not be read: {error}",
    ),
    ProblemType(
        "parse-timeout", ERROR, "Đọc tệp quá lâu",
        vi="Đọc tệp «{name}» quá {seconds_vi} giây nên đã dừng; tệp quá lớn hoặc bị hỏng. Hãy "
        "kiểm tra lại tệp rồi nộp lại.",
        en="Reading «{name}» took over {seconds:g} s and was stopped; the file is too big or "
        "damaged.",
    ),
    ProblemType(
        "parse-memory", ERROR, "Đọc tệp vượt bộ nhớ",
        vi="Đọc tệp «{name}» cần quá {memory_vi} bộ nhớ nên đã dừng; tệp có vùng dữ liệu quá lớn "
        "(ví dụ một ô ở tận XFD1048576) hoặc bị hỏng.",
        en="Reading «{name}» needed over {memory_mb:.0f} MB of memory and was stopped; its used "
        "range is too large (a cell at XFD1048576?) or it is damaged.",
    ),
    ProblemType(
        "parse-crashed", ERROR, "Trình đọc bảng tính gặp lỗi",
        vi="Trình đọc bảng tính gặp lỗi nghiêm trọng khi mở tệp «{name}» ({detail}) nên tệp bị "
        "từ chối; hãy mở bằng Excel, lưu lại rồi nộp.",
        en="The spreadsheet reader crashed on «{name}» ({detail}); the file is refused. Open it "
        "in Excel, save it and upload again.",
    ),
    ProblemType(
        "no-form-found", ERROR, "Không có biểu mẫu",
        vi="Không tìm thấy biểu mẫu nào (Biểu 00, 01, 02, 03) trong tệp.",
        en="No form (Biểu 00, 01, 02 or 03) was found in the file.",
    ),
    # ------------------------------------------------ sheets and headers
    # (etl/reading/reader.py, layout.py)
    ProblemType(
        "sheet-skipped", WARNING, "Trang bị bỏ qua",
        vi="Trang «{sheet}» không chứa biểu mẫu nào, bỏ qua.",
        en="Sheet «{sheet}» holds no form; skipped.",
    ),
    ProblemType(
        "header-not-found", ERROR, "Không thấy dòng tiêu đề",
        vi="Không tìm thấy dòng tiêu đề của Biểu {form} trong {rows} dòng đầu (cần các cột "
        "{required}).",
        en="The header row of form {form} was not found in the first {rows} rows (required "
        "columns: {required}).",
    ),
    ProblemType(
        "unknown-column", WARNING, "Cột không thuộc biểu",
        vi="Cột «{label}» không thuộc Biểu {form}, bỏ qua.",
        en="Column «{label}» is not part of form {form}; ignored.",
    ),
    ProblemType(
        "header-mapped", WARNING, "Cột đọc theo cách ghép cột",
        # etl/reading/mapping.py: a column read as the clerk's (or a kept) mapping says
        vi="Cột «{label}» {target_vi} theo cách ghép cột đã chọn.",
        en="Column «{label}» is {target_en} as the chosen column mapping says.",
    ),
    ProblemType(
        "duplicate-column", ERROR, "Cột trùng",
        vi="Cột «{label}» xuất hiện hai lần ({first} và {cell}).",
        en="Column «{label}» appears twice ({first} and {cell}).",
    ),
    ProblemType(
        "missing-year", ERROR, "Thiếu năm",
        # etl/reading/layout.py: a required per-year column with no year at all
        vi="Cột «{label}» chưa có cột năm nào: cần ít nhất một cột năm («Năm …» dưới tiêu đề "
        "này, hoặc «{label} năm …»).",
        en="Column «{label}» has no year column: at least one year column is needed («Năm …» "
        "under this heading, or «{label} năm …»).",
    ),
    ProblemType(
        "missing-column", ERROR, "Thiếu cột bắt buộc",
        vi="Thiếu cột bắt buộc «{label}».",
        en="Required column «{label}» is missing.",
    ),
    # ------------------------------------------------ rows and cells
    # (etl/reading/cells.py, unit_rows.py, event_rows.py, target_rows.py, reader.py)
    ProblemType(
        "unsafe-text", ERROR, "Chữ không an toàn",
        # `subject`: the cell (`Ô B6 (Tên): «…»`) or the sheet name; `advice`: what to retype
        vi="{subject_vi} chứa {reason_vi}; {advice_vi}",
        en="{subject_en} contains {reason_en}; {advice_en}",
    ),
    ProblemType(
        "text-too-long", ERROR, "Chữ quá dài",
        # `what`: the cell or line (`Ô B12 (Tên cơ quan, tổ chức)`, `Dòng 12: Lĩnh vực`)
        vi="{what_vi} dài {length_vi} ký tự, quá {limit} ký tự hệ thống lưu được; hãy viết "
        "ngắn lại.",
        en="{what_en} is {length_en} characters long, over the {limit} that can be stored; "
        "shorten it.",
    ),
    ProblemType(
        "not-integer", ERROR, "Không phải số nguyên",
        vi="Ô {cell} ({label}): giá trị «{text}» không phải số nguyên" + _COUNT_RULE_VI,
        en="Cell {cell} ({label}): «{text}» is not a whole number" + _COUNT_RULE_EN,
    ),
    ProblemType(
        "negative-count", ERROR, "Số âm",
        vi="Ô {cell} ({label}): giá trị «{text}» là số âm" + _COUNT_RULE_VI,
        en="Cell {cell} ({label}): «{text}» is negative" + _COUNT_RULE_EN,
    ),
    ProblemType(
        "count-too-large", ERROR, "Số quá lớn",
        vi="Ô {cell} ({label}): giá trị «{text}» lớn hơn " + fmt_number(MAX_COUNT)
        + ", quá lớn cho số người của một ô; hãy kiểm tra lại (gõ thừa chữ số, dán nhầm ô)"
        + _COUNT_RULE_VI,
        en="Cell {cell} ({label}): «{text}» is over " + f"{MAX_COUNT:,}"
        + ", too large for one cell's head count; check it (extra digits, a cell pasted by "
        "mistake)" + _COUNT_RULE_EN,
    ),
    ProblemType(
        "not-a-number", ERROR, "Không phải số",
        vi="Ô {cell} ({label}): giá trị «{text}» không phải là số" + _COUNT_RULE_VI,
        en="Cell {cell} ({label}): «{text}» is not a number" + _COUNT_RULE_EN,
    ),
    ProblemType(
        "formula-no-value", ERROR, "Công thức chưa có giá trị",
        vi="Ô {cell} ({label}) là công thức chưa có giá trị tính sẵn; hãy mở tệp bằng Excel, lưu "
        "lại rồi nộp (hoặc nhập số).",
        en="Cell {cell} ({label}) holds a formula with no cached value; open and save the file in "
        "Excel, or type the number.",
    ),
    ProblemType(
        "subtotal-formula-no-value", WARNING, "Dòng cộng là công thức chưa có giá trị",
        vi="Ô {cell} là công thức chưa có giá trị tính sẵn; dòng cộng được tính lại.",
        en="Cell {cell} holds a formula with no cached value; the subtotal is recomputed.",
    ),
    ProblemType(
        "subtotal-mismatch", ERROR, "Dòng cộng không khớp",
        vi="Ô {cell} ({label}) ghi {stated} nhưng tổng các dòng {span} là {total}.",
        en="Cell {cell} ({label}) says {stated} but rows {span} add up to {total}.",
    ),
    ProblemType(
        "streamlined-basis-mismatch", ERROR, "Số theo căn cứ không khớp số tinh giản",
        # `parts`: the basis cells and values (`H6 = 2; J6 = 2`); `rule`: equal or not above
        vi="Ô {cell} ({label}) ghi {stated} người nhưng số theo căn cứ pháp lý ({parts}) cộng "
        "lại là {total}; {rule_vi}.",
        en="Cell {cell} ({label}) says {stated} but the figures by legal basis ({parts}) add up "
        "to {total}; {rule_en}.",
    ),
    ProblemType(
        "missing-name", ERROR, "Thiếu tên đơn vị",
        vi="Dòng {row} có số liệu nhưng không có tên đơn vị.",
        en="Row {row} has figures but no unit name.",
    ),
    ProblemType(
        "duplicate-row", ERROR, "Đơn vị kê hai lần",
        vi="Đơn vị «{name}» được kê hai lần ({first} và {cell}).",
        en="Unit «{name}» is listed twice ({first} and {cell}).",
    ),
    ProblemType(
        "group-rows-unclear", ERROR, "Không rõ dòng nhóm",
        vi="Không rõ cách nhóm các dòng: dòng {rows} không có số liệu và có thể là dòng nhóm của "
        "các dòng dưới, nhưng không rõ chúng ghi quận, huyện, lĩnh vực hay đơn vị chủ quản nào, "
        "nên các đơn vị ở {cells} bị kê hai lần. Hãy ghi dòng nhóm đầy đủ (như «UBND quận Ninh "
        "Kiều», «Lĩnh vực Giáo dục»), đánh số dòng nhóm bằng I, II… (hoặc A, B…) và các dòng "
        "dưới bằng 1, 2…, hoặc thêm cột «Quận, huyện».",
        en="The grouping of the rows is unclear: rows {rows} have no figures and may be group "
        "rows over the rows below, but it is not clear which district, sector or parent unit "
        "they name, so the units in {cells} are listed twice. Write group rows in full (such as "
        "«UBND quận Ninh Kiều», «Lĩnh vực Giáo dục»), number them I, II… (or A, B…) and the rows "
        "below 1, 2…, or add a «Quận, huyện» column.",
    ),
    ProblemType(
        "bad-choice", ERROR, "Giá trị không hợp lệ",
        vi="Ô {cell} ({label}): «{text}» không phải giá trị hợp lệ (chọn một trong: {allowed}).",
        en="Cell {cell} ({label}): «{text}» is not an allowed value ({allowed}).",
    ),
    ProblemType("bad-date", ERROR, "Ngày không hợp lệ", vi=_DATE_VI, en=_DATE_EN),
    ProblemType("missing-date", ERROR, "Thiếu ngày hiệu lực", vi=_DATE_VI, en=_DATE_EN),
    ProblemType(
        "missing-event-type", ERROR, "Thiếu hình thức sắp xếp",
        vi="Ô {cell}: thiếu hình thức sắp xếp.",
        en="Cell {cell}: the kind of reorganisation is missing.",
    ),
    ProblemType(
        "event-missing-units", ERROR, "Thiếu đơn vị sắp xếp",
        vi="Dòng {row} ({event_type}): {need_vi}.",
        en="Row {row} ({event_type}): {need_en}.",
    ),
    ProblemType(
        "missing-measure", ERROR, "Thiếu chỉ tiêu",
        vi="Ô {cell}: thiếu chỉ tiêu (Biên chế công chức hoặc Người làm việc).",
        en="Cell {cell}: the measure is missing.",
    ),
    ProblemType(
        "bad-percent", ERROR, "Tỷ lệ không hợp lệ",
        vi="Ô {cell}: «{text}» không phải tỷ lệ hợp lệ (ví dụ 5% hoặc 0,05).",
        en="Cell {cell}: «{text}» is not a valid percentage (e.g. 5% or 0.05).",
    ),
    ProblemType(
        "bad-programme", ERROR, "Giai đoạn không hợp lệ",
        vi="Ô {cell} (Giai đoạn): «{text}» không phải giai đoạn hợp lệ; ghi năm đầu và năm cuối, "
        "ví dụ «2026 - 2031».",
        en="Cell {cell} (Giai đoạn): «{text}» is not a programme period; write its first and "
        "last year, e.g. «2026 - 2031».",
    ),
    ProblemType(
        "programme-ambiguous", ERROR, "Chưa ghi giai đoạn",
        vi="Ô {cell}: đã có nhiều giai đoạn ({names}); ghi cột «Giai đoạn» để chỉ rõ chỉ tiêu "
        "thuộc giai đoạn nào.",
        en="Cell {cell}: several programmes exist ({names}); fill in the «Giai đoạn» column to "
        "say which one this target belongs to.",
    ),
    ProblemType(
        "programme-baseline-missing", ERROR, "Thiếu năm gốc của giai đoạn mới",
        vi="Ô {cell}: giai đoạn «{name}» chưa có; ghi «Năm gốc» (năm lấy số giao làm gốc) để "
        "tạo giai đoạn này.",
        en="Cell {cell}: programme «{name}» does not exist yet; fill in «Năm gốc» (the year "
        "whose assigned level is the baseline) to create it.",
    ),
    ProblemType(
        "target-missing-value", ERROR, "Thiếu mức giảm",
        vi="Dòng {row}: cần ghi tỷ lệ giảm (%) hoặc số lượng giảm.",
        en="Row {row}: a reduction percentage or count is required.",
    ),
    # ------------------------------------------------ the cut-off date and its period
    # (etl/ingest/periods.py); `cell` is the cell of `Số liệu tính đến ngày`
    ProblemType(
        "as-of-invalid", ERROR, "Ngày chốt số liệu không hợp lệ",
        vi="Ô {cell} (Số liệu tính đến ngày): «{text}» không phải ngày có thật (dd/mm/yyyy).",
        en="Cell {cell} (cut-off date): «{text}» is not a real date (dd/mm/yyyy).",
    ),
    ProblemType(
        "as-of-too-early", ERROR, "Ngày chốt số liệu quá sớm",
        vi="Ô {cell} (Số liệu tính đến ngày): ngày {date} trước {earliest}; hãy kiểm tra lại năm.",
        en="Cell {cell} (cut-off date): {date} is before {earliest}; check the year.",
    ),
    ProblemType(
        "as-of-future", ERROR, "Ngày chốt số liệu ở tương lai",
        vi="Ô {cell} (Số liệu tính đến ngày): ngày {date} sau hôm nay ({today}) quá {grace} "
        "ngày; hãy kiểm tra lại ngày.",
        en="Cell {cell} (cut-off date): {date} is more than {grace} days after today "
        "({today}); check the date.",
    ),
    ProblemType(
        "period-not-found", ERROR, "Không có kỳ báo cáo",
        vi="Ô {cell} (Số liệu tính đến ngày): không có kỳ báo cáo nào tính đến ngày {date}. "
        "Các kỳ đang mở: {open_periods}.",
        en="Cell {cell} (cut-off date): no reporting period ends on {date}. Open periods: "
        "{open_periods}.",
    ),
    ProblemType(
        "period-closed", ERROR, "Kỳ báo cáo đã đóng",
        vi="Ô {cell} (Số liệu tính đến ngày): kỳ «{period}» (tính đến ngày {date}) đã đóng, "
        "không nhận thêm báo cáo; hãy liên hệ Sở Nội vụ.",
        en="Cell {cell} (cut-off date): the period «{period}» ({date}) is closed and takes no "
        "more returns; contact the Department of Home Affairs.",
    ),
    # ------------------------------------------------ units and permissions
    # (etl/ingest/matching.py, staging.py)
    ProblemType(
        "name-near-match", ERROR, "Tên gần giống đơn vị đã có",
        vi="Tên «{name}» chỉ khác {known} ở dấu; hãy sửa cho đúng tên đơn vị đã có (không tự "
        "gộp, không tạo đơn vị mới).",
        en="«{name}» differs from {known} only in diacritics; write the known unit's name (it is "
        "neither merged nor created).",
    ),
    ProblemType(
        "name-ambiguous", ERROR, "Tên trùng nhiều đơn vị",
        vi="Có nhiều đơn vị tên «{name}» ({places}); hãy ghi rõ quận, huyện hoặc mã đơn vị.",
        en="Several units are named «{name}» ({places}); give the district or unit code.",
    ),
    ProblemType(
        "name-ambiguous-province", ERROR, "Tên trùng đơn vị của nhiều tỉnh",
        vi="Có nhiều đơn vị tên «{name}» ở các tỉnh, thành phố đã hợp nhất ({places}); hãy ghi "
        "rõ tỉnh, thành phố (cột «Tỉnh, thành phố», hoặc tên kèm «tỉnh … (cũ)») hoặc mã đơn vị.",
        en="Several units of merged provinces are named «{name}» ({places}); give the province "
        "(column «Tỉnh, thành phố», or the name with «tỉnh … (cũ)») or the unit code.",
    ),
    ProblemType(
        "province-event-invalid", ERROR, "Sắp xếp tỉnh, thành phố không hợp lệ",
        vi="Dòng {row}: sắp xếp cấp tỉnh, thành phố chỉ nhận hình thức «Hợp nhất» hoặc «Sáp "
        "nhập», với các tỉnh, thành phố trước sắp xếp và đúng một tỉnh, thành phố sau.",
        en="Row {row}: a provincial reorganisation takes only «Hợp nhất» or «Sáp nhập», with "
        "the provinces before and exactly one province after.",
    ),
    ProblemType(
        "unknown-unit", ERROR, "Không tìm thấy đơn vị",
        vi="Không tìm thấy đơn vị «{name}».",
        en="No unit named «{name}» is known.",
    ),
    ProblemType(
        "new-unit", WARNING, "Đơn vị mới",
        vi="Đơn vị «{name}» chưa có trong danh mục; đã thêm mới.",
        en="Unit «{name}» was not known; it is added as a new unit.",
    ),
    ProblemType(
        "unit-not-allowed", ERROR, "Đơn vị không được giao",
        # `what`: reporting for a unit (with its cell) or for a unit's reorganisation
        vi="Tài khoản này không được {what_vi}.",
        en="This account may not {what_en}.",
    ),
    ProblemType(
        "reporting-unit-not-allowed", ERROR, "Đơn vị báo cáo không thuộc tài khoản",
        # `own`: the account's units, named
        vi="Dòng «Đơn vị báo cáo» (ô {cell}) ghi «{value}», không phải đơn vị được giao cho "
        "tài khoản này ({own}). Sửa thành đơn vị của mình rồi nộp lại.",
        en="The «Đơn vị báo cáo» line (cell {cell}) names «{value}», which is not a unit of "
        "this account ({own}). Correct it and upload again.",
    ),
    ProblemType(
        "targets-admin-only", ERROR, "Chỉ quản trị viên nộp chỉ tiêu",
        vi="Chỉ quản trị viên được nộp kế hoạch, chỉ tiêu (Biểu 00).",
        en="Only administrators may upload plans and targets (Biểu 00).",
    ),
)
# fmt: on
