"""The measure cards add up as a reader checks them, and the unit page shows the unit's own
figures (those of the units grid), with «chưa có số liệu năm 2021» where they need a 2021
figure the unit does not have. Rendered through the pages' own functions, no browser."""

from __future__ import annotations

import math
import re
from typing import Any

import pytest

from components.cards import make_measure_card
from tests.test_browser import CHROMEDRIVER, CHROMIUM, WAIT_S, _severe, _sign_in

AS_OF = "as_of=2024-06-30"
MEASURES = ("cong-chuc", "nguoi-lam-viec")


def _walk(component: Any):
    if isinstance(component, list | tuple):
        for item in component:
            yield from _walk(item)
        return
    yield component
    children = getattr(component, "children", None)
    if children is None:
        return
    for child in children if isinstance(children, list | tuple) else [children]:
        if child is not None and not isinstance(child, str | int | float):
            yield from _walk(child)


def _text(component: Any) -> str:
    """What a component shows, as a reader reads it."""
    children = getattr(component, "children", None)
    if children is None:
        return ""
    if isinstance(children, str | int | float):
        return str(children)
    parts = children if isinstance(children, list | tuple) else [children]
    return "".join(p if isinstance(p, str) else _text(p) for p in parts if p is not None)


def _shown(tree: Any) -> dict[str, str]:
    """data-testid → shown text, for every element of `tree` that has one."""
    found = {}
    for c in _walk(tree):
        test_id = getattr(c, "_prop_names", None) and c.to_plotly_json()["props"].get("data-testid")
        if test_id:
            assert test_id not in found, f"two elements are {test_id}"
            found[test_id] = _text(c)
    return found


def _number(text: str) -> float:
    """`20.734` → 20734, `2.073,4` → 2073.4, `81,7%` → 81.7: a figure as the card writes it."""
    assert re.fullmatch(r"-?[\d.]+(,\d+)?%?", text), text
    return float(text.rstrip("%").replace(".", "").replace(",", "."))


def _overview(query: str) -> dict[str, str]:
    from pages.overview import render_overview

    return _shown(render_overview(f"?{query}"))


@pytest.mark.parametrize("pending", [True, False], ids=["pending-on", "pending-off"])
def test_the_cards_lines_add_up(signed_in, pending):
    shown = _overview(AS_OF + ("" if pending else "&pending=0"))
    for key in MEASURES:
        baseline = _number(shown[f"{key}-baseline"])
        current = _number(shown[f"{key}-current"])
        reduced = _number(shown[f"{key}-reduced"])
        # the note under «Đã giảm» repeats the two figures it subtracts
        assert _number(shown[f"{key}-note-baseline"]) == baseline
        assert _number(shown[f"{key}-note-current"]) == current
        target, pct_of_target = _number(shown[f"{key}-target"]), shown[f"{key}-pct-of-target"]
        assert _number(shown[f"{key}-gap"]) == pytest.approx(target - reduced)
        assert _number(pct_of_target) == pytest.approx(reduced / target * 100, abs=0.005)
        assert _number(shown[f"{key}-pct"]) == pytest.approx(reduced / baseline * 100, abs=0.005)
        if key == "cong-chuc":  # nothing waits for approval: 2021 less now is what was reduced
            assert baseline - current == reduced
            assert f"{key}-pending" not in shown
            continue
        done, waiting = _number(shown[f"{key}-done"]), _number(shown[f"{key}-pending"])
        assert baseline - current == done
        note = shown[f"{key}-reduced-note"]
        if pending:
            assert reduced == done + waiting
            assert "chờ phê duyệt" in note and "chưa tính" not in note
        else:  # the card says the pending reductions are left out, and how many
            assert reduced == done and waiting > 0
            assert shown[f"{key}-pending-off"].startswith("chưa tính ")
            assert "Tính cả số chờ phê duyệt" in shown[f"{key}-pending-off"]


