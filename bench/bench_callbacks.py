"""Server time of every dashboard callback on the sample city, through Flask's test client.

    .venv/bin/python bench/bench_callbacks.py [--repeat 20]

Loads data/sample into a temporary SQLite database, then posts each callback's request to
/_dash-update-component as the browser would, and prints median and p95 in ms.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.builders import dash_page_request, dash_request, units_rows_requests  # noqa: E402

VIEW = "?as_of=2024-06-30"


CALLBACKS = {
    "page layout: unit": dash_page_request("/don-vi/5", VIEW),
    "page layout: reorganisation": dash_page_request("/sap-xep", VIEW),
    "page layout: tracker": dash_page_request("/theo-doi", VIEW),
    "overview": dash_request("overview-content.children", [("url", "search", VIEW)]),
    "overview (Cờ Đỏ)": dash_request(
        "overview-content.children", [("url", "search", VIEW + "&district=Cờ Đỏ")]
    ),
    "units (người làm việc)": dash_request(
        "units-content.children",
        [
            ("url", "search", VIEW),
            ("units-measure", "value", "nguoi_lam_viec"),
            ("units-group-by", "value", "district"),
        ],
    ),
    "units (công chức)": dash_request(
        "units-content.children",
        [
            ("url", "search", VIEW),
            ("units-measure", "value", "cong_chuc"),
            ("units-group-by", "value", "sector"),
        ],
    ),
    **units_rows_requests(VIEW),
    "analysis": dash_request(
        "analysis-content.children",
        [("url", "search", VIEW), ("analysis-measure", "value", "nguoi_lam_viec")],
    ),
    "reorganisation": dash_request("reorg-content.children", [("url", "search", VIEW)]),
    "lineage": dash_request("reorg-lineage.children", [("reorg-unit", "value", 1)]),
    "tracker": dash_request(
        "tracker-content.children", [("url", "search", VIEW), ("tracker-period", "value", None)]
    ),
}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["DATA_DIR"] = tmp
        os.environ["DATABASE_URL"] = f"sqlite:///{tmp}/bench.sqlite3"
        os.environ.setdefault("ADMIN_PASSWORD", "mat-khau-do-hieu-nang")
        from app import create_app
        from etl import service
        from etl.core.settings import load_settings
        from tests.conftest import login
        from web.bootstrap import bootstrap

        settings = load_settings()
        bootstrap(settings)
        engine = service.open_engine()
        service.load_sample(engine, settings)
        client = create_app(settings).server.test_client()
        csrf = login(client, os.environ.get("ADMIN_USER", "admin"), os.environ["ADMIN_PASSWORD"])
        client.environ_base["HTTP_X_CSRFTOKEN"] = csrf
        print(f"callback server time on the sample city, {args.repeat} runs each")
        print(f"  {'callback':40} {'median ms':>10} {'p95 ms':>8}")
        for name, body in CALLBACKS.items():
            times = []
            for _ in range(args.repeat):
                start = time.perf_counter()
                response = client.post("/_dash-update-component", json=body)
                times.append((time.perf_counter() - start) * 1000)
                assert response.status_code == 200, (name, response.data[:300])
            times.sort()
            p95 = times[min(len(times) - 1, int(0.95 * len(times)))]
            print(f"  {name:40} {statistics.median(times):10.1f} {p95:8.1f}")
        times = []
        for _ in range(args.repeat):
            start = time.perf_counter()
            client.get("/_dash-layout")
            times.append((time.perf_counter() - start) * 1000)
        times.sort()
        print(f"  {'shell layout (filters)':40} {statistics.median(times):10.1f} {times[-1]:8.1f}")


if __name__ == "__main__":
    main()
