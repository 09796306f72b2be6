"""A few browser tests in headless Chromium (Debian `chromium` + `chromium-driver`), driven by
dash[testing]'s dash_duo. Without Chromium they are skipped, and pytest -ra says why."""

from __future__ import annotations

import os
import re
import shutil
from urllib.parse import urlencode

import pytest
from dash.testing.wait import until
from selenium.common.exceptions import NoSuchElementException, StaleElementReferenceException

from components import ids
from tests.builders import city_targets, form01, workbook_bytes
from tests.conftest import ADMIN_PASSWORD

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver")
pytestmark = [
    pytest.mark.slow,  # a live server and Chromium
    pytest.mark.browser,
    pytest.mark.skipif(
        not (CHROMIUM and CHROMEDRIVER),
        reason="trình duyệt không có sẵn / Chromium not installed: "
        "sudo apt-get install chromium chromium-driver (CI installs them in .ci/run)",
    ),
]
if CHROMIUM:
    os.environ.setdefault("DASH_TEST_CHROMEPATH", CHROMIUM)

WAIT_S = 20


def _sign_in(dash_duo, app, next_path: str = "/", username: str = "admin") -> None:
    """Start the app and sign in through the login page, as a user would."""
    dash_duo.start_server(app, navigate=False)  # "/" would redirect to the login page
    dash_duo._url = dash_duo.server.url
    dash_duo.driver.get(f"{dash_duo.server_url}/login?{urlencode({'next': next_path})}")
    dash_duo.find_element("#username").send_keys(username)
    dash_duo.find_element("#password").send_keys(ADMIN_PASSWORD)
    dash_duo.find_element("button[type=submit]").click()


def _text(dash_duo, selector: str) -> str:
    """The text of an element that the app may be re-rendering ("" while it is replaced)."""
    try:
        return dash_duo.find_element(selector).text
    except (NoSuchElementException, StaleElementReferenceException):
        return ""


def _severe(logs) -> list:
    return [entry for entry in logs or [] if entry.get("level") == "SEVERE"]


def test_overview_shows_the_seed_figures(dash_duo, sample_app):
    _sign_in(dash_duo, sample_app, "/?as_of=2024-06-30")
    dash_duo.wait_for_text_to_equal("[data-testid=cong-chuc-pct-of-target]", "20,43%", WAIT_S)
    dash_duo.wait_for_text_to_equal("[data-testid=nguoi-lam-viec-pct-of-target]", "81,7%", WAIT_S)
    assert dash_duo.find_element("[data-testid=cong-chuc-pct]").text == "1,02%"
    assert not dash_duo.find_element("[data-testid=report-progress]").is_displayed()  # no job
    assert _severe(dash_duo.get_logs()) == []


def _upload(dash_duo, path) -> None:
    dash_duo.find_element("#upload-files input[type=file]").send_keys(str(path))


def test_uploading_a_bad_return_shows_its_cell(dash_duo, isolated_app, tmp_path):
    bad = tmp_path / "loi.xlsx"
    bad.write_bytes(workbook_bytes(form01([[1, "Sở Nội vụ", 43, 43, -2, 42]])))
    _sign_in(dash_duo, isolated_app, "/nop-bao-cao")
    dash_duo.wait_for_element("#upload-files", WAIT_S)
    _upload(dash_duo, bad)
    dash_duo.wait_for_contains_text("[data-testid=file-status]", "Bị từ chối", WAIT_S)
    dash_duo.wait_for_contains_text("#upload-results", "E11", WAIT_S)
    dash_duo.wait_for_contains_text("#upload-results", "là số âm", WAIT_S)
    assert _severe(dash_duo.get_logs()) == []


