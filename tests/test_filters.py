"""One label per district, filter values matched like unit names, a value naming nothing
shown rather than dropped, and the tracker's lists agreeing with the overview's notices
(issue 13, items 2 and 9). Browser checks are in tests/test_browser_filters.py."""

from __future__ import annotations

import datetime as dt
import json
import re
from contextlib import contextmanager
from urllib.parse import quote

import pytest
from plotly.io.json import to_json_plotly

from etl.core.normalize import canonical_district_labels, district_key
from etl.measures import analysis, metrics
from etl.measures.query import BadParameter, View, resolve_view
from etl.measures.scoping import (
    Filter,
    resolve_district,
    resolve_kind,
    resolve_scope,
    resolve_sector,
)
from tests.conftest import login, open_period

AS_OF = dt.date(2024, 6, 30)


def text_of(component) -> str:
    return json.dumps(json.loads(to_json_plotly(component)), ensure_ascii=False)


# ---------------------------------------------------------------- the label of a district


def _labels(*forms: tuple[str, int]) -> dict[str, str]:
    return canonical_district_labels((district_key(f), f, n) for f, n in forms)


def test_the_label_carries_the_district_kind_over_a_bare_name_even_when_rarer():
    assert _labels(("Cờ Đỏ", 40), ("Huyện Cờ Đỏ", 2)) == {district_key("Cờ Đỏ"): "Huyện Cờ Đỏ"}


def test_council_prefixes_and_abbreviations_are_written_out():
    labels = _labels(("UBND huyện Cờ Đỏ", 1), ("Cờ Đỏ", 5), ("Q. Ô Môn", 1), ("TX. Long Mỹ", 1))
    assert sorted(labels.values()) == ["Huyện Cờ Đỏ", "Quận Ô Môn", "Thị xã Long Mỹ"]


def test_among_full_forms_the_most_written_wins_then_alphabetical_order():
    key = district_key("Ô Môn")
    assert _labels(("Quận Ô Môn", 3), ("Huyện Ô Môn", 5))[key] == "Huyện Ô Môn"
    assert _labels(("Quận Ô Môn", 5), ("Huyện Ô Môn", 5))[key] == "Huyện Ô Môn"
    # forms differing only in tone placement or case count together
    assert _labels(("quận Ô Môn", 2), ("Quận Ô Môn", 1), ("Huyện Ô Môn", 2))[key] == "Quận Ô Môn"


def test_a_district_written_bare_only_keeps_its_bare_name():
    assert _labels(("Cờ Đỏ", 3)) == {district_key("Cờ Đỏ"): "Cờ Đỏ"}  # its kind is not invented
    assert canonical_district_labels([("", "Cờ Đỏ", 1), ("x", None, 1), ("y", "  ", 1)]) == {}


@pytest.fixture(scope="module")
def ds(sample_app):
    from etl.measures.cache import load_dataset

    return load_dataset(sample_app.server.extensions["tgbc_engine"])


def test_the_sample_shows_each_district_under_one_label(ds):
    units = ds.units[ds.units["district_key"] != ""]
    # the sample's returns write some districts two ways …
    written = units.groupby("district_key")["district_written"].nunique()
    assert (written > 1).sum() >= 2
    # … the Dataset shows one, with its kind
    shown = units.groupby("district_key")["district"].unique()
    assert all(len(labels) == 1 for labels in shown)
    labels = {str(v[0]) for v in shown}
    assert {"Huyện Cờ Đỏ", "Quận Ô Môn", "Quận Ninh Kiều"} <= labels
    assert not {"Cờ Đỏ", "Ô Môn"} & labels


def test_subtotals_and_filter_options_name_each_district_once(ds, signed_in):
    from components.shell import filter_options
    from etl.measures.query import ResolvedView

    table = analysis.unit_table(ds, ResolvedView(AS_OF))
    subtotals = analysis.subtotals(table, "district")
    per_measure = subtotals.groupby("measure")["district"].apply(list)
    for names in per_measure:
        assert len(names) == len(set(names))
        assert "Cờ Đỏ" not in names and "Huyện Cờ Đỏ" in names
    options = [o["value"] for o in filter_options(ds)["district"]]
    assert len(options) == len(set(options)) == ds.units["district_key"].replace("", None).nunique()
    assert "Huyện Cờ Đỏ" in options and "Cờ Đỏ" not in options
    # the merged row holds what the two spellings held: the district's own figures
    merged = subtotals[subtotals["district"] == "Huyện Cờ Đỏ"].set_index("measure")
    own = metrics.summary(ds, AS_OF, Filter(district="Cờ Đỏ"))
    for measure in ("cong_chuc", "nguoi_lam_viec"):
        assert merged.loc[measure, "baseline"] == own[measure]["baseline"]


# ---------------------------------------------------------------- matching a filter value


@pytest.mark.parametrize(
    "text",
    ["Cờ Đỏ", "Huyện Cờ Đỏ", "huyện cờ đỏ", "UBND huyện Cờ Đỏ", "H. Cờ Đỏ", "Co Do", "HUYEN CO DO"],
)
def test_a_district_is_found_however_it_is_written(ds, text):
    assert resolve_district(ds, text) == "Huyện Cờ Đỏ"


