"""The administration page's summary of the review queue: how many returns wait, with the way
to the review page."""

from __future__ import annotations

from dash import dcc, html

from etl.core.formatting import fmt_number
from etl.core.vocabulary import ReviewStatus


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


def audit_action_label(code: str) -> str:
    """An audit-log action as staff read it (`export.…`: «Tải xuống»; an unknown code as is)."""
    if code in AUDIT_ACTIONS:
        return AUDIT_ACTIONS[code]
    for prefix, label in AUDIT_PREFIXES.items():
        if code.startswith(prefix):
            return f"{label} ({code.removeprefix(prefix)})"
    return code