def test_the_cards_keep_the_seed_figures_and_its_words(signed_in):
    shown = _overview(AS_OF)
    assert shown["cong-chuc-pct-of-target"] == "20,43%" and shown["cong-chuc-pct"] == "1,02%"
    assert shown["nguoi-lam-viec-pct-of-target"] == "81,7%"
    assert shown["nguoi-lam-viec-pct"] == "8,17%"
    # «thực hiện giảm 1.694 người làm việc (trong đó: đã thực hiện giảm 1.320 … 374 …)»
    assert shown["nguoi-lam-viec-reduced"] == "1.694"
    assert shown["nguoi-lam-viec-reduced-note"] == (
        "= 1.320 đã thực hiện (20.734 − 19.414) + 374 chờ phê duyệt"
    )
    assert shown["cong-chuc-reduced-note"] == "= 1.860 − 1.841 (năm 2021 − năm 2024)"


def test_a_card_without_figures_says_so_never_zero():
    """A measure whose figures are missing (None: a cut-off before the baseline, no unit
    with figures yet) reads «chưa có số liệu», never 0 nor a percentage."""
    figures = {
        "baseline_year": 2021,
        "baseline": None,
        "latest_year": None,
        "current": None,
        "done": None,
        "pending": None,
        "reduced": None,
        "reduced_pct": None,
        "target": None,
        "pct_of_target": None,
    }
    shown = _shown(make_measure_card("Người làm việc", figures, "k"))
    for name in ("baseline", "current", "reduced", "pct", "target", "pct-of-target"):
        assert shown[f"k-{name}"].startswith("chưa có số liệu"), name
    text = " ".join(v for k, v in shown.items() if k != "k-card")
    assert not re.search(r"\d", text.replace("2021", "")), text
    assert "k-reduced-note" not in shown and "k-gap" not in shown


# ---------------------------------------------------------------- the unit page


def _context(query: str = AS_OF):
    from web import context

    ds = context.dataset(query)
    return ds, context.resolved_view(query, ds)


def _unit_page(unit_id: int, query: str = AS_OF) -> dict[str, str]:
    from pages.unit import layout

    params = dict(p.split("=") for p in query.split("&"))
    return _shown(layout(unit_id=str(unit_id), **params))


def _vi(value: float, pct: bool = False) -> str:
    from etl.core.formatting import fmt_number, fmt_pct

    return fmt_pct(value) if pct else fmt_number(value, 2)


@pytest.mark.parametrize("query", [AS_OF, AS_OF + "&pending=0"], ids=["pending-on", "pending-off"])
def test_the_unit_page_shows_the_units_grid_figures(signed_in, query):
    from etl.measures import analysis

    ds, view = _context(query)
    rows = analysis.unit_rows(ds, view, "nguoi_lam_viec")
    with_pending = rows[(rows["pending"] > 0) & rows["baseline"].notna()].iloc[0]
    behind = rows[(rows["gap"] > 0) & (rows["reduced"] > 0)].iloc[0]
    agency = analysis.unit_rows(ds, view, "cong_chuc").iloc[0]
    for row in (with_pending, behind, agency):
        shown = _unit_page(int(row.unit_id), query)
        assert shown["unit-baseline"] == _vi(row.baseline)
        assert shown["unit-current"] == _vi(row.current)
        assert shown["unit-reduced"] == _vi(row.reduced)
        assert shown["unit-pct"] == _vi(row.reduced_pct, pct=True)
        assert shown["unit-target"] == _vi(row.target)
        assert shown["unit-pct-of-target"] == _vi(row.pct_of_target, pct=True)
        if row.gap >= 0:
            assert shown["unit-gap"] == _vi(row.gap)
        else:
            assert shown["unit-exceeded"] == _vi(-row.gap)
        assert _number(shown["unit-note-baseline"]) - _number(shown["unit-note-current"]) == (
            row.done
        )
        if row.measure == "nguoi_lam_viec":
            assert shown["unit-done"] == _vi(row.done)
            assert shown["unit-pending"] == _vi(row.pending)
            parts = row.done + (row.pending if view.include_pending else 0)
            assert row.reduced == parts
    assert with_pending.pending > 0 and behind.gap > 0