def test_values_naming_nothing_find_nothing(ds):
    assert resolve_district(ds, "Khong Co") is None
    assert resolve_district(ds, "") is None and resolve_district(ds, None) is None
    assert resolve_sector(ds, "Thể dục dụng cụ") is None
    assert resolve_kind("abc") is None


def test_sectors_and_kinds_are_found_by_label_or_code_without_diacritics(ds):
    assert resolve_sector(ds, "giao duc va dao tao") == "Giáo dục và Đào tạo"
    assert resolve_sector(ds, "Y TẾ") == "Y tế"
    assert resolve_kind("don_vi_su_nghiep") == "don_vi_su_nghiep"
    assert resolve_kind("Đơn vị sự nghiệp công lập") == "don_vi_su_nghiep"
    assert resolve_kind("don vi su nghiep cong lap") == "don_vi_su_nghiep"


def test_a_scope_naming_a_district_is_labelled_as_the_district(ds):
    flt = resolve_scope(ds, "Cờ Đỏ")
    assert flt is not None and flt.label == "Huyện Cờ Đỏ"


@pytest.mark.parametrize("text", ["Cờ Đỏ", "Huyện Cờ Đỏ", "co do", "UBND huyện Cờ Đỏ"])
def test_every_spelling_gives_the_same_figures_and_label(ds, text):
    asked = resolve_view(ds, View(as_of=AS_OF, district=text), AS_OF)
    canonical = resolve_view(ds, View(as_of=AS_OF, district="Huyện Cờ Đỏ"), AS_OF)
    assert asked.label == canonical.label == "Huyện Cờ Đỏ"
    assert asked.asked.district == "Huyện Cờ Đỏ"  # links carry the option's value
    assert metrics.summary(ds, AS_OF, asked.filter) == metrics.summary(ds, AS_OF, canonical.filter)


def test_the_city_figures_are_unchanged(ds):
    summary = metrics.summary(ds, AS_OF, Filter())
    assert round(summary["cong_chuc"]["pct_of_target"], 2) == 20.43
    assert round(summary["nguoi_lam_viec"]["pct_of_target"], 1) == 81.7


def test_a_value_naming_nothing_is_refused_strictly_and_listed_leniently(ds):
    with pytest.raises(BadParameter, match="Không có quận, huyện «Khong Co» trong số liệu"):
        resolve_view(ds, View(as_of=AS_OF, district="Khong Co"), AS_OF)
    view = resolve_view(
        ds, View(as_of=AS_OF, district="Khong Co", sector="y te"), AS_OF, lenient=True
    )
    assert view.filter.district is None and view.filter.sector == "Y tế"
    assert view.label == "Y tế"  # the view as shown, not as if it were the district's
    assert view.asked.district == "Khong Co"  # kept in links
    assert view.shown.district is None and view.shown.sector == "Y tế"
    assert view.notices == [
        "Không có quận, huyện «Khong Co» trong số liệu; đang hiển thị số liệu Y tế."
    ]
    sector = resolve_view(ds, View(as_of=AS_OF, sector="Thể dục"), AS_OF, lenient=True)
    assert sector.notices == [
        "Không có lĩnh vực «Thể dục» trong số liệu; đang hiển thị số liệu Toàn thành phố."
    ]
    city = resolve_view(ds, View(as_of=AS_OF, kind="abc", scope="Không có"), AS_OF, lenient=True)
    assert city.label == "Toàn thành phố" and len(city.notices) == 2
    assert "Không có loại đơn vị «abc» trong số liệu" in city.notices[1]


# ---------------------------------------------------------------- the dashboard


def test_the_api_refuses_a_district_naming_nothing_and_matches_spellings(sample_app):
    client = sample_app.server.test_client()
    login(client)
    refused = client.get("/api/v1/summary?as_of=2024-06-30&district=Khong+Co")
    assert refused.status_code == 400
    assert "Không có quận, huyện «Khong Co»" in refused.get_json()["error"]
    bare = client.get("/api/v1/summary?as_of=2024-06-30&district=" + quote("Cờ Đỏ")).get_json()
    full = client.get("/api/v1/summary?as_of=2024-06-30&district=" + quote("Huyện Cờ Đỏ"))
    assert bare == full.get_json() and bare["cong_chuc"]["baseline"] == 74
    assert client.get("/export/data.xlsx?district=Khong+Co").status_code == 400


def _shell_callback(app, output: str):
    """The function of the shell's callback writing `output` (Dash keeps it in its map)."""
    for key, entry in app.callback_map.items():
        if output in key:
            return entry["callback"].__wrapped__
    raise KeyError(output)


