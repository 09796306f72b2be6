"""The product at city and national size, each figure measured in one run against its reference.

    .venv/bin/python bench/bench_scale.py [--provinces 34] [--units 1500] [--repeat 20]
                                          [--postgres] [--skip-report] [--baseline DIR]
                                          [--out bench/results.json]

- city: the committed sample returns (data/sample, 40 files);
- national: `devdata.scale.write_scale` (34 provinces of about 1.500 agencies and units, 2021-2026,
  with reorganisations) written to a temporary directory (`--provinces 4`: a quick look; the
  goals are for the default).

For each: the periods of the files' cut-off dates opened, then the full ingest (checks,
matching, load into a fresh SQLite database, each return approved as `etl ingest --approve`
does) against the naive reference (bench/naive_ingest.py: pandas.read_excel + to_sql of the
same files) and the bare python-calamine read; one more return at a time onto the loaded
database (`ingest_ms_per_return`); the summary at every scope and several cut-off dates, each
combination computed once on a freshly loaded dataset; then, in a separate process that is the
app (app.py on that database, signed in through the login form like tests.conftest.login),
every dashboard callback through Flask's test client, the report PDF
(reporting.report.report_pdf with a reporting.render.ChartRenderer) and the peak RSS of that
process; then `python app.py` itself over HTTP (bench/bench_server.py: the first view after
the start, views nobody asked before, an upload end to end, the view after an approved
return), and with `--baseline DIR` the same for the app.py of another checkout (e.g. main),
side by side. Writes bench/results.json ({"city": {...}, "national": {...}}) and prints a
table with the goals. `--postgres` also ingests both sets into TEST_DATABASE_URL (a fresh
schema).
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import json
import math
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.builders import dash_page_request, dash_request, units_rows_requests  # noqa: E402

GOALS = {  # key: goal at national scale (issue 14), every one "at most"
    "first_view_after_start_ms": 1000.0,
    "cold_view_p95_ms": 200.0,
    "view_after_upload_ms": 300.0,
    "upload_e2e_ms": 300.0,
    "ingest_ms_per_return": 15.0,
    "ingest_vs_naive": 0.5,
    "summary_p95_ms": 100.0,
    "callback_p95_ms": 200.0,
    "peak_rss_mb": 1024.0,
    "report_pdf_s": 5.0,
}
ADMIN = ("admin", "mat-khau-do-hieu-nang-quoc-gia")


def p95(times: list[float]) -> float:
    """The 95th percentile by nearest rank (of 20 calls, the 19th fastest)."""
    ordered = sorted(times)
    return ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)]


# ---------------------------------------------------------------- ingest


def bare_read(blobs: list[bytes]) -> int:
    """The reference: every sheet of every file read by python-calamine, values only."""
    import python_calamine

    cells = 0
    for blob in blobs:
        wb = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(blob))
        for name in wb.sheet_names:
            rows = wb.get_sheet_by_name(name).to_python(skip_empty_area=False)
            cells += sum(len(r) for r in rows)
    return cells


def ingest_all(
    url: str, named: list[tuple[str, bytes]], uploads: Path, *, bulk: bool = True
) -> tuple[float, Any]:
    """Ingest every file in order through the product's path, each approved at once (as
    `etl ingest --approve`), into the open periods of their cut-off dates; (seconds, engine).
    `bulk`:
    as `python -m etl ingest` does (etl.ingest.load.ingest_many: the next files are read in child
    processes while one is stored); otherwise one `ingest_bytes` after the other, as uploads
    arrive one at a time."""
    from etl import service
    from etl.ingest.load import ingest_bytes, ingest_many

    service.migrate(url)
    engine = service.open_engine(url)
    open_periods(engine, named)
    start = time.perf_counter()
    if bulk:
        results = ingest_many(engine, named, uploads_dir=uploads, approve=True)
    else:
        results = (
            ingest_bytes(engine, blob, name, uploads_dir=uploads, approve=True)
            for name, blob in named
        )
    for result in results:
        if result.status != "accepted":
            errors = [p.as_dict() for p in result.errors][:3]
            raise SystemExit(f"{result.file_name}: {result.status} {errors}")
    return time.perf_counter() - start, engine


def open_periods(engine: Any, named: list[tuple[str, bytes]]) -> None:
    """The reporting periods of the files' cut-off dates (the date their names begin with),
    open, as the Department opens them before returns arrive."""
    import re

    from etl.storage import periods

    found = (re.match(r"(\d{4}-\d\d-\d\d)_", n) for n, _ in named)
    dates = {dt.date.fromisoformat(m[1]) for m in found if m}
    with engine.begin() as conn:
        for as_of in sorted(dates):
            if periods.find_for_as_of(conn, as_of) is None:
                periods.add(conn, name=periods.default_name(as_of), as_of=as_of,
                            deadline=as_of + dt.timedelta(days=15), actor="bench")  # fmt: skip


def stored_rows(engine: Any) -> dict[str, int]:
    """Form rows stored: unit rows (distinct submission, sheet, unit among the figures),
    events and plan rows; and the figures themselves."""
    from sqlalchemy import text

    with engine.connect() as conn:
        one = lambda sql: int(conn.execute(text(sql)).scalar_one())  # noqa: E731
        units = one(
            "SELECT COUNT(*) FROM (SELECT DISTINCT submission_id, sheet, unit_id FROM fact) t"
        )
        return {
            "unit_rows": units,
            "events": one("SELECT COUNT(*) FROM event"),
            "targets": one("SELECT COUNT(*) FROM target"),
            "facts": one("SELECT COUNT(*) FROM fact"),
        }


def measure_ingest(
    url: str, named: list[tuple[str, bytes]], paths: list[Path], tmp: Path
) -> tuple[dict, Any]:
    from naive_ingest import naive_ingest

    blobs = [b for _, b in named]
    cells = bare_read(blobs)  # warm-up: imports, page cache
    start = time.perf_counter()
    bare_read(blobs)
    t_bare = time.perf_counter() - start
    t_naive = naive_ingest(paths, f"sqlite:///{tmp / 'bench_naive.sqlite3'}")
    t_ingest, engine = ingest_all(url, named, tmp / "uploads")
    rows = stored_rows(engine)
    n_rows = rows["unit_rows"] + rows["events"] + rows["targets"]
    return {
        "files": len(named),
        "cells": cells,
        "rows": n_rows,
        "facts": rows["facts"],
        "bare_read_s": round(t_bare, 3),
        "naive_ingest_s": round(t_naive, 2),
        "ingest_s": round(t_ingest, 2),
        "ingest_rows_per_s": round(n_rows / t_ingest, 1),
        "ingest_facts_per_s": round(rows["facts"] / t_ingest, 1),
        "ingest_vs_naive": round(t_ingest / t_naive, 2),
        "ingest_ms_per_file": round(t_ingest / len(named) * 1000, 2),
    }, engine


def measure_one_at_a_time(
    engine: Any, named: list[tuple[str, bytes]], uploads: Path, n: int = 15
) -> dict[str, Any]:
    """`n` returns of the set sent again one at a time (other bytes, the same figures, each
    superseding its stored values) onto the loaded database, each approved: ms per return."""
    from bench_server import variant

    from etl.ingest.load import ingest_bytes

    picked = named[:: max(1, len(named) // n)][:n]
    times = []
    for i, (name, blob) in enumerate(picked):
        blob = variant(blob, f"one at a time {i}")
        start = time.perf_counter()
        result = ingest_bytes(engine, blob, f"lan2_{name}", uploads_dir=uploads, approve=True)
        times.append((time.perf_counter() - start) * 1000)
        if result.status != "accepted":
            raise SystemExit(f"{name}: {result.status} {[p.as_dict() for p in result.errors][:3]}")
    return {
        "ingest_ms_per_return": round(statistics.median(times), 1),
        "ingest_ms_per_return_max": round(max(times), 1),
    }


def ingest_stages(named: list[tuple[str, bytes]], sample_every: int) -> dict[str, float]:
    """Where a file's ingest time goes, on every `sample_every`-th file, in milliseconds per
    file: the bare calamine read (the reference), the workbook read in process (package and
    sheet checks, calamine, formula positions: etl/reading/package.py and sheets.py), the same
    in its isolated child process, the form reader (etl/reading/reader.py) in process, and both
    in the child (`isolated_read_forms`: what ingest does, read_forms, results sent back)."""
    from etl.core.problems import ProblemLog
    from etl.core.settings import load_settings
    from etl.reading.limits import Limits
    from etl.reading.reader import read_forms, read_grids, read_workbook_sheets
    from etl.reading.sheets import read_grids_in_process

    picked = named[::sample_every]
    limits = Limits.from_settings(load_settings())
    stages = ("bare_read", "in_process_read", "isolated_read", "reader", "isolated_read_forms")
    t = dict.fromkeys(stages, 0.0)
    for name, blob in picked:
        start = time.perf_counter()
        bare_read([blob])
        t["bare_read"] += time.perf_counter() - start
        start = time.perf_counter()
        read_grids_in_process(blob, "xlsx", ProblemLog(name), limits)
        t["in_process_read"] += time.perf_counter() - start
        log = ProblemLog(name)
        start = time.perf_counter()
        grids = read_grids(blob, name, log, limits)
        t["isolated_read"] += time.perf_counter() - start
        start = time.perf_counter()
        read_workbook_sheets(grids, log)
        t["reader"] += time.perf_counter() - start
        start = time.perf_counter()
        read_forms(blob, name, ProblemLog(name), limits)
        t["isolated_read_forms"] += time.perf_counter() - start
    return {k: round(v / len(picked) * 1000, 2) for k, v in t.items()}


# ---------------------------------------------------------------- summary


def summary_views(ds: Any, dates: list[dt.date], n_units: int = 12) -> list[tuple[dt.date, Any]]:
    """Every kind of scope (the whole set, districts, every sector and kind, single units with
    and without predecessors, a district and sector together) at every cut-off date."""
    from etl.measures.scoping import KIND_CHOICES, Filter

    units = ds.units
    districts = units.dropna(subset=["district"]).drop_duplicates("district_key")["district"]
    flts = [Filter()]
    flts += [Filter(district=d, label=d) for d in districts.iloc[:: max(1, len(districts) // 12)]]
    flts += [Filter(sector=s, label=s) for s in sorted(units["sector"].dropna().unique())]
    flts += [Filter(kind=k, label=k) for k in KIND_CHOICES]
    merged_into = sorted(set(ds.event_units["unit_id"])) if len(ds.event_units) else []
    picks = merged_into[:: max(1, len(merged_into) // (n_units // 2))][: n_units // 2]
    picks += list(units["id"].iloc[:: max(1, len(units) // (n_units // 2))][: n_units // 2])
    flts += [Filter(unit_id=int(u), label=str(u)) for u in picks]
    if len(districts):
        flts.append(Filter(district=districts.iloc[0], sector="Giáo dục và Đào tạo"))
    return [(when, flt) for when in dates for flt in flts]


def measure_summaries(engine: Any, dates: list[dt.date]) -> dict[str, Any]:
    from etl.measures import metrics
    from etl.measures.cache import load_dataset

    start = time.perf_counter()
    ds = load_dataset(engine)
    load_s = time.perf_counter() - start
    views = summary_views(ds, dates)
    times = []
    for when, flt in views:  # each (cut-off, scope) once: no answer is served twice
        start = time.perf_counter()
        metrics.summary(ds, when, flt)
        times.append((time.perf_counter() - start) * 1000)
    repeat = []
    for when, flt in views[:: max(1, len(views) // 40)]:
        start = time.perf_counter()
        metrics.summary(ds, when, flt)
        repeat.append((time.perf_counter() - start) * 1000)
    return {
        "dataset_load_s": round(load_s, 2),
        "summary_views": len(views),
        "summary_first_ms": round(times[0], 1),
        "summary_p50_ms": round(statistics.median(times), 1),
        "summary_p95_ms": round(p95(times), 1),
        "summary_max_ms": round(max(times), 1),
        "summary_repeat_p95_ms": round(p95(repeat), 1),
    }


def resubmitted(named: list[tuple[str, bytes]]) -> tuple[str, bytes]:
    """One more return: the largest file of the set sent again as a new file (other bytes:
    a zip comment; the same figures, each superseding its stored value)."""
    import zipfile

    name, blob = max(named, key=lambda item: len(item[1]))
    buffer = io.BytesIO(blob)
    with zipfile.ZipFile(buffer, "a") as archive:
        archive.comment = b"gui lai / sent again"
    return f"gui_lai_{name}", buffer.getvalue()


def measure_refresh(engine: Any, named: list[tuple[str, bytes]], uploads: Path) -> dict:
    """The first Dataset fetch through `DatasetCache.get` after one more accepted upload on
    top of the stored set (the cache holding the Dataset of the set before it)."""
    from etl.ingest.load import ingest_bytes
    from etl.measures.cache import DatasetCache
    from etl.storage import db

    cache = DatasetCache()
    cache.get(engine)
    name, blob = resubmitted(named)
    result = ingest_bytes(engine, blob, name, uploads_dir=uploads, approve=True)
    if result.status != "accepted":
        raise SystemExit(f"{name}: {result.status} {[p.as_dict() for p in result.errors][:3]}")
    start = time.perf_counter()
    dataset = cache.get(engine)
    refresh_s = time.perf_counter() - start
    assert dataset.version == db.data_version(engine)
    return {
        "dataset_refresh_s": round(refresh_s, 3),
        "dataset_refresh_facts": int(result.counts.get("facts", 0)),
    }


# ---------------------------------------------------------------- the app, in its own process


def callbacks(view: str, district: str, sector: str, unit: int, merged: int, year: int) -> dict:
    """Every callback of the dashboard's pages, as the browser posts it."""
    from urllib.parse import quote

    by_district = f"{view}&district={quote(district)}"
    by_sector = f"{view}&sector={quote(sector)}&kind=don_vi_su_nghiep"
    overview = "overview-content.children"
    return {
        "page layout: overview": dash_page_request("/", view),
        "page layout: unit": dash_page_request(f"/don-vi/{unit}", view),
        "page layout: merged unit": dash_page_request(f"/don-vi/{merged}", view),
        "page layout: reorganisation": dash_page_request("/sap-xep", view),
        "page layout: tracker": dash_page_request("/theo-doi", view),
        "overview": dash_request(overview, [("url", "search", view)]),
        "overview (district)": dash_request(overview, [("url", "search", by_district)]),
        "overview (sector, kind)": dash_request(overview, [("url", "search", by_sector)]),
        "units (người làm việc)": dash_request(
            "units-content.children",
            [("url", "search", view), ("units-measure", "value", "nguoi_lam_viec"),
             ("units-group-by", "value", "district")],
        ),
        "units (công chức)": dash_request(
            "units-content.children",
            [("url", "search", view), ("units-measure", "value", "cong_chuc"),
             ("units-group-by", "value", "sector")],
        ),
        "units (district)": dash_request(
            "units-content.children",
            [("url", "search", by_district), ("units-measure", "value", "nguoi_lam_viec"),
             ("units-group-by", "value", "kind_label")],
        ),
        **units_rows_requests(view),
        "analysis": dash_request(
            "analysis-content.children",
            [("url", "search", view), ("analysis-measure", "value", "nguoi_lam_viec")],
        ),
        "reorganisation": dash_request("reorg-content.children", [("url", "search", view)]),
        "lineage": dash_request("reorg-lineage.children", [("reorg-unit", "value", merged)]),
        "tracker": dash_request(
            "tracker-content.children", [("url", "search", view), ("tracker-period", "value", None)]
        ),
        "admin": dash_request("admin-content.children", [("admin-url", "pathname", "/quan-tri")]),
    }  # fmt: skip


