"""The filter bar in headless Chromium: a district written either way gives one view, a value
naming nothing stays in the address and the dropdown with a notice, and the overview's notice
lands on a list of the count it promised (issue 13, items 2 and 9)."""

from __future__ import annotations

import re
from urllib.parse import quote

from dash.testing.wait import until

from components import ids
from tests.test_browser import WAIT_S, _severe, _sign_in, _text, pytestmark  # noqa: F401

CARDS = ("cong-chuc-pct-of-target", "nguoi-lam-viec-pct-of-target", "cong-chuc-pct")


def _view(dash_duo, path: str) -> dict[str, str]:
    """What the overview at `path` shows: its cards, the district chosen, the breadcrumbs."""
    dash_duo.driver.get(f"{dash_duo.server_url}{path}")
    for card in CARDS:
        dash_duo.wait_for_element(f"[data-testid={card}]", WAIT_S)
    until(lambda: _text(dash_duo, f"#{ids.BREADCRUMBS}") != "", WAIT_S)
    until(lambda: "Cờ Đỏ" in _text(dash_duo, f"#{ids.F_DISTRICT}"), WAIT_S)
    shown = {card: _text(dash_duo, f"[data-testid={card}]") for card in CARDS}
    shown["district"] = _text(dash_duo, f"#{ids.F_DISTRICT}")
    shown["crumbs"] = _text(dash_duo, f"#{ids.BREADCRUMBS}")
    return shown


def test_a_district_written_either_way_gives_the_same_view(dash_duo, sample_app):
    _sign_in(dash_duo, sample_app, "/?as_of=2024-06-30")
    dash_duo.wait_for_text_to_equal("[data-testid=cong-chuc-pct-of-target]", "20,43%", WAIT_S)
    bare = _view(dash_duo, "/?as_of=2024-06-30&district=" + quote("Cờ Đỏ"))
    full = _view(dash_duo, "/?as_of=2024-06-30&district=" + quote("Huyện Cờ Đỏ"))
    assert bare == full
    assert "Huyện Cờ Đỏ" in full["district"] and "Huyện Cờ Đỏ" in full["crumbs"]
    assert full["cong-chuc-pct-of-target"] not in ("20,43%", "")
    assert "district=" in dash_duo.driver.current_url  # kept, not dropped by the dropdown
    assert not dash_duo.find_elements("[data-testid=filter-notice]")
    assert _severe(dash_duo.get_logs()) == []


def test_a_district_naming_nothing_is_shown_as_a_notice(dash_duo, sample_app):
    _sign_in(dash_duo, sample_app, "/?as_of=2024-06-30&district=Khong+Co")
    dash_duo.wait_for_contains_text(
        "[data-testid=filter-notice]",
        "Không có quận, huyện «Khong Co» trong số liệu; đang hiển thị số liệu Toàn thành phố.",
        WAIT_S,
    )
    dash_duo.wait_for_text_to_equal("[data-testid=cong-chuc-pct-of-target]", "20,43%", WAIT_S)
    dash_duo.wait_for_contains_text(f"#{ids.F_DISTRICT}", "Khong Co", WAIT_S)
    assert "district=Khong+Co" in dash_duo.driver.current_url
    # choosing another filter keeps it, and so the notice
    dash_duo.select_dcc_dropdown(f"#{ids.F_KIND}", index=0)
    until(lambda: "kind=" in dash_duo.driver.current_url, WAIT_S)
    assert "district=Khong+Co" in dash_duo.driver.current_url
    dash_duo.wait_for_contains_text("[data-testid=filter-notice]", "«Khong Co»", WAIT_S)
    assert _severe(dash_duo.get_logs()) == []


def test_the_missing_data_link_lands_on_the_list_it_counts(dash_duo, sample_app):
    _sign_in(dash_duo, sample_app, "/?as_of=2024-06-30&district=O+Mon")
    dash_duo.wait_for_element("#overview-missing-link", WAIT_S)
    notice = dash_duo.find_element("#overview-missing-link").find_element("xpath", "..").text
    promised = int(re.search(r"(\d+) đơn vị chưa báo cáo đủ", notice).group(1))
    dash_duo.find_element("#overview-missing-link").click()
    until(lambda: "trang_thai=thieu_so_lieu" in dash_duo.driver.current_url, WAIT_S)
    dash_duo.wait_for_contains_text(
        "[data-testid=tracker-missing] h3",
        f"Đơn vị chưa báo cáo đủ số liệu các năm ({promised})",
        WAIT_S,
    )
    assert "Quận Ô Môn" in _text(dash_duo, "[data-testid=tracker-line]")
    assert _severe(dash_duo.get_logs()) == []


def test_the_programme_dropdown_puts_the_programme_in_the_address(dash_duo, sample_app):
    """«Giai đoạn» (docs/domain.md, "Programme targets"): chosen, it joins the address with
    the other filters kept; the page names the programme it measures against."""
    _sign_in(dash_duo, sample_app, "/?as_of=2024-06-30&district=" + quote("Cờ Đỏ"))
    dash_duo.wait_for_element("[data-testid=cong-chuc-pct-of-target]", WAIT_S)
    dash_duo.select_dcc_dropdown(f"#{ids.F_PROGRAMME}", index=0)
    until(lambda: "programme=2022+-+2026" in dash_duo.driver.current_url, WAIT_S)
    assert "district=" in dash_duo.driver.current_url
    dash_duo.wait_for_contains_text("[data-testid=programme-line]", "Giai đoạn 2022 - 2026", WAIT_S)
    dash_duo.wait_for_contains_text(f"#{ids.F_PROGRAMME}", "2022 - 2026", WAIT_S)
    assert _severe(dash_duo.get_logs()) == []
