"""Words a user meets that come from the libraries, not from us: they must be Vietnamese too."""

from __future__ import annotations

import re
from pathlib import Path

from components.overview import GRAPH_CONFIG
from components.widgets import DROPDOWN_LABELS, date_picker, dropdown

ROOT = Path(__file__).resolve().parent.parent
# Dash 4 components whose built-in words are English unless set (components/widgets.py sets them)
RAW = re.compile(r"\bdcc\.(Dropdown|DatePickerSingle|DatePickerRange)\(")


def test_pages_build_dropdowns_and_date_pickers_through_the_vietnamese_widgets():
    offenders = [
        f"{path.relative_to(ROOT)}:{n}"
        for folder in ("components", "pages", "web")
        for path in sorted((ROOT / folder).rglob("*.py"))
        if path.name != "widgets.py"
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if RAW.search(line)
    ]
    assert offenders == []


def test_the_widgets_carry_every_label_dash_knows():
    from dash.dcc import Dropdown

    doc = (Dropdown.__doc__ or "").split("`labels` is a dict with keys:", 1)[1]
    doc = doc.split("\n\n    -")[0]
    defaults = re.findall(r"- (\w+) \(string; optional\)", doc)
    assert len(defaults) >= 7  # Dash 4.4: select_all … no_options_found
    assert set(defaults) <= set(DROPDOWN_LABELS), set(defaults) - set(DROPDOWN_LABELS)
    assert dropdown(id="x").labels == DROPDOWN_LABELS
    assert dropdown(id="x").placeholder == "Chọn…"
    picker = date_picker(id="d")
    assert (picker.display_format, picker.placeholder) == ("DD/MM/YYYY", "dd/mm/yyyy")


def test_no_chart_button_sends_data_out():
    assert GRAPH_CONFIG["showSendToCloud"] is False
    assert "sendChartToCloud" in GRAPH_CONFIG["modeBarButtonsToRemove"]
    assert GRAPH_CONFIG["locale"] == "vi" and GRAPH_CONFIG["locales"]["vi"]["dictionary"]


def test_the_date_picker_locale_is_served_from_this_server():
    script = (ROOT / "assets" / "date_fns_locale_vi.js").read_text(encoding="utf-8")
    assert "window.dateFns" in script and "http" not in script.split("*/", 1)[1]