def shell_request(dash_app: Any, view: str) -> dict[str, Any]:
    """The filter bar's callback (the URL → the controls), as the browser posts it on load:
    its inputs as the callback map has them now, the URL's query string the one set."""
    key = next(k for k in dash_app.callback_map if k.startswith("..url.search...filter-"))
    spec = dash_app.callback_map[key]
    inputs = [{**dep, "value": None} for dep in spec["inputs"]]
    inputs[0]["value"] = view
    outputs = [
        {"id": part.rsplit(".", 1)[0], "property": part.rsplit(".", 1)[1]}
        for part in key.strip(".").split("...")
    ]
    return {"output": key, "outputs": outputs, "inputs": inputs, "state": [],
            "changedPropIds": ["url.search"]}  # fmt: skip


def completed(dash_app: Any, body: dict[str, Any]) -> dict[str, Any]:
    """`body` with every input and state its callback now has (those not given: None), so
    that a callback that gained a control is still posted as the browser posts it."""
    spec = dash_app.callback_map.get(body["output"])
    deps = (spec or {}).get("inputs", []) + body["inputs"]
    if spec is None or any(isinstance(d["id"], dict) for d in deps):  # a pattern: as given
        return body
    given = {(d["id"], d["property"]): d.get("value") for d in body["inputs"] + body["state"]}
    fill = lambda deps: [{**d, "value": given.get((d["id"], d["property"]))} for d in deps]  # noqa: E731
    return {**body, "inputs": fill(spec["inputs"]), "state": fill(spec["state"])}


