"""The product as a user meets it: `python app.py` started on a stored database, driven over
HTTP like dash-renderer drives it (signed in through the login form, callbacks posted to
/_dash-update-component, background jobs polled at their interval). Used by bench_scale.py.

`measure_server(root, …)` starts `root/app.py` (this checkout, or another one given with
`bench_scale.py --baseline DIR`: the same measurements of that code side by side in one run)
and measures:

- `server_start_s`: process start → the server answers (`python app.py` builds the dataset
  and the overview's default view before it serves, app.warm);
- `first_view_after_start_ms`: then, the first visitor signed in, the first overview
  (default view) answered; `first_page_ms`: the whole first page as the browser asks for it
  (the page, /_dash-layout, /_dash-dependencies, the page layout, the shell's filters, the
  overview);
- `cold_view_p95_ms`: 36 filter combinations nobody asked before (cut-off, district, sector,
  kind, pending; seeded), the overview and the units page of each;
- `upload_e2e_ms`: one typical return through the upload page (drop → staged and checked,
  in that request or as a background job polled every `interval` ms as the browser does →
  «Lưu»), the median of 5 (each file other bytes, the same figures);
- `view_after_upload_ms`: the default overview, cached, then one more return accepted and
  approved (`ingest_bytes(approve=True)` on the same database), then the same overview again;
  the median of 3 such rounds (the first after the start also grows the process's heap once:
  one round alone moved by a third between runs).
"""

from __future__ import annotations

import base64
import io
import json
import os
import random
import re
import socket
import statistics
import subprocess
import sys
import time
import zipfile
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.builders import dash_page_request, dash_request  # noqa: E402

AFTER_UPLOAD_ROUNDS = 3  # the view after an approved return: the median of this many
POLL_INTERVAL_S = 0.5  # web/background.progress_options: dash-renderer polls a job this often
UNITS_INPUTS = (
    ("units-measure", "value", "nguoi_lam_viec"),
    ("units-group-by", "value", "district"),
)


