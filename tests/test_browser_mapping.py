"""The mapping step in headless Chromium: a clerk uploads a return with one renamed column and
one added column, maps them, previews, saves; the figures are stored and the mapping kept; the
next return of the same layout is read with it; an administrator sees and deletes it.

`MAPPING_SCREENSHOTS=DIR` keeps a screenshot of each step there (to look at the UI)."""

from __future__ import annotations

import os
from pathlib import Path

from dash.testing.wait import until
from selenium.webdriver.common.by import By
from sqlalchemy import text

from components.mappings_view import APPLIED_NOTE
from tests.builders import LABELS_01, form01, workbook_bytes
from tests.test_browser import WAIT_S, _severe, _sign_in, _upload
from tests.test_browser import pytestmark as browser_marks

pytestmark = browser_marks

RENAMED = "Đơn vị thực hiện"
ADDED = "Số điện thoại"


def _return(quota_2024: int) -> bytes:
    extra = (LABELS_01["job_position"], ADDED)
    rows = [[1, "Sở Nội vụ", 45, 44, 43, quota_2024, "Đã phê duyệt", "0292 3820 111"]]
    return workbook_bytes(form01(rows, name_label=RENAMED, extra=extra))


def _shot(dash_duo, name: str) -> None:
    folder = os.environ.get("MAPPING_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        dash_duo.driver.save_screenshot(str(Path(folder) / f"{name}.png"))


def _row(dash_duo, header_text: str):
    rows = dash_duo.find_elements(".map-table tbody tr")
    return next(r for r in rows if header_text in r.text)


def _assigned(engine, submission_id: int) -> list[tuple]:
    with engine.connect() as conn:
        return sorted(
            conn.execute(
                text(
                    "SELECT u.name, f.year, f.value FROM fact f JOIN unit u ON u.id = f.unit_id "
                    "WHERE f.submission_id = :s AND f.status = 'assigned'"
                ),
                {"s": submission_id},
            ).all()
        )


def _latest_submission(engine) -> int:
    with engine.connect() as conn:
        return conn.execute(text("SELECT MAX(id) FROM submission")).scalar_one()


def test_a_clerk_maps_the_header_previews_saves_and_the_mapping_is_kept(
    dash_duo, isolated_app, tmp_path
):
    from web import context

    engine = isolated_app.server.extensions[context.ENGINE_KEY]
    first = tmp_path / "so_noi_vu_ghep_cot.xlsx"
    first.write_bytes(_return(41))
    _sign_in(dash_duo, isolated_app, "/nop-bao-cao")
    dash_duo.driver.set_window_size(1400, 1200)
    dash_duo.wait_for_element("#upload-files", WAIT_S)
    _upload(dash_duo, first)

    # the reader cannot place the renamed name column: the sheet's header, cell by cell
    dash_duo.wait_for_contains_text("[data-testid=mapping-panel]", RENAMED, WAIT_S)
    dash_duo.wait_for_contains_text("[data-testid=file-status]", "Bị từ chối", WAIT_S)
    panel = dash_duo.find_element("[data-testid=mapping-panel]").text
    assert "Ghép cột — trang «Biểu 01»" in panel
    assert "Không tìm thấy dòng tiêu đề của Biểu 01" in panel
    assert "Chưa nhận ra" in panel and "Tự nhận ra" in panel
    missing = dash_duo.find_element("[data-testid=mapping-missing]").text
    assert "«Tên cơ quan, tổ chức»" in missing
    assert "Bỏ qua (không đọc cột này)" in _row(dash_duo, ADDED).text  # left as is
    _shot(dash_duo, "1_ghep_cot")

    # the clerk maps the renamed column and previews
    dropdown = _row(dash_duo, RENAMED).find_element(By.CSS_SELECTOR, ".map-dropdown")
    dropdown.click()  # the form's fields, by their labels
    menu = dash_duo.wait_for_element(".dash-dropdown-options", WAIT_S)
    assert "Biên chế công chức được giao năm 2021" in menu.text
    _shot(dash_duo, "1b_danh_sach_cot")
    option = next(
        o
        for o in menu.find_elements(By.CSS_SELECTOR, ".dash-dropdown-option")
        if o.text == LABELS_01["name"]
    )
    option.click()
    until(lambda: LABELS_01["name"] in _row(dash_duo, RENAMED).text, WAIT_S)
    preview = "//button[contains(., 'Xem trước với cách ghép này')]"
    dash_duo.driver.find_element(By.XPATH, preview).click()
    dash_duo.wait_for_contains_text("[data-testid=file-status]", "Hợp lệ", WAIT_S)
    results = dash_duo.find_element("#upload-results").text
    assert "Sẽ lưu 1 dòng" in results and "Sở Nội vụ" in results
    assert "được đọc là «Tên cơ quan, tổ chức»" in results  # header-mapped, as a note
    assert "mapping-missing" not in dash_duo.driver.page_source
    _shot(dash_duo, "2_xem_truoc")

    # saved: the figures are stored, the mapping is kept for Sở Nội vụ
    dash_duo.find_element("#upload-confirm").click()
    dash_duo.wait_for_contains_text("[data-testid=upload-saved]", "Đã nhận 1 tệp", WAIT_S)
    stored = _latest_submission(engine)
    assert _assigned(engine, stored) == [
        ("Sở Nội vụ", 2021, 45),
        ("Sở Nội vụ", 2022, 44),
        ("Sở Nội vụ", 2023, 43),
        ("Sở Nội vụ", 2024, 41),
    ]
    with engine.connect() as conn:
        kept = conn.execute(
            text("SELECT owner, header_text, target FROM header_mapping ORDER BY header_text")
        ).all()
    assert [tuple(k) for k in kept] == [
        ("Sở Nội vụ", ADDED, "-"),
        ("Sở Nội vụ", RENAMED, "name"),
    ]

    # the next return of the same layout is read with the kept mapping
    second = tmp_path / "so_noi_vu_lan_sau.xlsx"
    second.write_bytes(_return(40))
    dash_duo.driver.get(f"{dash_duo.server_url}/nop-bao-cao")
    dash_duo.wait_for_element("#upload-files", WAIT_S)
    _upload(dash_duo, second)
    dash_duo.wait_for_contains_text("[data-testid=file-status]", "Hợp lệ", WAIT_S)
    dash_duo.wait_for_contains_text("[data-testid=mapping-applied]", APPLIED_NOTE, WAIT_S)
    _shot(dash_duo, "3_ap_dung_da_luu")
    dash_duo.find_element("#upload-confirm").click()
    dash_duo.wait_for_contains_text("[data-testid=upload-saved]", "Đã nhận 1 tệp", WAIT_S)
    assert ("Sở Nội vụ", 2024, 40) in _assigned(engine, _latest_submission(engine))

    # a column added to a tidy return blocks nothing: the step is offered, folded
    added = tmp_path / "so_y_te_them_cot.xlsx"
    rows = [[1, "Sở Y tế", 120, 118, 116, 114, "Đã phê duyệt", "x"]]
    extra = (LABELS_01["job_position"], "Ghi chú nội bộ")
    added.write_bytes(workbook_bytes(form01(rows, extra=extra)))
    dash_duo.driver.get(f"{dash_duo.server_url}/nop-bao-cao")
    dash_duo.wait_for_element("#upload-files", WAIT_S)
    _upload(dash_duo, added)
    dash_duo.wait_for_contains_text("[data-testid=file-status]", "Hợp lệ", WAIT_S)
    dash_duo.wait_for_contains_text("[data-testid=mapping-panel]", "nên sẽ không được đọc", WAIT_S)
    assert not dash_duo.find_element(".map-table").is_displayed()  # folded
    _shot(dash_duo, "4_cot_them")

    # an administrator sees the kept mappings and deletes one
    dash_duo.driver.get(f"{dash_duo.server_url}/quan-tri")
    dash_duo.wait_for_contains_text("[data-testid=mappings-list]", RENAMED, WAIT_S)
    _shot(dash_duo, "5_quan_tri")
    row = next(
        r
        for r in dash_duo.find_elements("[data-testid=mappings-list] tbody tr")
        if RENAMED in r.text
    )
    row.find_element(By.TAG_NAME, "button").click()
    dash_duo.wait_for_contains_text("#mappings-outcome", "Đã xóa cách ghép cột", WAIT_S)
    until(lambda: RENAMED not in dash_duo.find_element("#mappings-list").text, WAIT_S)
    with engine.connect() as conn:
        left = conn.execute(text("SELECT header_text FROM header_mapping")).scalars().all()
    assert left == [ADDED]
    assert _severe(dash_duo.get_logs()) == []