def tracker_rows_requests(dash_app: Any, view: str, as_of: str) -> dict[str, Any]:
    """Pages of the tracker's units grid (served a page at a time) for the period of the
    view's cut-off, as the browser asks for them: the first page, and a later page of a
    filtered view sorted by name. None when the app has no such grid or no such period."""
    from etl.measures import tracking
    from tests.builders import grid_rows_request

    if not any(k.startswith('{"period"') and "tracker-units" in k for k in dash_app.callback_map):
        return {}
    engine = dash_app.server.extensions["tgbc_engine"]
    period = tracking.choose_period(
        tracking.list_periods(engine), None, dt.date.fromisoformat(as_of)
    )
    if period is None:
        return {}
    grid = {"type": "tracker-units", "search": view, "period": period.id}
    filtered = {"name": {"filterType": "text", "type": "contains", "filter": "truong"}}
    return {
        "tracker rows (first page)": grid_rows_request(grid, {"startRow": 0, "endRow": 100}),
        "tracker rows (filtered, by name, page 3)": grid_rows_request(
            grid,
            {
                "startRow": 200,
                "endRow": 300,
                "filterModel": filtered,
                "sortModel": [{"colId": "name", "sort": "asc"}],
            },
        ),
    }


def app_worker(args: dict[str, Any]) -> None:
    """Runs as the app's process: callbacks, the report, peak RSS; writes args['out']."""
    os.environ["DATA_DIR"] = args["data_dir"]
    os.environ["DATABASE_URL"] = args["url"]
    os.environ["ADMIN_USER"], os.environ["ADMIN_PASSWORD"] = ADMIN
    start = time.perf_counter()
    from app import create_app, warm
    from etl.core.settings import load_settings
    from tests.conftest import login
    from web.bootstrap import bootstrap

    settings = load_settings()
    bootstrap(settings)
    dash_app = create_app(settings)
    warm(dash_app.server)  # as `python app.py` and gunicorn's workers do before serving
    out: dict[str, Any] = {"app_start_s": round(time.perf_counter() - start, 2)}
    client = dash_app.server.test_client()
    csrf = login(client, *ADMIN)
    client.environ_base["HTTP_X_CSRFTOKEN"] = csrf
    start = time.perf_counter()
    assert client.get("/_dash-layout").status_code == 200
    out["first_request_s"] = round(time.perf_counter() - start, 2)
    cold, warm = {}, {}
    dash_app._setup_server()  # done by warm's request already; the callback map is complete
    bodies = {
        "shell: filters from the URL": shell_request(dash_app, args["view"]),
        **callbacks(
            args["view"], args["district"], args["sector"], args["unit"], args["merged"],
            args["year"],
        ),
    }  # fmt: skip
    bodies.update(tracker_rows_requests(dash_app, args["view"], args["as_of"]))
    bodies = {name: completed(dash_app, body) for name, body in bodies.items()}
    for name, body in bodies.items():
        times = []
        for _ in range(args["repeat"]):
            start = time.perf_counter()
            response = client.post("/_dash-update-component", json=body)
            times.append((time.perf_counter() - start) * 1000)
            if response.status_code not in (200, 204):
                raise SystemExit(f"{name}: {response.status_code} {response.data[:300]!r}")
        cold[name] = round(times[0], 1)
        warm[name] = round(p95(times), 1)
        sizes = len(response.data)
        out.setdefault("response_kb", {})[name] = round(sizes / 1024, 1)
    times = []
    for _ in range(args["repeat"]):
        start = time.perf_counter()
        client.get("/_dash-layout")
        times.append((time.perf_counter() - start) * 1000)
    warm["shell layout (filter options)"] = round(p95(times), 1)
    times = []
    for _ in range(args["repeat"]):
        start = time.perf_counter()
        assert client.get(f"/api/v1/summary{args['view']}").status_code == 200
        times.append((time.perf_counter() - start) * 1000)
    warm["API /api/v1/summary"] = round(p95(times), 1)
    out["callback_p95_ms"] = warm
    out["callback_first_ms"] = cold
    name = max(warm, key=warm.get)
    out["callback_p95_ms_max"] = {"callback": name, "ms": warm[name]}
    if not args["skip_report"]:
        from etl import service
        from etl.measures import metrics
        from etl.measures.query import ResolvedView
        from reporting import report
        from reporting.charts import ChartContext
        from reporting.render import ChartRenderer, find_browser

        if find_browser():
            engine = dash_app.server.extensions["tgbc_engine"]
            ds = dash_app.server.extensions["tgbc_cache"].get(engine)
            as_of = dt.date.fromisoformat(args["as_of"])
            view = ResolvedView(as_of)
            renderer = ChartRenderer()
            try:
                start = time.perf_counter()
                summary = metrics.summary(ds, as_of, view.filter)
                ctx = ChartContext(ds, summary, view)
                pdf = report.report_pdf(ctx, renderer)
                out["report_pdf_cold_s"] = round(time.perf_counter() - start, 2)
                start = time.perf_counter()
                summary = metrics.summary(ds, as_of, view.filter)
                ctx = ChartContext(ds, summary, view)
                pdf = report.report_pdf(ctx, renderer)
                out["report_pdf_s"] = round(time.perf_counter() - start, 2)
                out["report_pdf_kb"] = round(len(pdf) / 1024)
            finally:
                renderer.close()
            del service
        else:
            out["report_pdf_s"] = None
            out["report_pdf_note"] = "no Chromium"
    out["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    out["peak_rss_children_mb"] = round(
        resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024, 1
    )
    dash_app.server.extensions["tgbc_renderer"].close()
    Path(args["out"]).write_text(json.dumps(out, ensure_ascii=False))


