"""The grid's own words (AG Grid's locale keys) are all given in Vietnamese: the filter menu, the
floating filters' labels a screen reader reads («Filter Input», «Open Filter Menu»), the page-size
selector. The English defaults are read from the installed dash-ag-grid bundle, so a key a new
version adds shows up here."""

from __future__ import annotations

import re
from pathlib import Path

import dash_ag_grid

from components.grids import LOCALE_TEXT

BUNDLE = Path(dash_ag_grid.__file__).with_name("dash_ag_grid.min.js").read_text(encoding="utf-8")
# the relative-date presets belong to the date filter's preset list, which no grid here offers
PRESETS = re.compile(r"^(yesterday|today|tomorrow|last|this|next|yearToDate)")


def _aria_defaults() -> dict[str, str]:
    return dict(re.findall(r'\("(aria[A-Za-z]+)",\s*"([^"]*)"', BUNDLE))


def _filter_defaults() -> dict[str, str]:
    start = BUNDLE.index('applyFilter:"Apply"')
    end = BUNDLE.index("filterSummaryInRangeValues", start)
    pairs = re.findall(r'(?:^|[,{])([A-Za-z0-9]+):"([^"]*)"', BUNDLE[start:end])
    return {k: v for k, v in pairs if re.search("[A-Za-z]", v) and not PRESETS.match(k)}


def test_every_label_a_screen_reader_reads_in_a_grid_is_vietnamese():
    defaults = _aria_defaults()
    assert {"ariaFilterInput", "ariaFilterMenuOpen", "ariaPageSizeSelectorLabel"} <= set(defaults)
    missing = {k: v for k, v in defaults.items() if k not in LOCALE_TEXT}
    assert not missing, missing


def test_every_word_of_the_filter_menus_is_vietnamese():
    defaults = _filter_defaults()
    assert {"filterOoo", "equals", "inRange"} <= set(defaults)
    missing = {k: v for k, v in defaults.items() if k not in LOCALE_TEXT}
    assert not missing, missing
    english = {k: v for k, v in LOCALE_TEXT.items() if v == defaults.get(k) and v.isascii()}
    assert not english, english
