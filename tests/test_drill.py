"""Drill-down targets (components/drill.py) and the breadcrumbs."""

from __future__ import annotations

import datetime as dt

from components.drill import breadcrumbs, chart_target, group_target
from etl.measures.query import View, parse_view
from tests.test_app import text_of

TODAY = dt.date(2026, 12, 6)
VIEW = View(as_of=dt.date(2024, 6, 30), district="Cờ Đỏ", include_pending=False)


def _click(**point):
    return {"points": [point]}


def test_a_year_opens_the_view_as_of_that_year_end_never_later_than_the_view():
    to = chart_target("lo-trinh-cong-chuc", _click(x=2022, y=1853), "/", VIEW, TODAY)
    assert parse_view(to.split("?", 1)[1]) == View(
        as_of=dt.date(2022, 12, 31), district="Cờ Đỏ", include_pending=False
    )
    assert to.startswith("/?")
    same = chart_target("tinh-gian", _click(x="2024"), "/phan-tich", VIEW, TODAY)
    assert parse_view(same.split("?", 1)[1]).as_of == dt.date(2024, 6, 30)
    assert same.startswith("/phan-tich?")
    assert chart_target("lo-trinh-cong-chuc", _click(x=2026), "/", VIEW, TODAY) is None
    latest = chart_target("sap-xep", _click(x=2025), "/sap-xep", View(), TODAY)
    assert parse_view(latest.split("?", 1)[1]).as_of == dt.date(2025, 12, 31)


def test_a_sector_bar_opens_the_units_of_that_sector():
    to = chart_target(
        "thieu-dinh-muc", _click(y="Giáo dục", x=120, label="Giáo dục"), "/", VIEW, TODAY
    )
    assert to.startswith("/don-vi?")
    assert parse_view(to.split("?", 1)[1]).sector == "Giáo dục"
    assert parse_view(to.split("?", 1)[1]).district == "Cờ Đỏ"  # the rest of the view stays


def test_clicks_that_lead_nowhere_or_are_malformed_do_nothing():
    for chart, click in [
        ("muc-giam-cong-chuc", _click(x=3.5)),
        ("lo-trinh-cong-chuc", None),
        ("lo-trinh-cong-chuc", {"points": []}),
        ("lo-trinh-cong-chuc", {"points": "x"}),
        ("lo-trinh-cong-chuc", _click(x="abc")),
        ("lo-trinh-cong-chuc", _click(x=1e308)),
        ("lo-trinh-cong-chuc", _click(x=float("nan"))),
        ("thieu-dinh-muc", _click(y=None)),
        ("thieu-dinh-muc", _click(y="  ")),
        ("khong-co", _click(x=2022)),
    ]:
        assert chart_target(chart, click, "/", VIEW, TODAY) is None, (chart, click)


def test_a_subtotal_row_opens_its_group():
    by_district = group_target("district", "Huyện Phong Điền", View())
    assert parse_view(by_district.split("?", 1)[1]).district == "Huyện Phong Điền"
    assert by_district.startswith("/don-vi?")
    assert group_target("district", "Cấp thành phố", View()) is None
    assert group_target("sector", "(không ghi)", View()) is None
    assert group_target("bogus", "x", View()) is None
    assert group_target("kind_label", "không có loại này", View()) is None


def test_breadcrumbs_narrow_the_view_and_lead_back():
    assert breadcrumbs("/", View(as_of=dt.date(2024, 6, 30))) == []
    crumbs = breadcrumbs(
        "/don-vi", View(as_of=dt.date(2024, 6, 30), district="Cờ Đỏ", sector="Y tế")
    )
    shown = text_of(crumbs)
    assert all(w in shown for w in ("Đang xem", "Toàn thành phố", "Cờ Đỏ", "Lĩnh vực Y tế"))
    links = [c for c in crumbs if getattr(c, "href", None)]
    assert [parse_view(link.href.split("?", 1)[1]) for link in links] == [
        View(as_of=dt.date(2024, 6, 30)),
        View(as_of=dt.date(2024, 6, 30), district="Cờ Đỏ"),
    ]