def measure_app(
    url: str, data_dir: Path, view_args: dict[str, Any], repeat: int, skip: bool
) -> dict:
    out_path = data_dir / f"app_{uuid.uuid4().hex[:6]}.json"
    args = {**view_args, "url": url, "data_dir": str(data_dir), "repeat": repeat,
            "skip_report": skip, "out": str(out_path)}  # fmt: skip
    subprocess.run(
        [sys.executable, __file__, "--app-worker", json.dumps(args)], check=True, cwd=ROOT
    )
    return json.loads(out_path.read_text())


def view_args(engine: Any, as_of: dt.date) -> dict[str, Any]:
    """A district, a sector, a plain unit and a unit with predecessors of the stored data."""
    from etl.measures.cache import load_dataset
    from etl.measures.scoping import home_units

    ds = load_dataset(engine)
    units = ds.units
    homes = home_units(ds, as_of)
    merged = homes.loc[homes["unit_id"] != homes["home_id"], "home_id"]
    district = units["district"].dropna()
    return {
        "as_of": as_of.isoformat(),
        "view": f"?as_of={as_of.isoformat()}",
        "district": str(district.iloc[len(district) // 2]) if len(district) else "",
        "sector": "Giáo dục và Đào tạo",
        "unit": int(units["id"].iloc[len(units) // 3]),
        "merged": int(merged.iloc[0]) if len(merged) else int(units["id"].iloc[0]),
        "year": as_of.year,
    }


# ---------------------------------------------------------------- one scale


def matches(engine: Any, totals: dict[str, Any]) -> bool:
    """The product's figures at the cut-off equal those the generator intended."""
    from etl.measures import metrics
    from etl.measures.cache import load_dataset

    ds = load_dataset(engine)
    s = metrics.summary(ds, dt.date.fromisoformat(totals["as_of"]))
    same = all(s[m][k] == v for m in ("cong_chuc", "nguoi_lam_viec") for k, v in totals[m].items())
    same &= all(s[k] == totals[k] for k in ("streamlined", "reorganization", "job_positions"))
    same &= len(s["missing"]) == totals["missing"] and len(ds.events) == totals["events"]
    return bool(same and len(ds.units) == totals["units"]["total"])


def view_choices(engine: Any, dates: list[dt.date]) -> dict[str, list[Any]]:
    """What the filter bar offers on the stored data: cut-offs, districts, sectors, kinds."""
    from etl.measures.cache import load_dataset
    from etl.measures.scoping import KIND_CHOICES

    units = load_dataset(engine).units
    return {
        "as_of": [d.isoformat() for d in dates],
        "district": sorted(units["district"].dropna().unique().tolist()),
        "sector": sorted(units["sector"].dropna().unique().tolist()),
        "kind": list(KIND_CHOICES),
    }


def measure_servers(
    url: str, tmp: Path, named: list[tuple[str, bytes]], choices: dict[str, list[Any]],
    baseline: Path | None,
) -> dict[str, Any]:  # fmt: skip
    """bench_server.measure_server for this checkout, then (`baseline`) for another one."""
    from bench_server import measure_server, variant

    from etl import service
    from etl.ingest.load import ingest_bytes

    by_size = sorted(named, key=lambda item: len(item[1]))
    typical = by_size[len(by_size) // 2]
    engine = service.open_engine(url)
    count = iter(range(1000))

    def approve_one() -> None:
        name, blob = typical
        n = next(count)
        result = ingest_bytes(engine, variant(blob, f"approved {n}"), f"duyet_{n}_{name}",
                              uploads_dir=tmp / "uploads", approve=True)  # fmt: skip
        assert result.status == "accepted", result.errors[:3]

    try:
        out = measure_server(ROOT, url, tmp, ADMIN, choices, typical, approve_one)
        if baseline is not None:
            out["baseline"] = measure_server(
                baseline, url, tmp / "baseline", ADMIN, choices, typical, approve_one
            )
            out["baseline"]["root"] = str(baseline)
    finally:
        engine.dispose()
    return out


def run_scale(
    label: str,
    files: list[Path],
    as_of: dt.date,
    dates: list[dt.date],
    args: argparse.Namespace,
    totals: dict[str, Any] | None = None,
) -> dict[str, Any]:
    named = [(f.name, f.read_bytes()) for f in files]
    with tempfile.TemporaryDirectory() as tmp:
        tmp_path = Path(tmp)
        url = f"sqlite:///{tmp_path / 'bench.sqlite3'}"
        print(f"[{label}] ingest of {len(named)} files, and the naive reference …", flush=True)
        result, engine = measure_ingest(url, named, files, tmp_path)
        result["ingest_stages_ms_per_file"] = ingest_stages(named, max(1, len(named) // 60))
        if totals is not None:
            result["totals_match_manifest"] = matches(engine, totals)
        print(f"[{label}] summaries …", flush=True)
        result.update(measure_summaries(engine, dates))
        result.update(measure_refresh(engine, named, tmp_path / "uploads"))
        result.update(measure_one_at_a_time(engine, named, tmp_path / "uploads"))
        vargs = view_args(engine, as_of)
        choices = view_choices(engine, dates)
        engine.dispose()
        print(f"[{label}] the app: callbacks, report, memory …", flush=True)
        result.update(measure_app(url, tmp_path, vargs, args.repeat, args.skip_report))
        print(f"[{label}] python app.py over HTTP …", flush=True)
        result.update(measure_servers(url, tmp_path / "server", named, choices, args.baseline))
        if args.postgres and os.environ.get("TEST_DATABASE_URL"):
            print(f"[{label}] PostgreSQL: ingest and dataset load …", flush=True)
            pg = result["postgresql"] = measure_postgres(named, tmp_path)
            pg["ingest_vs_naive"] = round(pg["ingest_s"] / result["naive_ingest_s"], 2)
        elif args.postgres:
            print("--postgres: TEST_DATABASE_URL is not set; PostgreSQL skipped", flush=True)
    return result


def measure_postgres(named: list[tuple[str, bytes]], tmp: Path) -> dict[str, Any]:
    from sqlalchemy import text

    from etl.measures.cache import load_dataset
    from etl.storage import db

    base = os.environ["TEST_DATABASE_URL"]
    schema = f"bench_{uuid.uuid4().hex[:10]}"
    admin = db.make_engine(base)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    sep = "&" if "?" in base else "?"
    url = f"{base}{sep}options=-csearch_path%3D{schema}"
    try:
        t_ingest, engine = ingest_all(url, named, tmp / "uploads_pg")
        rows = stored_rows(engine)
        start = time.perf_counter()
        load_dataset(engine)
        load_s = time.perf_counter() - start
        engine.dispose()
        n_rows = rows["unit_rows"] + rows["events"] + rows["targets"]
        return {
            "ingest_s": round(t_ingest, 2),
            "ingest_rows_per_s": round(n_rows / t_ingest, 1),
            "dataset_load_s": round(load_s, 2),
            **measure_refresh(engine, named, tmp / "uploads_pg"),
        }
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


# ---------------------------------------------------------------- the table


def verdict(key: str, scale: str, value: float | None) -> str:
    if key not in GOALS or scale != "national" or value is None:
        return ""
    goal = GOALS[key]
    if value <= goal:
        return "met"
    return f"missed by {value - goal:,.1f} ({value / goal:.1f}× the goal)"


ROWS = (  # key, unit, how it is got from a scale's results
    ("first_view_after_start_ms", "ms", lambda r: r.get("first_view_after_start_ms")),
    ("cold_view_p95_ms", "ms", lambda r: r.get("cold_view_p95_ms")),
    ("view_after_upload_ms", "ms", lambda r: r.get("view_after_upload_ms")),
    ("upload_e2e_ms", "ms", lambda r: r.get("upload_e2e_ms")),
    ("ingest_ms_per_return", "ms", lambda r: r.get("ingest_ms_per_return")),
    ("ingest_vs_naive", "×", lambda r: r.get("ingest_vs_naive")),
    ("summary_p95_ms", "ms", lambda r: r.get("summary_p95_ms")),
    ("callback_p95_ms", "ms (slowest)", lambda r: r.get("callback_p95_ms_max", {}).get("ms")),
    ("peak_rss_mb", "MB", lambda r: r.get("peak_rss_mb")),
    ("report_pdf_s", "s", lambda r: r.get("report_pdf_s")),
    ("server_start_s", "s", lambda r: r.get("server_start_s")),
    ("first_page_ms", "ms", lambda r: r.get("first_page_ms")),
    ("ingest_rows_per_s", "rows/s", lambda r: r.get("ingest_rows_per_s")),
    ("dataset_load_s", "s", lambda r: r.get("dataset_load_s")),
    ("dataset_refresh_s", "s", lambda r: r.get("dataset_refresh_s")),
)


def show(value: float | None) -> str:
    return "—" if value is None else f"{value:,.2f}" if value < 10 else f"{value:,.1f}"


def print_table(results: dict[str, dict[str, Any]]) -> None:
    print()
    head = f"{'key':26} {'unit':>13} {'city':>10} {'national':>10}  {'goal (national)':16} national"
    print(head)
    print("-" * len(head))
    for key, unit, get in ROWS:
        city, nat = (get(results.get(s, {})) for s in ("city", "national"))
        goal = f"≤ {GOALS[key]:g}" if key in GOALS else "—"
        print(
            f"{key:26} {unit:>13} {show(city):>10} {show(nat):>10}  {goal:16} "
            f"{verdict(key, 'national', nat)}"
        )
    for scale, r in results.items():
        base = r.get("baseline") if isinstance(r, dict) else None
        if base:
            print(f"\n{scale}: this checkout beside {base['root']} (the same run, over HTTP)")
            for key in (
                "server_start_s", "first_view_after_start_ms", "first_page_ms",
                "cold_view_p95_ms", "cold_view_p50_ms", "upload_e2e_ms", "view_cached_ms",
                "view_after_upload_ms", "units_after_upload_ms",
            ):  # fmt: skip
                print(f"  {key:28} {show(r.get(key)):>10} {show(base.get(key)):>10}")
    for scale, r in results.items():
        if isinstance(r, dict) and "callback_p95_ms" in r:
            print(f"\ncallbacks, {scale} (ms: p95 of warm calls / first call after a load)")
            for name, ms in r["callback_p95_ms"].items():
                first = r.get("callback_first_ms", {}).get(name, "")
                print(f"  {name:40} {ms:8.1f} {first:>8}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--provinces", type=int, default=34)
    parser.add_argument("--units", type=int, default=1500)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--postgres", action="store_true")
    parser.add_argument("--skip-report", action="store_true")
    parser.add_argument("--only", choices=("city", "national"))
    parser.add_argument("--out", default=str(ROOT / "bench" / "results.json"))
    parser.add_argument("--baseline", type=Path, help="another checkout's app.py, side by side")
    parser.add_argument("--app-worker")
    args = parser.parse_args()
    if args.app_worker:
        app_worker(json.loads(args.app_worker))
        return
    from devdata import scale

    results: dict[str, Any] = {}
    city_dates = [dt.date(y, 12, 31) for y in (2021, 2022, 2023)] + [dt.date(2024, 6, 30)]
    if args.only in (None, "city"):
        files = sorted((ROOT / "data" / "sample").glob("*.xlsx"))
        results["city"] = run_scale("city", files, dt.date(2024, 6, 30), city_dates, args)
    if args.only in (None, "national"):
        with tempfile.TemporaryDirectory() as tmp:
            start = time.perf_counter()
            files = scale.write_scale(
                Path(tmp), provinces=args.provinces, units_per_province=args.units,
                seed=scale.DEFAULT_SEED,
            )  # fmt: skip
            generate_s = time.perf_counter() - start
            dates = [dt.date(y, 12, 31) for y in range(2021, 2026)] + [scale.AS_OF]
            totals = scale.read_manifest(Path(tmp))["totals"]
            results["national"] = run_scale("national", files, scale.AS_OF, dates, args, totals)
            results["national"]["generate_s"] = round(generate_s, 1)
            results["national"]["units"] = totals["units"]["total"]
            results["national"]["provinces"] = args.provinces
    results["machine"] = {"cpus": os.cpu_count(), "python": sys.version.split()[0]}
    results["measured_at"] = dt.datetime.now().replace(microsecond=0).isoformat()
    Path(args.out).write_text(json.dumps(results, ensure_ascii=False, indent=1) + "\n")
    print_table(results)
    print(f"\n→ {args.out}")


if __name__ == "__main__":
    main()