def test_a_unit_without_a_2021_figure_says_so(signed_in):
    from etl.measures import analysis

    ds, view = _context()
    rows = analysis.unit_rows(ds, view, "nguoi_lam_viec")
    row = rows[rows["baseline"].isna() & rows["current"].notna()].iloc[0]
    shown = _unit_page(int(row.unit_id))
    missing = "chưa có số liệu năm 2021"
    for name in ("baseline", "reduced", "pct", "target", "pct-of-target"):
        assert shown[f"unit-{name}"] == missing, name
    assert shown["unit-current"] == _vi(row.current)  # its own latest figure is there
    assert "%" not in "".join(shown[f"unit-{n}"] for n in ("pct", "pct-of-target"))
    assert "unit-gap" not in shown and "unit-reduced-note" not in shown
    assert not math.isnan(row.current)
    began = ds.units.loc[row.unit_id, "valid_from"]
    assert began.year > 2021  # in the sample, a unit established later: the card says why
    assert f"thành lập ngày {began:%d/%m/%Y}, sau năm gốc 2021" in shown["unit-verdict"]


def test_an_ended_unit_points_to_where_its_figures_went(signed_in):
    ds, view = _context()
    from etl.measures.scoping import home_units

    homes = home_units(ds, view.as_of)
    moved = homes[homes["unit_id"] != homes["home_id"]].iloc[0]
    successor = ds.units.loc[moved.home_id, "name"]
    shown = _unit_page(int(moved.unit_id))
    assert "kết thúc hoạt động ngày" in shown["unit-not-existing"]
    assert "30/06/2024" in shown["unit-not-existing"]
    assert shown["unit-successors"].startswith("Số năm 2021 của đơn vị được tính vào: ")
    assert successor in shown["unit-successors"]
    assert "unit-reduced" not in shown


def test_a_unit_page_before_the_baseline_shows_no_figure(signed_in):
    from etl.measures import analysis

    ds, view = _context()
    unit_id = int(analysis.unit_rows(ds, view, "nguoi_lam_viec").iloc[0].unit_id)
    shown = _unit_page(unit_id, "as_of=2020-06-30")
    assert shown["unit-before-baseline"].startswith("Chưa có số liệu: ngày chốt 30/06/2020")
    assert "unit-baseline" not in shown and "unit-reduced" not in shown


@pytest.mark.slow
@pytest.mark.browser
def test_the_unit_page_follows_the_pending_toggle_in_the_browser(dash_duo, sample_app):
    """In Chromium: a unit with pending reductions shows them in its card; unticking «Tính
    cả số chờ phê duyệt» redraws the card without them, and says so."""
    if not (CHROMIUM and CHROMEDRIVER):
        pytest.skip("trình duyệt không có sẵn / Chromium not installed")
    from components import ids
    from etl.measures import analysis

    with sample_app.server.test_request_context():
        ds, view = _context()
        rows = analysis.unit_rows(ds, view, "nguoi_lam_viec")
        row = rows[(rows["pending"] > 0) & (rows["done"] > 0)].iloc[0]
    _sign_in(dash_duo, sample_app, f"/don-vi/{int(row.unit_id)}?{AS_OF}")
    dash_duo.wait_for_text_to_equal("[data-testid=unit-reduced]", _vi(row.reduced), WAIT_S)
    note = dash_duo.find_element("[data-testid=unit-reduced-note]").text
    assert note == (
        f"= {_vi(row.done)} đã thực hiện ({_vi(row.baseline)} − {_vi(row.current)}) "
        f"+ {_vi(row.pending)} chờ phê duyệt"
    )
    dash_duo.find_element(f"#{ids.F_PENDING} input").click()
    dash_duo.wait_for_text_to_equal("[data-testid=unit-reduced]", _vi(row.done), WAIT_S)
    dash_duo.wait_for_contains_text(
        "[data-testid=unit-pending-off]", f"chưa tính {_vi(row.pending)} chờ phê duyệt", WAIT_S
    )
    assert "pending=0" in dash_duo.driver.current_url
    assert _severe(dash_duo.get_logs()) == []


def test_a_unit_outside_the_views_scope_still_shows_its_own_figures(signed_in):
    """The unit's figures do not depend on the district or sector chosen in the filter bar."""
    from etl.measures import analysis

    ds, view = _context()
    rows = analysis.unit_rows(ds, view, "nguoi_lam_viec")
    row = rows[(rows["district"] != "Cờ Đỏ") & rows["baseline"].notna()].iloc[0]
    shown = _unit_page(int(row.unit_id), AS_OF + "&district=Cờ Đỏ&sector=Y tế")
    assert shown["unit-baseline"] == _vi(row.baseline)
    assert shown["unit-reduced"] == _vi(row.reduced)
    assert shown["unit-target"] == _vi(row.target)