def test_uploading_a_good_return_changes_the_figures_once_approved(
    dash_duo, isolated_app, tmp_path
):
    good = tmp_path / "so_noi_vu.xlsx"
    good.write_bytes(
        workbook_bytes(form01([[1, "Sở Nội vụ", None, None, None, 20]], title=[["Biểu số 01"]]))
    )
    _sign_in(dash_duo, isolated_app, "/nop-bao-cao")
    dash_duo.wait_for_element("#upload-files", WAIT_S)
    _upload(dash_duo, good)
    dash_duo.wait_for_contains_text("[data-testid=file-status]", "Hợp lệ", WAIT_S)
    dash_duo.find_element("#upload-confirm").click()
    dash_duo.wait_for_contains_text("[data-testid=upload-saved]", "Đã nhận 1 tệp", WAIT_S)
    dash_duo.wait_for_contains_text("[data-testid=submitted]", "đang chờ Sở Nội vụ duyệt", WAIT_S)
    _approve_on_the_review_page(dash_duo)  # the Department approves it: now it counts
    dash_duo.wait_for_page(f"{dash_duo.server_url}/?as_of=2024-06-30", WAIT_S)
    dash_duo.wait_for_element("[data-testid=cong-chuc-pct-of-target]", WAIT_S)
    shown = dash_duo.find_element("[data-testid=cong-chuc-pct-of-target]").text
    assert shown not in ("20,43%", "")
    assert _severe(dash_duo.get_logs()) == []


def _approve_on_the_review_page(dash_duo) -> None:
    """The signed-in admin opens «Duyệt báo cáo», chooses the waiting return, reads its diff
    and clicks «Duyệt»."""
    dash_duo.wait_for_page(f"{dash_duo.server_url}/duyet-bao-cao", WAIT_S)
    dash_duo.wait_for_contains_text(f"#{ids.RV_QUEUE}", "so_noi_vu.xlsx", WAIT_S)
    dash_duo.select_dcc_dropdown(f"#{ids.RV_PICK}", index=0)
    dash_duo.wait_for_contains_text(f"#{ids.RV_DETAIL}", "Số liệu thay đổi nếu duyệt", WAIT_S)
    until(lambda: dash_duo.find_element(f"#{ids.RV_APPROVE}").is_displayed(), WAIT_S)
    dash_duo.find_element(f"#{ids.RV_APPROVE}").click()
    dash_duo.wait_for_contains_text("[data-testid=review-outcome]", "Đã duyệt báo cáo số", WAIT_S)


def test_a_file_over_the_size_limit_gets_a_message(dash_duo, isolated_app, tmp_path):
    import dataclasses

    from web import context

    extensions = isolated_app.server.extensions
    saved = extensions[context.SETTINGS_KEY]
    extensions[context.SETTINGS_KEY] = dataclasses.replace(saved, max_upload_bytes=2000)
    try:
        big = tmp_path / "qua_lon.xlsx"
        big.write_bytes(workbook_bytes(form01([[1, "Sở Nội vụ", 43, 43, 42, 42]])))
        _sign_in(dash_duo, isolated_app, "/nop-bao-cao")
        dash_duo.wait_for_element("#upload-files", WAIT_S)
        _upload(dash_duo, big)
        dash_duo.wait_for_contains_text("#upload-size-message", "vượt giới hạn", WAIT_S)
        assert "qua_lon.xlsx" in dash_duo.find_element("#upload-size-message").text
    finally:
        extensions[context.SETTINGS_KEY] = saved


def test_units_grid_pages_filters_and_links_on_the_server(dash_duo, sample_app):
    grid = "[data-testid=units-grid]"
    summary = f"{grid} .ag-paging-row-summary-panel"
    _sign_in(dash_duo, sample_app, "/don-vi?as_of=2024-06-30")
    dash_duo.wait_for_text_to_equal(summary, "1 – 100 / 527", WAIT_S)
    assert len(dash_duo.find_elements(f"{grid} .ag-center-cols-container .ag-row")) <= 100
    dash_duo.find_element(f"#{ids.UNITS_MEASURE} input[value=cong_chuc]").click()
    until(lambda: _text(dash_duo, summary) not in ("", "1 – 100 / 527"), WAIT_S)  # a new grid
    name_filter = f"{grid} .ag-floating-filter[col-id=name] input"
    dash_duo.wait_for_element(name_filter, WAIT_S).send_keys("so noi vu")  # without diacritics
    dash_duo.wait_for_text_to_equal(summary, "1 – 1 / 1", WAIT_S)
    link = dash_duo.wait_for_element(f"{grid} a[href^='/don-vi/']", WAIT_S)
    assert link.text == "Sở Nội vụ"
    link.click()
    dash_duo.wait_for_contains_text("#_pages_content h2", "Sở Nội vụ", WAIT_S)
    assert "as_of=2024-06-30" in dash_duo.driver.current_url  # the view goes along
    assert _severe(dash_duo.get_logs()) == []


