"""Vietnamese for the words Dash's own components would show in English."""

from __future__ import annotations

# dcc.Dropdown(labels=…): the multi-select's count, its search box and its empty result
DROPDOWN_LABELS = {
    "select_all": "Chọn tất cả",
    "deselect_all": "Bỏ chọn tất cả",
    "selected_count": "Đã chọn {num_selected}",
    "search": "Tìm",
    "clear_search": "Xóa ô tìm",
    "clear_selection": "Bỏ chọn",
    "no_options_found": "Không tìm thấy",
}
