"""Dash's input components with their own words in Vietnamese.

Dash 4's dropdown and date picker carry English defaults ("Select...", "Search", "Select All",
"No options found", "Select Date"). Every page builds them through these functions, so a user
never meets those words; the date picker's month and day names come from date-fns's "vi" locale,
served from `assets/date_fns_locale_vi.js`."""

from __future__ import annotations

from typing import Any

from dash import dcc

DROPDOWN_LABELS = {
    "select_all": "Chọn tất cả",
    "deselect_all": "Bỏ chọn tất cả",
    "selected_count": "Đã chọn {num_selected}",
    "search": "Tìm",
    "clear_search": "Xóa nội dung tìm",
    "clear_selection": "Bỏ chọn",
    "no_options_found": "Không có lựa chọn phù hợp",
}


def dropdown(**props: Any) -> dcc.Dropdown:
    """A `dcc.Dropdown` whose words are Vietnamese (placeholder «Chọn…» unless given)."""
    props.setdefault("labels", DROPDOWN_LABELS)
    props.setdefault("placeholder", "Chọn…")
    return dcc.Dropdown(**props)


def date_picker(**props: Any) -> dcc.DatePickerSingle:
    """A `dcc.DatePickerSingle` showing dd/mm/yyyy, weeks from Monday, a Vietnamese placeholder."""
    props.setdefault("display_format", "DD/MM/YYYY")
    props.setdefault("placeholder", "dd/mm/yyyy")
    props.setdefault("first_day_of_week", 1)
    return dcc.DatePickerSingle(**props)
