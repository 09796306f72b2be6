"""The overview's «Tạo báo cáo PDF» button against the link /export/report.pdf, on the sample
city, both through HTTP as a browser drives them (the button: start the background job, poll
every 0.5 s as dash-renderer does, until the file comes back):

    .venv/bin/python bench/bench_report_button.py [rounds]

Each is warmed up once (the link's first call starts the app's browser), then timed `rounds`
times (default 3); the medians are printed in seconds. Jobs run with the DiskcacheManager (a
subprocess per job), as without REDIS_URL.
"""

from __future__ import annotations

import json
import os
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PASSWORD = "mat-khau-rat-dai-1"
POLL_S = 0.5  # dash-renderer's interval for this job (web/background.py: progress_options)
QUERY = "?as_of=2024-06-30"


def _app(data_dir: Path):
    os.environ.update(DATA_DIR=str(data_dir), ADMIN_USER="admin", ADMIN_PASSWORD=PASSWORD)
    os.environ["DATABASE_URL"] = f"sqlite:///{data_dir / 'app.sqlite3'}"
    os.environ.pop("REDIS_URL", None)
    from app import create_app
    from etl import service
    from etl.core.settings import load_settings
    from web.bootstrap import bootstrap

    settings = load_settings()
    bootstrap(settings)
    engine = service.open_engine(settings.database_url)
    service.load_sample(engine, settings)
    engine.dispose()
    return create_app(settings)


def _client(app):
    client = app.server.test_client()
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    client.post("/login", data={"username": "admin", "password": PASSWORD, "csrf_token": token})
    client.get("/")
    return client, client.get_cookie("_csrf_token").value


def _button_body(app) -> dict:
    app._setup_server()
    key = next(k for k in app.callback_map if k.startswith("..report-download."))
    spec = app.callback_map[key]
    deps = [dict(d) for d in spec["inputs"]] + [dict(d) for d in spec["state"]]
    for dep, value in zip(deps, [1, None, QUERY], strict=True):
        dep["value"] = value
    outputs = [
        {"id": p.rsplit(".", 1)[0], "property": p.rsplit(".", 1)[1]}
        for p in key.strip(".").split("...")
    ]
    n = len(spec["inputs"])
    return {
        "output": key,
        "outputs": outputs,
        "inputs": deps[:n],
        "state": deps[n:],
        "changedPropIds": [f"{deps[0]['id']}.{deps[0]['property']}"],
    }


def button(app, client, token: str) -> float:
    start = time.perf_counter()
    page = client.get(f"/{QUERY}").get_data(as_text=True)
    config = re.search(r'<script id="_dash-config"[^>]*>(.*?)</script>', page, re.S)
    end_id = json.loads(config.group(1))["end_id"]
    body = _button_body(app)
    start = time.perf_counter()
    url = f"/_dash-update-component?endId={end_id}"
    handles = client.post(url, json=body, headers={"X-CSRFToken": token}).get_json()
    poll = f"{url}&cacheKey={handles['cacheKey']}&job={handles['job']}"
    while True:
        time.sleep(POLL_S)
        got = client.post(poll, json=body, headers={"X-CSRFToken": token})
        answer = got.get_json() or {}
        if "response" in answer:
            content = answer["response"]["report-download"]["data"]["content"]
            assert content, answer
            return time.perf_counter() - start
        assert got.status_code == 200, got.get_data(as_text=True)[:300]
        assert time.perf_counter() - start < 120, "no answer"


def link(client) -> float:
    start = time.perf_counter()
    got = client.get(f"/export/report.pdf{QUERY}")
    assert got.status_code == 200 and got.data[:5] == b"%PDF-", got.status_code
    return time.perf_counter() - start


def main() -> None:
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 3
    with tempfile.TemporaryDirectory() as tmp:
        app = _app(Path(tmp))
        client, token = _client(app)
        try:
            link(client), button(app, client, token)  # warm up
            links = [link(client) for _ in range(rounds)]
            buttons = [button(app, client, token) for _ in range(rounds)]
        finally:
            app.server.extensions["tgbc_renderer"].close()
    print(f"report PDF on the sample city, median of {rounds} (seconds)")
    print(f"  link /export/report.pdf         {statistics.median(links):6.2f}  {links}")
    print(f"  button «Tạo báo cáo PDF» (job)  {statistics.median(buttons):6.2f}  {buttons}")


if __name__ == "__main__":
    main()