def test_the_filter_bar_shows_a_value_naming_nothing_and_keeps_it(signed_in):
    from dash._callback_context import context_value
    from dash._utils import AttributeDict

    from components import ids

    sync = _shell_callback(signed_in, f"{ids.F_DISTRICT}.options")
    context_value.set(AttributeDict(triggered_inputs=[{"prop_id": "url.search"}]))
    out = sync("?district=Khong+Co&sector=giao+duc+va+dao+tao", None, *[None] * 6, None)
    search, _as_of, district, sector, _kind, _prov, _p, _u, districts, *_others = out
    assert district == "Khong Co" and sector == "Giáo dục và Đào tạo"
    assert {"label": "«Khong Co» (không có trong số liệu)", "value": "Khong Co"} in districts
    assert not isinstance(search, str)  # the URL is left as it is (no_update)
    out = sync("?district=C%E1%BB%9D+%C4%90%E1%BB%8F", None, *[None] * 6, None)
    assert out[2] == "Huyện Cờ Đỏ"  # the option, whichever way the link writes it
    note = _shell_callback(signed_in, ids.F_FILTER_NOTE)("?district=Khong+Co")
    assert "Không có quận, huyện «Khong Co» trong số liệu; đang hiển thị số liệu " in text_of(note)
    assert note and "Toàn thành phố" in text_of(note)
    assert _shell_callback(signed_in, ids.F_FILTER_NOTE)("?district=Co+Do") == []


def test_the_overview_labels_a_district_naming_nothing_as_what_it_shows(signed_in):
    from pages.overview import render_overview

    shown = text_of(render_overview("?as_of=2024-06-30&district=Khong+Co"))
    assert "20,43%" in shown and "Toàn thành phố" in shown and "Khong Co" not in shown
    # the downloads are of what the page shows (the export routes refuse the value)
    assert '"/export/report.pdf?as_of=2024-06-30"' in shown
    assert '/export/chart/lo-trinh-cong-chuc.png?as_of=2024-06-30"' in shown
    full = text_of(render_overview("?as_of=2024-06-30&district=Huyện+Cờ+Đỏ"))
    bare = text_of(render_overview("?as_of=2024-06-30&district=Cờ+Đỏ"))
    # the same page but for the links, which keep the address as written
    assert full.replace("district=Huyện+Cờ+Đỏ", "district=Cờ+Đỏ") == bare
    assert "Huyện Cờ Đỏ" in full and "20,43%" not in full


# ---------------------------------------------------------------- the tracker's lists


def _count(pattern: str, text: str) -> int:
    found = re.search(pattern, text)
    assert found, pattern
    return int(found.group(1).replace(".", ""))


def _href(text: str, link_id: str) -> str:
    found = re.search(r'"href": "([^"]+)", "id": "' + link_id, text)
    assert found, link_id
    return found.group(1)


@contextmanager
def _admin(app):
    from flask_login import login_user

    from etl.storage import accounts
    from web.auth import User

    with app.server.test_request_context():
        engine = app.server.extensions["tgbc_engine"]
        login_user(User(accounts.get_account(engine, username="admin")))
        yield app


@pytest.mark.parametrize("district", ["Ô Môn", "O Mon", "Quận Ô Môn"])
def test_the_missing_data_notice_links_to_that_list(signed_in, district):
    from pages.overview import render_overview
    from pages.tracker import render_tracker

    search = "?" + "&".join(["as_of=2024-06-30", "district=" + quote(district)])
    overview = text_of(render_overview(search))
    n = _count(r"(\d+) đơn vị chưa báo cáo đủ số liệu các năm", overview)
    city = _count(
        r"(\d+) đơn vị chưa báo cáo đủ số liệu các năm",
        text_of(render_overview("?as_of=2024-06-30")),
    )
    assert 0 < n < city  # the district's, not the city's
    href = _href(overview, "overview-missing-link")
    assert href.startswith("/theo-doi?") and "district=" in href
    listed = text_of(render_tracker("?" + href.split("?", 1)[1], None))
    assert _count(r"Đơn vị chưa báo cáo đủ số liệu các năm \((\d+)\)", listed) == n
    assert "Quận Ô Môn" in listed and "Huyện Vĩnh Thạnh" not in listed


def test_the_owing_notice_of_a_filtered_view_links_to_that_list(isolated_app):
    from pages.overview import render_overview
    from pages.tracker import render_tracker

    engine = isolated_app.server.extensions["tgbc_engine"]
    open_period(engine, dt.date(2024, 12, 31))  # nobody has sent a return for it yet
    with _admin(isolated_app):
        search = "?as_of=2024-12-31&district=" + quote("Cờ Đỏ") + "&kind=don_vi_su_nghiep"
        overview = text_of(render_overview(search))
        n = _count(r"(\d+) đơn vị chưa nộp hoặc bị trả lại báo cáo kỳ", overview)
        href = _href(overview, "overview-owing-link")
        listed = text_of(render_tracker("?" + href.split("?", 1)[1], None))
        assert _count(r"Đơn vị còn nợ báo cáo \((\d+)\)", listed) == n
        assert "Huyện Cờ Đỏ · Đơn vị sự nghiệp công lập — Kỳ «Năm 2024»" in listed
        everyone = text_of(render_tracker("?as_of=2024-12-31&trang_thai=owing", None))
        assert _count(r"Đơn vị còn nợ báo cáo \((\d+)\)", everyone) > n > 0