def _csp_reports(logs) -> list:
    """Console entries of a Content-Security-Policy violation (Chromium logs each one)."""
    return [e for e in logs or [] if "Content Security Policy" in e.get("message", "")]


def test_pages_work_under_the_security_headers(dash_duo, isolated_app, tmp_path):
    """The overview (its charts drawn), an export built as a background job, the units grid
    (dash-ag-grid's formatters) and the upload page work with the security headers on
    (web/security.py): no CSP violation, no error in the console."""
    from components.overview import REPORT_STATUS, REPORT_XLSX

    _sign_in(dash_duo, isolated_app, "/?as_of=2024-06-30")
    dash_duo.wait_for_text_to_equal("[data-testid=cong-chuc-pct-of-target]", "20,43%", WAIT_S)
    policy = dash_duo.driver.execute_async_script(
        "const done = arguments[0];"
        "fetch('/login').then(r => done(r.headers.get('content-security-policy')));"
    )
    assert "default-src 'self'" in policy and "frame-ancestors 'none'" in policy
    assert "unsafe-eval" not in policy
    # the charts are drawn: plotly's SVG holds the traces
    until(lambda: len(dash_duo.find_elements(".js-plotly-plot .main-svg .trace")) > 3, WAIT_S)
    assert dash_duo.find_elements(".js-plotly-plot .modebar")  # plotly's own styles applied
    dash_duo.find_element(f"#{REPORT_XLSX}").click()
    dash_duo.wait_for_contains_text(f"#{REPORT_STATUS}", "Đã tạo", 60)
    overview_logs = dash_duo.get_logs()
    assert _csp_reports(overview_logs) == [] and _severe(overview_logs) == []

    dash_duo.driver.set_window_size(2800, 1000)  # every column drawn, none virtualised
    dash_duo.wait_for_page(f"{dash_duo.server_url}/don-vi?as_of=2024-06-30", WAIT_S)
    grid = "[data-testid=units-grid]"
    dash_duo.wait_for_text_to_equal(f"{grid} .ag-paging-row-summary-panel", "1 – 100 / 527", WAIT_S)
    shown = [c.text for c in dash_duo.find_elements(f"{grid} .ag-cell[col-id=gap]")]
    assert any(re.fullmatch(r"\d+,\d", t) for t in shown), shown  # the grid's viNumber: 12,5

    bad = tmp_path / "loi.xlsx"
    bad.write_bytes(workbook_bytes(form01([[1, "Sở Nội vụ", 43, 43, -2, 42]])))
    dash_duo.wait_for_page(f"{dash_duo.server_url}/nop-bao-cao", WAIT_S)
    dash_duo.wait_for_element("#upload-files", WAIT_S)
    _upload(dash_duo, bad)
    dash_duo.wait_for_contains_text("[data-testid=file-status]", "Bị từ chối", WAIT_S)
    logs = dash_duo.get_logs()
    assert _csp_reports(logs) == [] and _severe(logs) == []


def _sign_in_again(dash_duo, username: str, password: str, next_path: str) -> None:
    """Sign out (the session cookie goes) and in again as another account."""
    dash_duo.driver.delete_all_cookies()
    dash_duo.driver.get(f"{dash_duo.server_url}/login?next={next_path}")
    dash_duo.wait_for_element("#username", WAIT_S).send_keys(username)
    dash_duo.find_element("#password").send_keys(password)
    dash_duo.find_element("button[type=submit]").click()