def p95(times: list[float]) -> float:
    ordered = sorted(times)
    return ordered[max(0, -(-95 * len(ordered) // 100) - 1)]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def variant(blob: bytes, tag: str) -> bytes:
    """The same workbook as other bytes (a zip comment): another file, the same figures."""
    buffer = io.BytesIO(blob)
    with zipfile.ZipFile(buffer, "a") as archive:
        archive.comment = f"bench {tag}".encode()
    return buffer.getvalue()


class HttpBrowser:
    """A signed-in session that posts callbacks as dash-renderer does."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.session = requests.Session()
        self.token = ""
        self.end_id = ""
        self.deps: list[dict[str, Any]] = []
        self.errors = 0  # views answered with an error (timed all the same)

    def login(self, username: str, password: str) -> None:
        page = self.session.get(f"{self.base}/login").text
        token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
        done = self.session.post(
            f"{self.base}/login",
            data={"username": username, "password": password, "csrf_token": token},
            allow_redirects=False,
        )
        assert done.status_code == 302, done.text[:300]
        if "_csrf_token" not in self.session.cookies:
            self.session.get(f"{self.base}/")
        self.token = self.session.cookies["_csrf_token"]

    def open(self, path: str) -> None:
        """A page as the browser loads it: the page, its layout and the callbacks' map."""
        page = self.session.get(f"{self.base}{path}").text
        config = re.search(r'<script id="_dash-config"[^>]*>(.*?)</script>', page, re.S)
        self.end_id = json.loads(config.group(1)).get("end_id", "")
        assert self.session.get(f"{self.base}/_dash-layout").status_code == 200
        self.deps = self.session.get(f"{self.base}/_dash-dependencies").json()

    def post(self, body: dict[str, Any], strict: bool = True, **args: str) -> requests.Response:
        query = urlencode({"endId": self.end_id, **args}) if self.end_id or args else ""
        got = self.session.post(
            f"{self.base}/_dash-update-component{'?' + query if query else ''}",
            json=body,
            headers={"X-CSRFToken": self.token},
        )
        if got.status_code not in (200, 204) and not strict:
            self.errors += 1
        elif got.status_code not in (200, 204):
            raise SystemExit(f"{body['output']} {body['inputs'][:1]}: {got.status_code}")
        return got

    def timed(self, body: dict[str, Any]) -> float:
        start = time.perf_counter()
        self.post(body, strict=False)
        return (time.perf_counter() - start) * 1000

    def body(self, starts: str, values: list[Any]) -> dict[str, Any]:
        """The body of the callback whose output key starts with `starts`, its inputs then
        states given `values` (those not given: None), the first input changed."""
        spec = next(d for d in self.deps if d["output"].startswith(starts))
        outputs = [
            {"id": part.rsplit(".", 1)[0], "property": part.rsplit(".", 1)[1]}
            for part in spec["output"].strip(".").split("...")
        ]
        deps = [dict(d) for d in spec["inputs"]] + [dict(d) for d in spec["state"]]
        values = [*values, *[None] * (len(deps) - len(values))]  # the rest: not set
        for dep, value in zip(deps, values, strict=True):
            dep["value"] = value
        n = len(spec["inputs"])
        return {
            "output": spec["output"],
            "outputs": outputs if len(outputs) > 1 else outputs[0],
            "inputs": deps[:n],
            "state": deps[n:],
            "changedPropIds": [f"{deps[0]['id']}.{deps[0]['property']}"],
        }

    def job(self, body: dict[str, Any]) -> dict[str, Any]:
        """Start a background job and poll it every POLL_INTERVAL_S until it answers."""
        handles = self.post(body).json()
        assert {"cacheKey", "job"} <= set(handles), handles
        while True:
            time.sleep(POLL_INTERVAL_S)
            got = self.post(body, cacheKey=handles["cacheKey"], job=handles["job"])
            answer = got.json() if got.status_code == 200 else {}
            if "response" in answer:
                return answer["response"]


def overview(search: str) -> dict[str, Any]:
    return dash_request("overview-content.children", [("url", "search", search)])


def units(search: str) -> dict[str, Any]:
    return dash_request("units-content.children", [("url", "search", search), *UNITS_INPUTS])


def combinations(choices: dict[str, list[Any]], n: int = 36, seed: int = 14) -> list[str]:
    """`n` different views (query strings), each a random cut-off, district, sector, kind and
    pending choice (None: not filtered), seeded."""
    rng = random.Random(seed)
    seen: set[str] = set()
    while len(seen) < n:
        params = {
            "as_of": rng.choice(choices["as_of"]),
            "district": rng.choice([None, None, *choices["district"]]),
            "sector": rng.choice([None, *choices["sector"]]),
            "kind": rng.choice([None, *choices["kind"]]),
            "pending": rng.choice([None, "0"]),
        }
        seen.add("?" + urlencode({k: v for k, v in params.items() if v}))
    return sorted(seen, key=lambda q: rng.random())


def upload_once(browser: HttpBrowser, name: str, blob: bytes) -> float:
    """Milliseconds from dropping the file to «Lưu» answered, as the browser does it."""
    start = time.perf_counter()
    data_url = "data:application/octet-stream;base64," + base64.b64encode(blob).decode()
    staged = browser.post(browser.body("..upload-results.", [[data_url], [name]])).json()
    queue = staged.get("sideUpdate", {}).get("upload-queue", {}).get("data")
    if queue is not None:  # checked by a background job: polled as the browser does
        answer = browser.job(browser.body("..upload-staged.", [queue]))
    else:  # checked in the staging request itself
        answer = staged["response"]
    items = answer["upload-staged"]["data"]
    if [i["status"] for i in items] != ["checked"]:
        raise SystemExit(f"upload check: {[(i['status'], i['problems'][:2]) for i in items]}")
    saved = browser.post(browser.body("..upload-confirmed.children", [1, items])).json()
    saved = json.dumps(saved, ensure_ascii=False)
    elapsed = (time.perf_counter() - start) * 1000
    if "Đã nhận 1 tệp" not in saved:
        raise SystemExit(f"upload not stored: {saved[:300]}")
    return elapsed


def measure_server(
    root: Path,
    url: str,
    data_dir: Path,
    admin: tuple[str, str],
    choices: dict[str, list[Any]],
    upload: tuple[str, bytes],
    approve_one: Any,
) -> dict[str, Any]:
    """Start `root/app.py` on `url` and measure it (see the module). `approve_one()` stores one
    more return, approved, on the database (from the benchmark's process)."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k != "REDIS_URL"}
    env.update(
        DATABASE_URL=url, DATA_DIR=str(data_dir), HOST="127.0.0.1", PORT=str(port),
        ADMIN_USER=admin[0], ADMIN_PASSWORD=admin[1], PYTHONUNBUFFERED="1",
    )  # fmt: skip
    data_dir.mkdir(parents=True, exist_ok=True)
    log = (data_dir / "server.log").open("w")
    base = f"http://127.0.0.1:{port}"
    start = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, str(root / "app.py")], cwd=root, env=env, stdout=log, stderr=log
    )
    out: dict[str, Any] = {}
    try:
        while True:
            if proc.poll() is not None:
                raise SystemExit(f"{root}/app.py stopped: {(data_dir / 'server.log').read_text()}")
            try:
                if requests.get(f"{base}/login", timeout=5).status_code == 200:
                    break
            except requests.ConnectionError:
                time.sleep(0.02)
        out["server_start_s"] = round(time.perf_counter() - start, 2)
        browser = HttpBrowser(base)
        t = time.perf_counter()
        browser.login(*admin)
        out["first_login_ms"] = round((time.perf_counter() - t) * 1000, 1)
        t = time.perf_counter()
        browser.open("/")
        browser.post(dash_page_request("/", ""))
        browser.post(browser.body("..url.search...", [""]))  # the filter bar from the URL
        out["first_view_after_start_ms"] = round(browser.timed(overview("")), 1)
        out["first_page_ms"] = round((time.perf_counter() - t) * 1000, 1)
        cold = []
        for search in combinations(choices):
            cold.append(browser.timed(overview(search)))
            cold.append(browser.timed(units(search)))
        out["cold_view_p95_ms"] = round(p95(cold), 1)
        out["cold_view_p50_ms"] = round(statistics.median(cold), 1)
        out["cold_view_max_ms"] = round(max(cold), 1)
        out["cold_views"] = len(cold)
        out["cold_view_errors"] = browser.errors
        browser.open("/nop-bao-cao")
        name, blob = upload
        e2e = [upload_once(browser, f"{i}_{name}", variant(blob, f"{root} {i}")) for i in range(5)]
        out["upload_e2e_ms"] = round(statistics.median(e2e), 1)
        out["upload_e2e_all_ms"] = [round(v, 1) for v in e2e]
        after = []
        for _ in range(AFTER_UPLOAD_ROUNDS):
            browser.timed(overview(""))  # cached
            out["view_cached_ms"] = round(browser.timed(overview("")), 1)
            approve_one()
            after.append(browser.timed(overview("")))
        out["view_after_upload_ms"] = round(statistics.median(after), 1)
        out["view_after_upload_all_ms"] = [round(v, 1) for v in after]
        out["units_after_upload_ms"] = round(browser.timed(units("")), 1)
    except BaseException:
        log.flush()
        print((data_dir / "server.log").read_text()[-4000:], file=sys.stderr)
        raise
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()
    return out
