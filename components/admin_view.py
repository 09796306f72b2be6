"""The administration page's summary of the review queue: how many returns wait, with the way
to the review page."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from dash import dcc, html

from etl.core.formatting import fmt_date, fmt_number
from etl.core.problem_codes import problem_name
from etl.core.vocabulary import REVIEW_STATUS_LABELS, ROLE_LABELS, ReviewStatus
from etl.measures.provinces import MERGER_RULE_LABELS
from etl.measures.query import PARAM_LABELS


def make_queue_summary(counts: dict[str, int]) -> html.Div:
    """Returns waiting, approved and returned (by their latest review), and the link."""
    waiting = counts.get(ReviewStatus.CHO_DUYET, 0)
    text = (
        f"{fmt_number(waiting)} báo cáo đang chờ duyệt"
        if waiting
        else "Không có báo cáo nào đang chờ duyệt"
    )
    return html.Div(
        [
            html.Strong(text, **{"data-testid": "admin-waiting"}),
            html.Span(
                f"đã duyệt {fmt_number(counts.get(ReviewStatus.DA_DUYET, 0))}, "
                f"đã trả lại {fmt_number(counts.get(ReviewStatus.TRA_LAI, 0))}",
                className="small",
            ),
            dcc.Link("Mở trang Duyệt báo cáo →", href="/duyet-bao-cao", className="link-button"),
        ],
        className="admin-queue",
    )


# what each audit-log action is called on the page (the code stays in the database)
AUDIT_ACTIONS = {
    "login": "Đăng nhập",
    "login.failed": "Đăng nhập sai",
    "login.locked": "Đăng nhập bị tạm khóa",
    "user.add": "Thêm tài khoản",
    "user.role": "Đổi vai trò, đơn vị",
    "user.email": "Đổi e-mail",
    "user.enable": "Mở khóa tài khoản",
    "user.disable": "Khóa tài khoản",
    "user.password": "Đặt mật khẩu mới",
    "user.sessions-ended": "Kết thúc mọi phiên đăng nhập",
    "token.create": "Tạo mã API",
    "period.add": "Thêm kỳ báo cáo",
    "programme.edit": "Sửa giai đoạn (căn cứ, năm gốc, năm kết thúc)",
    "programme.rule": "Thêm, sửa chỉ tiêu của giai đoạn",
    "rule.set": "Đổi quy tắc sáp nhập tỉnh, thành phố",
    "period.close": "Đóng kỳ báo cáo",
    "period.open": "Mở lại kỳ báo cáo",
    "review.approve": "Duyệt báo cáo",
    "review.return": "Trả lại báo cáo",
    "reminder.sent": "Gửi nhắc nhở",
    "upload.accepted": "Nộp báo cáo: đã nhận",
    "upload.refused": "Nộp báo cáo: bị từ chối",
    "upload.duplicate": "Nộp báo cáo: trùng tệp đã nộp",
    "upload.checked": "Kiểm tra báo cáo (không lưu)",
    "mapping.saved": "Lưu cách ghép cột",
    "mapping.deleted": "Xóa cách ghép cột",
}
AUDIT_PREFIXES = {"export.": "Tải xuống"}
# what was downloaded (reporting/exports.py's actions), as the page's buttons name it
EXPORT_LABELS = {
    "chart": "biểu đồ",
    "report.pdf": "báo cáo PDF",
    "report.docx": "báo cáo Word",
    "tonghop": "biểu tổng hợp (Excel)",
    "data": "dữ liệu (Excel)",
    "table": "bảng (Excel)",
}


def audit_action_label(code: str) -> str:
    """An audit-log action as staff read it (`export.…`: «Tải xuống»; an unknown code as is)."""
    if code in AUDIT_ACTIONS:
        return AUDIT_ACTIONS[code]
    for prefix, label in AUDIT_PREFIXES.items():
        if code.startswith(prefix):
            what = code.removeprefix(prefix)
            return f"{label}: {EXPORT_LABELS.get(what, what)}"
    return code


# what each key of an audit entry's detail is called on the page (the JSON stays as stored)
AUDIT_DETAIL_LABELS = {
    "sha256": "mã SHA-256",
    "submission_id": "số báo cáo",
    "codes": "lỗi",
    "errors": "ô có lỗi",
    "file_name_sent": "tên tệp gửi lên",
    "check": "chỉ kiểm tra (chưa lưu)",
    "counts": "số dòng",
    "superseded": "số liệu được thay thế",
    "period": "kỳ báo cáo",
    "review_status": "trạng thái duyệt",
    "approved": "đã duyệt",
    "email": "e-mail",
    "file": "tệp",
    "on_ingest": "duyệt ngay khi nộp",
    "label": "tên mã API",
    "name": "tên",
    "deadline": "hạn nộp",
    "role": "vai trò",
    "units": "mã đơn vị",
    "sessions": "số phiên kết thúc",
    "sessions_ended": "số phiên kết thúc",
    "comment": "nhận xét",
    "form": "biểu",
    "columns": "cột",
    "header": "tiêu đề cột",
    "target": "ghép vào",
    "sent": "đã gửi",
    "failed": "gửi không được",
    "no_email": "không có e-mail",
    "recipients": "người nhận",
    "refused": "địa chỉ bị từ chối",
    "error": "lỗi gửi thư",
    "title": "tiêu đề",
    "rows": "số dòng",
    "units_new": "đơn vị mới",
    "facts": "số liệu",
    "job_positions": "vị trí việc làm",
    "events": "sự kiện",
    "targets": "chỉ tiêu",
    "submission": "báo cáo số",
    "basis": "căn cứ",
    "baseline_year": "năm gốc",
    "end_year": "năm kết thúc",
    "scope_unit": "phạm vi (số đơn vị; trống: toàn thành phố)",
    "measure": "chỉ tiêu",
    "pct": "tỷ lệ giảm (%)",
    "count": "số lượng giảm",
    "exclude_sectors": "lĩnh vực giữ ổn định",
    "previous": "trước đây",
    "value": "nay",
    **{key: label[:1].lower() + label[1:] for key, label in PARAM_LABELS.items()},
}
_SWITCHES = ("pending", "include_unreviewed")  # a view's check boxes: `0`/`1` in the query
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_WHERE_CODE = re.compile(r"^(?P<where>.*) (?P<code>[a-z0-9-]+)$")


def _detail_value(key: str, value: Any) -> str:
    if value is None or value == [] or value == {}:
        return "—"
    if isinstance(value, bool):
        return "có" if value else "không"
    if isinstance(value, (int, float)):
        return fmt_number(value)
    if isinstance(value, dict):
        return ", ".join(f"{_detail_label(k)} {_detail_value(k, v)}" for k, v in value.items())
    if isinstance(value, list):
        return ", ".join(_detail_value(key, v) for v in value)
    text = str(value)
    if key in _SWITCHES and text in ("0", "1"):
        return "có" if text == "1" else "không"
    if key == "codes":
        return problem_name(text)
    if key == "errors" and (found := _WHERE_CODE.match(text)):
        return f"{found['where']} {problem_name(found['code'])}"
    if key == "role":
        return ROLE_LABELS.get(text, text)
    if key == "review_status":
        return REVIEW_STATUS_LABELS.get(text, text)
    if key in ("previous", "value") and text in MERGER_RULE_LABELS:
        return MERGER_RULE_LABELS[text]
    if _ISO_DATE.match(text):
        return fmt_date(text)
    return text


def _detail_label(key: str) -> str:
    return AUDIT_DETAIL_LABELS.get(key, key)


def audit_detail_text(detail: Mapping[str, Any] | None) -> str:
    """An audit entry's detail as staff read it: Vietnamese names, `—` for nothing, `có`/`không`,
    numbers and dates the Vietnamese way, problem codes by their names («Số âm»)."""
    if not detail:
        return ""
    return "; ".join(f"{_detail_label(k)}: {_detail_value(k, v)}" for k, v in detail.items())
