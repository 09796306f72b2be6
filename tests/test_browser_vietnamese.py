"""Words in a real Chromium that come from the libraries (the charts' toolbar, the date picker, the
404 page): Vietnamese, and no button that would send a chart out (plotly.js's "Share chart" uploads
to Plotly Cloud)."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlencode

import pytest
from dash.testing.wait import until

from components import ids
from tests.conftest import ADMIN_PASSWORD
from tests.test_browser import CHROMEDRIVER, CHROMIUM, WAIT_S, _severe, _sign_in, _text

pytestmark = [
    pytest.mark.slow,
    pytest.mark.browser,
    pytest.mark.skipif(not (CHROMIUM and CHROMEDRIVER), reason="Chromium not installed"),
]

OUTSIDE = ("cloud", "chart studio", "share", "plotly")
# the toolbar a leader gets, in Vietnamese (components/overview.py PLOTLY_LOCALE_VI)
EXPECTED_TITLES = {"Tải biểu đồ (PNG)", "Phóng to", "Thu nhỏ", "Vừa khung", "Về mặc định"}


def _toolbar_titles(dash_duo) -> list[str]:
    buttons = dash_duo.find_elements(".modebar-btn")
    return [b.get_attribute("data-title") or b.get_attribute("title") or "" for b in buttons]


def test_chart_toolbars_are_vietnamese_and_send_nothing_out(dash_duo, sample_app):
    _sign_in(dash_duo, sample_app, "/?as_of=2024-06-30")
    dash_duo.wait_for_element(".js-plotly-plot .modebar-btn", WAIT_S)
    titles = _toolbar_titles(dash_duo)
    assert titles, "no chart toolbar on the overview"
    assert set(titles) <= EXPECTED_TITLES, set(titles) - EXPECTED_TITLES
    assert "Tải biểu đồ (PNG)" in titles
    everything = " ".join(
        (e.get_attribute("title") or "") + " " + (e.get_attribute("data-title") or "")
        for e in dash_duo.find_elements("[title], [data-title]")
    ).lower()
    assert not [word for word in OUTSIDE if word in everything], everything
    assert _severe(dash_duo.get_logs()) == []


def test_the_date_picker_speaks_vietnamese(dash_duo, sample_app):
    _sign_in(dash_duo, sample_app, "/?as_of=2024-06-30")
    picker = dash_duo.wait_for_element(f"#{ids.F_AS_OF}", WAIT_S)
    picker.click()
    dash_duo.wait_for_contains_text("body", "Th 2", WAIT_S)  # date-fns "vi": weeks start on Monday
    calendar = dash_duo.driver.execute_script("return document.body.innerText")
    assert "tháng" in calendar.lower()  # the month's name, e.g. "tháng 6"
    english = [
        w for w in ("January", "June", "July", "Monday", "Sunday", "Select") if w in calendar
    ]
    assert not english, english
    labels = dash_duo.driver.execute_script(
        "return Array.from(document.querySelectorAll('[aria-label]'), e => e.ariaLabel)"
    )
    assert "Xóa ngày" in labels and "Tháng sau" in labels, labels  # assets/library_words.js
    assert not [w for w in labels if w in ("Clear date", "Next month", "Previous month")], labels
    assert _severe(dash_duo.get_logs()) == []


def test_an_unknown_address_gets_a_vietnamese_page_with_the_way_back(dash_duo, sample_app):
    _sign_in(dash_duo, sample_app, "/khong-co-trang-nay")
    dash_duo.wait_for_contains_text("[data-testid=not-found]", "Không tìm thấy trang", WAIT_S)
    assert "404" not in dash_duo.find_element("#_pages_content").text
    assert dash_duo.find_element("[data-testid=not-found] a[href='/']").text == "Về trang Tổng quan"
    assert _severe(dash_duo.get_logs()) == []


def test_printing_the_overview_leaves_out_the_controls(dash_duo, sample_app, tmp_path):
    import base64

    _sign_in(dash_duo, sample_app, "/?as_of=2024-06-30")
    dash_duo.wait_for_text_to_equal("[data-testid=cong-chuc-pct-of-target]", "20,43%", WAIT_S)
    dash_duo.wait_for_element(".js-plotly-plot", WAIT_S)
    driver = dash_duo.driver
    driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": "print"})
    try:
        assert not dash_duo.find_element(".filters").is_displayed()
        assert not dash_duo.find_element("nav").is_displayed()
        assert not [b for b in dash_duo.find_elements("button") if b.is_displayed()]
        assert dash_duo.find_element("[data-testid=cong-chuc-pct-of-target]").is_displayed()
        driver.save_screenshot(str(tmp_path / "print-media.png"))
    finally:
        driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": ""})
    # the browser's own "Save as PDF" of the page: A4 pages (beforeprint resizes the charts)
    pdf = driver.execute_cdp_cmd("Page.printToPDF", {"preferCSSPageSize": True})
    path = tmp_path / "overview.pdf"
    path.write_bytes(base64.b64decode(pdf["data"]))
    assert path.read_bytes().startswith(b"%PDF")
    assert _severe(dash_duo.get_logs()) == []


def _downloaded(dash_duo, suffix: str):
    from dash.testing.wait import until as wait_until

    folder = Path(dash_duo.download_path)
    wait_until(lambda: [p for p in folder.iterdir() if p.name.endswith(suffix)], WAIT_S)
    return next(p for p in folder.iterdir() if p.name.endswith(suffix))


def test_the_units_grid_exports_what_it_shows_to_excel(dash_duo, sample_app):
    import openpyxl

    grid = "[data-testid=units-grid]"
    summary = f"{grid} .ag-paging-row-summary-panel"
    _sign_in(dash_duo, sample_app, "/don-vi?as_of=2024-06-30")
    dash_duo.wait_for_text_to_equal(summary, "1 – 100 / 527", WAIT_S)
    name_filter = f"{grid} .ag-floating-filter[col-id=name] input"
    dash_duo.wait_for_element(name_filter, WAIT_S).send_keys("truong mam non")
    dash_duo.wait_for_contains_text(summary, "1 – ", WAIT_S)
    # the filtered count: a number (the pager says «nhiều» while it still counts)
    until(lambda: re.fullmatch(r"1 – \d+ / [\d.]+", _text(dash_duo, summary).strip())
          and _text(dash_duo, summary) != "1 – 100 / 527", WAIT_S)  # fmt: skip
    shown = int(_text(dash_duo, summary).rsplit("/", 1)[1].strip().replace(".", ""))
    dash_duo.find_element(f"{grid} .grid-export button").click()
    path = _downloaded(dash_duo, ".xlsx")
    sheet = openpyxl.load_workbook(path).active
    assert "tính đến ngày 30/06/2024" in sheet["A1"].value
    assert sheet["A3"].value == "Đơn vị"
    names = [row[0] for row in sheet.iter_rows(min_row=4, values_only=True)]
    assert len(names) == shown and all("Trường Mầm non" in n for n in names)
    assert _severe(dash_duo.get_logs()) == []


def test_a_grid_holding_its_rows_exports_them_in_the_order_shown(dash_duo, sample_app):
    import openpyxl

    _sign_in(dash_duo, sample_app, "/don-vi?as_of=2024-06-30")
    grid = f"#{ids.UNITS_SUBTOTALS}"
    dash_duo.wait_for_element(f"{grid} .ag-row", WAIT_S)
    header = f"{grid} .ag-header-cell[col-id=reduced]"
    dash_duo.find_element(f"{header} .ag-header-cell-label").click()  # sort ascending
    until(lambda: dash_duo.find_element(header).get_attribute("aria-sort") == "ascending", WAIT_S)
    block = dash_duo.find_element(f"{grid}").find_element("xpath", "..")
    block.find_element("css selector", ".grid-export button").click()
    sheet = openpyxl.load_workbook(_downloaded(dash_duo, ".xlsx")).active
    assert sheet["A1"].value.startswith("Người làm việc: cộng theo quận, huyện")
    reduced = [row[4] for row in sheet.iter_rows(min_row=4, values_only=True)]
    assert reduced and reduced == sorted(reduced)
    assert _severe(dash_duo.get_logs()) == []


def test_a_shared_link_keeps_every_filter_through_the_login(dash_duo, sample_app):
    link = "/don-vi?" + urlencode(
        {"as_of": "2024-06-30", "district": "Quận Ninh Kiều", "sector": "Giáo dục và Đào tạo"}
    )
    dash_duo.start_server(sample_app, navigate=False)
    dash_duo._url = dash_duo.server.url
    dash_duo.driver.get(f"{dash_duo.server_url}{link}")  # not signed in: the login page
    dash_duo.wait_for_element("#username", WAIT_S).send_keys("admin")
    dash_duo.find_element("#password").send_keys(ADMIN_PASSWORD)
    dash_duo.find_element("button[type=submit]").click()
    until(lambda: "/don-vi?" in dash_duo.driver.current_url, WAIT_S)
    url = dash_duo.driver.current_url
    assert all(p in url for p in ("as_of=2024-06-30", "district=", "sector=")), url
    dash_duo.wait_for_contains_text(f"#{ids.BREADCRUMBS}", "Lĩnh vực Giáo dục và Đào tạo", WAIT_S)
    assert "Quận Ninh Kiều" in dash_duo.find_element(f"#{ids.F_DISTRICT}").text
    assert _severe(dash_duo.get_logs()) == []


def _clicked(dash_duo, selector: str) -> bool:
    """Click an element the app may be redrawing (False: it was replaced; try again)."""
    from selenium.common.exceptions import StaleElementReferenceException

    try:
        dash_duo.find_element(selector).click()
    except StaleElementReferenceException:
        return False
    return True


def test_a_click_on_a_year_opens_that_year_and_breadcrumbs_lead_back(dash_duo, sample_app):
    from selenium.webdriver.common.action_chains import ActionChains

    _sign_in(dash_duo, sample_app, "/?as_of=2024-06-30&district=C%E1%BB%9D+%C4%90%E1%BB%8F")
    dash_duo.wait_for_contains_text(f"#{ids.BREADCRUMBS}", "Toàn thành phố", WAIT_S)
    points = "[id*='lo-trinh-cong-chuc'] .scatterlayer .trace:first-child .point"
    dash_duo.wait_for_element(points, WAIT_S)
    first = dash_duo.find_elements(points)[0]  # 2021
    ActionChains(dash_duo.driver).move_to_element(first).pause(0.3).click().perform()
    until(lambda: "as_of=2021-12-31" in dash_duo.driver.current_url, WAIT_S)
    assert "district=" in dash_duo.driver.current_url  # the rest of the view stays
    crumb = f"#{ids.BREADCRUMBS} a[href*='as_of=2021-12-31']"  # redrawn for the new view
    dash_duo.wait_for_element(crumb, WAIT_S)
    until(lambda: _clicked(dash_duo, crumb), WAIT_S)  # «Toàn thành phố»
    until(lambda: "district=" not in dash_duo.driver.current_url, WAIT_S)
    assert "as_of=2021-12-31" in dash_duo.driver.current_url
    assert _severe(dash_duo.get_logs()) == []


def test_a_click_on_a_subtotal_row_opens_that_group(dash_duo, sample_app):
    _sign_in(dash_duo, sample_app, "/don-vi?as_of=2024-06-30")
    grid = f"#{ids.UNITS_SUBTOTALS}"
    cell = f"{grid} .ag-center-cols-container .ag-row[row-index='1'] .ag-cell"
    dash_duo.wait_for_element(cell, WAIT_S)
    name = dash_duo.find_element(f"{grid} .ag-row[row-index='1'] [col-id=district]").text
    dash_duo.find_element(cell).click()
    until(lambda: "district=" in dash_duo.driver.current_url, WAIT_S)
    dash_duo.wait_for_contains_text(f"#{ids.BREADCRUMBS}", name, WAIT_S)
    assert _severe(dash_duo.get_logs()) == []


def test_a_clerk_lands_on_the_upload_page_and_a_viewer_is_told_what_a_page_is_for(
    dash_duo, isolated_app
):
    from etl.storage import accounts

    engine = isolated_app.server.extensions["tgbc_engine"]
    units = accounts.resolve_units(engine, ["Sở Nội vụ"])
    accounts.create_account(engine, "vanthu", "mat-khau-van-thu-1", "uploader", unit_ids=units)
    accounts.create_account(engine, "lanhdao2", "mat-khau-lanh-dao-1", "viewer")
    dash_duo.start_server(isolated_app, navigate=False)
    dash_duo._url = dash_duo.server.url
    dash_duo.driver.get(f"{dash_duo.server_url}/login")  # no page asked for
    dash_duo.wait_for_element("#username", WAIT_S).send_keys("vanthu")
    dash_duo.find_element("#password").send_keys("mat-khau-van-thu-1")
    dash_duo.find_element("button[type=submit]").click()
    until(lambda: dash_duo.driver.current_url.endswith("/nop-bao-cao"), WAIT_S)
    dash_duo.wait_for_element("#upload-files", WAIT_S)
    assert not dash_duo.find_elements("[data-testid=forbidden]")

    dash_duo.driver.delete_all_cookies()  # a viewer opens the administration page
    dash_duo.driver.get(f"{dash_duo.server_url}/login?{urlencode({'next': '/quan-tri'})}")
    dash_duo.wait_for_element("#username", WAIT_S).send_keys("lanhdao2")
    dash_duo.find_element("#password").send_keys("mat-khau-lanh-dao-1")
    dash_duo.find_element("button[type=submit]").click()
    dash_duo.wait_for_contains_text("[data-testid=forbidden]", "Không có quyền xem", WAIT_S)
    back = dash_duo.find_element("[data-testid=forbidden] a")
    assert back.text == "Về trang Tổng quan"
    assert _severe(dash_duo.get_logs()) == []


def test_the_reset_button_reads_on_one_line(dash_duo, sample_app):
    """«Đặt lại» beside the check boxes was squeezed to «Đặt / lại» (assets/style.css) in a
    window as wide as an office screen's."""
    _sign_in(dash_duo, sample_app, "/?as_of=2024-06-30")
    dash_duo.driver.set_window_size(1400, 1800)
    button = dash_duo.wait_for_element(f"#{ids.F_RESET}", WAIT_S)
    lines = dash_duo.driver.execute_script(
        "const r = document.createRange(); r.selectNodeContents(arguments[0]);"
        "return new Set(Array.from(r.getClientRects(), c => Math.round(c.top))).size;",
        button,
    )
    assert button.text == "Đặt lại" and lines == 1, lines