def test_an_uploaders_return_counts_once_a_reviewer_approves_it(dash_duo, isolated_app, tmp_path):
    """The admin adds a reviewer on /quan-tri; a unit's uploader submits a return; the reviewer
    (not an admin) sees the overview unchanged, approves the return, and the overview moves."""
    from etl.storage import accounts, reviews

    engine = isolated_app.server.extensions["tgbc_engine"]
    units = accounts.resolve_units(engine, ["Sở Nội vụ"])
    accounts.create_account(engine, "donvi", ADMIN_PASSWORD, "uploader", unit_ids=units)
    good = tmp_path / "so_noi_vu.xlsx"
    good.write_bytes(
        workbook_bytes(form01([[1, "Sở Nội vụ", None, None, None, 20]], title=[["Biểu số 01"]]))
    )

    _sign_in(dash_duo, isolated_app, "/quan-tri")
    dash_duo.wait_for_contains_text(f"#{ids.AC_LIST}", "donvi", WAIT_S)
    dash_duo.find_element(f"#{ids.AC_NEW_USERNAME}").send_keys("duyet")
    dash_duo.select_dcc_dropdown(f"#{ids.AC_NEW_ROLE}", "Sở Nội vụ (duyệt báo cáo)")
    dash_duo.find_element(f"#{ids.AC_NEW_PASSWORD}").send_keys(ADMIN_PASSWORD)
    dash_duo.find_element(f"#{ids.AC_ADD}").click()
    dash_duo.wait_for_contains_text(
        "[data-testid=account-outcome]", "Đã thêm tài khoản «duyet»", WAIT_S
    )
    dash_duo.wait_for_contains_text("[data-testid=account-duyet]", "duyệt báo cáo", WAIT_S)
    assert accounts.get_account(engine, username="duyet").role == "reviewer"

    _sign_in_again(dash_duo, "donvi", ADMIN_PASSWORD, "/nop-bao-cao")
    dash_duo.wait_for_element("#upload-files", WAIT_S)
    _upload(dash_duo, good)
    dash_duo.wait_for_contains_text("[data-testid=file-status]", "Hợp lệ", WAIT_S)
    dash_duo.find_element("#upload-confirm").click()
    dash_duo.wait_for_contains_text("[data-testid=submitted]", "đang chờ Sở Nội vụ duyệt", WAIT_S)

    _sign_in_again(dash_duo, "duyet", ADMIN_PASSWORD, "/?as_of=2024-06-30")
    seed = "[data-testid=cong-chuc-pct-of-target]"
    dash_duo.wait_for_text_to_equal(seed, "20,43%", WAIT_S)  # waiting: it does not count yet
    assert "Quản trị" not in dash_duo.find_element("nav").text  # a reviewer, not an admin
    _approve_on_the_review_page(dash_duo)
    dash_duo.wait_for_page(f"{dash_duo.server_url}/?as_of=2024-06-30", WAIT_S)
    dash_duo.wait_for_element(seed, WAIT_S)
    until(lambda: _text(dash_duo, seed) not in ("", "20,43%"), WAIT_S)
    with engine.connect() as conn:
        latest = reviews.queue(conn)[0]
        assert (latest.file_name, latest.uploader) == ("so_noi_vu.xlsx", "donvi")
        assert reviews.history(conn, latest.id)[-1]["actor"] == "duyet"
    assert _severe(dash_duo.get_logs()) == []


def test_a_plan_uploaded_by_the_admin_waits_on_the_admin_page(dash_duo, isolated_app, tmp_path):
    """Biểu 00 goes through the upload page like any return; «Kế hoạch» on /quan-tri then
    lists it as waiting, with what approving it would change, and links to that upload page."""
    plan = tmp_path / "ke_hoach_moi.xlsx"
    plan.write_bytes(city_targets("7%", "12%"))
    _sign_in(dash_duo, isolated_app, "/quan-tri")
    dash_duo.wait_for_element(f"#{ids.PL_UPLOAD_LINK}", WAIT_S).click()
    dash_duo.wait_for_element("#upload-files", WAIT_S)
    _upload(dash_duo, plan)
    dash_duo.wait_for_contains_text("[data-testid=file-status]", "Hợp lệ", WAIT_S)
    dash_duo.find_element("#upload-confirm").click()
    dash_duo.wait_for_contains_text("[data-testid=upload-saved]", "Đã nhận 1 tệp", WAIT_S)
    dash_duo.wait_for_page(f"{dash_duo.server_url}/quan-tri", WAIT_S)
    dash_duo.wait_for_contains_text(
        "[data-testid=targets-waiting]", "Biên chế công chức: 5% → 7%", WAIT_S
    )
    assert "ke_hoach_moi.xlsx" in dash_duo.find_element("[data-testid=targets-history]").text
    assert "ke_hoach_moi.xlsx" not in dash_duo.find_element("[data-testid=targets-in-force]").text
    assert _severe(dash_duo.get_logs()) == []
