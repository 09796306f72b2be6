"""Export speed on the sample city, measured in one run:

    .venv/bin/python bench/bench_exports.py

- one chart with a fresh browser per call (plotly's default without a kaleido server);
- the same chart through the app's renderer (one kaleido session reused);
- the full report PDF and Word, cold (first, starts the browser) and warm;
- the consolidated workbook and the data workbook.
"""

from __future__ import annotations

import datetime as dt
import sys
import tempfile
import time
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import plotly.io as pio  # noqa: E402

from etl import service  # noqa: E402
from etl.measures import metrics  # noqa: E402
from etl.measures.cache import load_dataset  # noqa: E402
from etl.measures.query import ResolvedView  # noqa: E402
from reporting import report  # noqa: E402
from reporting.charts import ChartContext, build_chart  # noqa: E402
from reporting.render import ChartRenderer, find_browser  # noqa: E402


def timed(fn, *args):
    start = time.perf_counter()
    result = fn(*args)
    return time.perf_counter() - start, result


def main() -> None:
    if not find_browser():
        print("Không có Chromium: cài chromium để đo xuất biểu đồ.")
        return
    with tempfile.TemporaryDirectory() as tmp:
        service.migrate(f"sqlite:///{tmp}/bench.sqlite3")
        engine = service.open_engine(f"sqlite:///{tmp}/bench.sqlite3")
        service.load_sample(engine)
        ds = load_dataset(engine)
        as_of = dt.date(2024, 6, 30)
        summary = metrics.summary(ds, as_of)
        ctx = ChartContext(ds, summary, ResolvedView(as_of))
        fig = build_chart("lo-trinh-cong-chuc", ctx)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            fresh, _ = timed(lambda: pio.to_image(fig, format="png", width=900, height=420))
        renderer = ChartRenderer()
        try:
            cold_pdf, pdf = timed(report.report_pdf, ctx, renderer)
            warm_chart, _ = timed(lambda: renderer.render(fig, "png"))
            warm_pdf, _ = timed(report.report_pdf, ctx, renderer)
            warm_docx, _ = timed(report.report_docx, ctx, renderer)
        finally:
            renderer.close()
        t_tonghop, _ = timed(report.consolidated_xlsx, ctx)
        t_data, _ = timed(report.data_xlsx, ctx)
        print("exports on the sample city (seconds)")
        print(f"  chart PNG, new browser per call     {fresh:6.2f}")
        ratio = fresh / warm_chart
        print(f"  chart PNG, reused session           {warm_chart:6.2f}   {ratio:5.1f}x faster")
        print(f"  report PDF, first (starts browser)  {cold_pdf:6.2f}   {len(pdf) / 1e6:.1f} MB")
        print(f"  report PDF, warm                    {warm_pdf:6.2f}")
        print(f"  report Word, warm                   {warm_docx:6.2f}")
        print(f"  consolidated workbook               {t_tonghop:6.2f}")
        print(f"  data workbook                       {t_data:6.2f}")


if __name__ == "__main__":
    main()
