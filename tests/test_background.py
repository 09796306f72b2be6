"""Background jobs through HTTP, as the browser drives them: the upload check and the report
build run as Dash background callbacks, report their progress, can be cancelled, and return
what the in-request code returns.

Every test runs with the DiskcacheManager (a subprocess per job); the same tests run with the
CeleryManager against Redis when REDIS_URL is set and Redis answers (CI: .ci/run), with a Celery
worker started here (`celery -A app:celery_app worker`, its own queue,
killed at the end).

REDIS_URL is taken out of the environment when this module is collected, before the session's
app (tests/conftest.py::sample_app) is created: that app then uses the DiskcacheManager, so the
other tests (the browser tests' uploads among them) need no Celery worker; the Celery tests
here swap in a CeleryManager of their own.
"""

from __future__ import annotations

import base64
import dataclasses
import functools
import json
import os
import re
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from tests.builders import form01, quota_return, workbook_bytes
from tests.conftest import login

REDIS_URL = os.environ.pop("REDIS_URL", None)
ROOT = Path(__file__).resolve().parent.parent
SAMPLE = sorted((ROOT / "data" / "sample").glob("*.xlsx"))
JOB_TIMEOUT_S = 30.0
WORKER_START_S = 60.0
POLL_S = 0.02
PASSWORD = "mat-khau-rat-dai-1"
# every job runs in another process: diskcache's child, or a Celery worker
pytestmark = pytest.mark.slow


def _redis_problem() -> str | None:
    """Why the Celery tests cannot run here, or None."""
    if not REDIS_URL:
        return "REDIS_URL chưa đặt / REDIS_URL unset: Celery tests need Redis (CI sets it)"
    try:
        import redis

        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1, socket_timeout=1).ping()
    except Exception as exc:
        return f"Redis không trả lời tại {REDIS_URL} / Redis unreachable: {exc}"
    return None


MANAGERS = [
    "diskcache",
    pytest.param(
        "celery", marks=pytest.mark.skipif(bool(_redis_problem()), reason=_redis_problem() or "")
    ),
]


# --- the app, a Celery worker, the manager under test --------------------------------------


@pytest.fixture(scope="module")
def celery_manager(sample_app, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """A CeleryManager and a Celery worker on a queue of their own (the Celery app of
    web.background, pointed at that queue), for this module; the worker is killed at
    its end."""
    from web import background, context

    celery = background.celery_for(REDIS_URL)
    queue = f"tgbc-test-{uuid.uuid4().hex[:8]}"
    celery.conf.task_default_queue = queue
    node = f"{queue}@localhost"
    home = tmp_path_factory.mktemp("celery")
    log = (home / "worker.log").open("w")
    env = {
        **os.environ,
        "REDIS_URL": REDIS_URL,
        "DATA_DIR": str(home),  # the worker's own app; each job brings the test app's settings
        "DATABASE_URL": f"sqlite:///{home / 'worker.sqlite3'}",
        "ADMIN_PASSWORD": PASSWORD,
        "PYTHONPATH": str(ROOT),
    }
    command = [sys.executable, "-m", "celery", "-A", "app:celery_app"]
    command += ["worker", "-Q", queue, "-n", node, "-c", "1", "-P", "prefork", "-l", "INFO"]
    command += ["--without-gossip", "--without-mingle", "--without-heartbeat"]
    proc = subprocess.Popen(
        command,
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # its pool processes are killed with it
    )
    try:
        deadline = time.monotonic() + WORKER_START_S
        while not celery.control.ping(destination=[node], timeout=0.5):
            assert proc.poll() is None, (home / "worker.log").read_text()[-3000:]
            assert time.monotonic() < deadline, (home / "worker.log").read_text()[-3000:]
        settings = sample_app.server.extensions[context.SETTINGS_KEY]
        yield background.make_manager(dataclasses.replace(settings, redis_url=REDIS_URL))
    finally:
        _kill_group(proc)
        log.close()


def _kill_group(proc: subprocess.Popen) -> None:
    try:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=10)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        pass
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    proc.wait(timeout=10)


@pytest.fixture
def app(isolated_app):
    """The sample app on a private copy of its database, with an uploader and a viewer."""
    from etl.storage import accounts

    engine = isolated_app.server.extensions["tgbc_engine"]
    unit = accounts.resolve_units(engine, ["Sở Nội vụ"])
    accounts.create_account(engine, "donvi", PASSWORD, "uploader", unit_ids=unit)
    accounts.create_account(engine, "lanhdao", PASSWORD, "viewer")
    return isolated_app


@pytest.fixture(params=MANAGERS)
def manager(request: pytest.FixtureRequest, app, tmp_path: Path) -> Iterator[str]:
    """The app's background callback manager for one test: a DiskcacheManager on a fresh
    cache, or a CeleryManager served by the module's worker."""
    from web import background, context

    settings = app.server.extensions[context.SETTINGS_KEY]
    if request.param == "celery":
        new = request.getfixturevalue("celery_manager")
    else:
        new = background.make_manager(
            dataclasses.replace(settings, data_dir=tmp_path, redis_url=None)
        )
    saved = app._background_manager
    app._background_manager = new
    try:
        yield request.param
    finally:
        app._background_manager = saved


# --- driving callbacks as the browser does ---------------------------------------------------


@dataclass
class Browser:
    """A signed-in test client that calls callbacks like dash-renderer does."""

    app: Any
    client: Any
    token: str
    end_id: str = ""
    progress: list[dict[str, Any]] = field(default_factory=list)

    def open(self, path: str) -> None:
        """Load a page; keep the server-signed end id that binds background job handles."""
        page = self.client.get(path).get_data(as_text=True)
        config = re.search(r'<script id="_dash-config"[^>]*>(.*?)</script>', page, re.S)
        self.end_id = json.loads(config.group(1))["end_id"]

    def key(self, starts: str) -> str:
        self.app._setup_server()  # page callbacks join the map on the first request
        return next(k for k in self.app.callback_map if k.startswith(starts))

    def body(self, key: str, values: list[Any], changed: int = 0) -> dict[str, Any]:
        spec = self.app.callback_map[key]
        outputs = [
            {"id": part.rsplit(".", 1)[0], "property": part.rsplit(".", 1)[1]}
            for part in key.strip(".").split("...")
        ]
        deps = [dict(d) for d in spec["inputs"]] + [dict(d) for d in spec["state"]]
        for dep, value in zip(deps, values, strict=True):
            dep["value"] = value
        n_inputs = len(spec["inputs"])
        return {
            "output": key,
            "outputs": outputs if len(outputs) > 1 else outputs[0],
            "inputs": deps[:n_inputs],
            "state": deps[n_inputs:],
            "changedPropIds": [f"{deps[changed]['id']}.{deps[changed]['property']}"],
        }

    def post(self, body: dict[str, Any], **args: str) -> Any:
        query = "&".join(f"{k}={v}" for k, v in {"endId": self.end_id, **args}.items())
        return self.client.post(
            f"/_dash-update-component?{query}", json=body, headers={"X-CSRFToken": self.token}
        )

    def start(self, body: dict[str, Any]) -> dict[str, Any]:
        got = self.post(body)
        assert got.status_code == 200, got.get_data(as_text=True)[:500]
        handles = got.get_json()
        assert {"cacheKey", "job"} <= set(handles), handles
        return handles

    def poll(self, body: dict[str, Any], handles: dict[str, Any]) -> Any:
        """One poll of a running job; its progress, if any, is kept in `self.progress`."""
        got = self.post(body, cacheKey=handles["cacheKey"], job=handles["job"])
        if got.status_code == 200 and "progress" in (got.get_json() or {}):
            self.progress.append(got.get_json()["progress"])
        return got

    def finish(self, body: dict[str, Any], handles: dict[str, Any]) -> Any:
        """Poll until the job answers (200 with a response, or 204 when it has none)."""
        deadline = time.monotonic() + JOB_TIMEOUT_S
        while time.monotonic() < deadline:
            got = self.poll(body, handles)
            if got.status_code == 204 or "response" in (got.get_json() or {}):
                return got
            time.sleep(POLL_S)
        raise AssertionError(f"no answer within {JOB_TIMEOUT_S} s")

    def wait_for_progress(self, body: dict[str, Any], handles: dict[str, Any]) -> None:
        deadline = time.monotonic() + JOB_TIMEOUT_S
        while not self.progress:
            got = self.poll(body, handles)
            assert "response" not in (got.get_json() or {}), "finished before any progress"
            assert time.monotonic() < deadline, "no progress"
            time.sleep(POLL_S)

    def cancel(self, button: str, handles: dict[str, Any]) -> None:
        key = self.key(f"{button}.id")
        got = self.post(self.body(key, [1]), cancelJob=handles["job"])
        assert got.status_code in (200, 204), got.get_data(as_text=True)[:300]


def browser_for(app, username: str = "admin", password: str | None = None) -> Browser:
    client = app.server.test_client()
    token = login(client, username, password) if password else login(client)
    return Browser(app, client, token)


def _data_url(content: bytes) -> str:
    return "data:application/octet-stream;base64," + base64.b64encode(content).decode()


BAD = workbook_bytes(form01([[1, "Sở Nội vụ", 43, 43, "bốn hai", 42]]))


@functools.cache
def _returns(n: int) -> list[tuple[str, bytes]]:
    """`n` different good returns (Sở Nội vụ's current quota 100, 101, …): each is checked in
    full, about 13 ms here, unlike the sample files, which the sample database already holds
    and which are answered "duplicate" at once."""
    return [(f"so_noi_vu_{v}.xlsx", quota_return("Sở Nội vụ", v)) for v in range(100, 100 + n)]


def _upload(browser: Browser, files: list[tuple[str, bytes]]) -> tuple[dict, dict]:
    """Drop files on the upload page: the staging callback answers at once and puts the queue
    into its store (set_props); returns the background check's body and job handles."""
    browser.open("/nop-bao-cao")
    stage = browser.body(
        browser.key("..upload-results."),
        [[_data_url(c) for _, c in files], [n for n, _ in files]],
    )
    got = browser.post(stage)
    assert got.status_code == 200, got.get_data(as_text=True)[:300]
    queue = got.get_json()["sideUpdate"]["upload-queue"]["data"]
    assert [q["name"] for q in queue] == [n for n, _ in files]
    body = browser.body(browser.key("..upload-staged."), [queue])
    return body, browser.start(body)


def _texts(progress: list[dict[str, Any]], suffix: str = "-progress-text.children") -> list[str]:
    return [str(v) for p in progress for k, v in p.items() if k.endswith(suffix)]


# --- the tests -------------------------------------------------------------------------------


def test_upload_check_in_background_returns_the_in_request_result(app, manager):
    browser = browser_for(app)
    files = [("loi.xlsx", BAD)] + [(p.name, p.read_bytes()) for p in SAMPLE[:3]]
    body, handles = _upload(browser, files)
    got = browser.finish(body, handles)
    assert got.status_code == 200, got.get_data(as_text=True)[:500]
    response = got.get_json()["response"]
    items = response["upload-staged"]["data"]
    shown = json.dumps(response["upload-results"]["children"], ensure_ascii=False)
    assert items[0]["status"] == "refused"
    assert "E11" in shown and "bốn hai" in shown and "Bị từ chối" in shown

    from flask_login import login_user

    from etl.storage import accounts
    from pages.upload import check_upload
    from web.auth import User

    with app.server.test_request_context():
        engine = app.server.extensions["tgbc_engine"]
        login_user(User(accounts.get_account(engine, username="admin")))
        in_request = check_upload([_data_url(c) for _, c in files], [n for n, _ in files])
    assert items == json.loads(json.dumps(in_request, default=str))


def test_one_small_file_is_checked_in_the_staging_request(app, manager):
    """One typical return: its check answers with the staging request (no job to poll), the
    same result as the check in a request."""
    browser = browser_for(app)
    browser.open("/nop-bao-cao")
    ((name, content),) = _returns(1)
    stage = browser.body(browser.key("..upload-results."), [[_data_url(content)], [name]])
    got = browser.post(stage)
    assert got.status_code == 200, got.get_data(as_text=True)[:300]
    answer = got.get_json()
    assert "upload-queue" not in answer.get("sideUpdate", {})  # no background job started
    items = answer["response"]["upload-staged"]["data"]
    assert [i["status"] for i in items] == ["checked"]
    shown = json.dumps(answer["response"]["upload-results"]["children"], ensure_ascii=False)
    assert "Sẽ lưu" in shown


def test_upload_check_reports_progress_per_file(app, manager):
    browser = browser_for(app)
    files = _returns(60)
    body, handles = _upload(browser, files)
    got = browser.finish(body, handles)
    assert got.status_code == 200
    texts = _texts(browser.progress)
    assert len(texts) > 1, texts
    n = len(files)
    assert all(re.fullmatch(rf"Đang kiểm tra tệp \d+/{n}: so_noi_vu_\d+\.xlsx", t) for t in texts)
    bars = [p["upload-progress-bar.value"] for p in browser.progress]
    assert bars == sorted(bars) and all(0 <= b < n for b in bars)
    assert all(p["upload-progress-bar.max"] == n for p in browser.progress)


def test_cancel_stops_the_upload_check(app, manager):
    browser = browser_for(app)
    files = _returns(200)  # about 2.6 s of checking; cancelled at its first progress
    body, handles = _upload(browser, files)
    browser.wait_for_progress(body, handles)
    browser.cancel("upload-cancel", handles)
    got = browser.finish(body, handles)
    assert got.status_code == 204  # no result: the job is gone
    seen = len(browser.progress)
    time.sleep(0.5)
    for _ in range(3):
        again = browser.poll(body, handles)
        assert again.status_code == 204
    assert len(browser.progress) == seen  # it no longer moves
    done = max(p["upload-progress-bar.value"] for p in browser.progress)
    assert done < len(files) - 1
    job = handles["job"].rsplit("~", 1)[0]
    if manager == "diskcache":
        import psutil

        assert not psutil.pid_exists(int(job)) or (
            psutil.Process(int(job)).status() == psutil.STATUS_ZOMBIE
        )
    else:
        from web import background

        celery = background.celery_for(REDIS_URL)
        assert celery.AsyncResult(job).state == "REVOKED"


def test_a_viewer_may_not_start_the_upload_check(app, manager):
    browser = browser_for(app, "lanhdao", PASSWORD)
    browser.open("/")
    got = browser.post(browser.body(browser.key("..upload-staged."), [[{"sha256": "0" * 64}]]))
    assert got.status_code == 403


def test_polls_of_a_running_check_are_guarded_like_its_start(app, manager):
    admin = browser_for(app)
    body, handles = _upload(admin, _returns(200))
    viewer = browser_for(app, "lanhdao", PASSWORD)
    viewer.end_id = admin.end_id
    assert viewer.poll(body, handles).status_code == 403
    query = f"endId={admin.end_id}&cacheKey={handles['cacheKey']}&job={handles['job']}"
    anonymous = app.server.test_client().post(f"/_dash-update-component?{query}", json=body)
    assert anonymous.status_code == 401
    admin.cancel("upload-cancel", handles)
    assert admin.finish(body, handles).status_code == 204


def test_report_pdf_in_background_with_progress_per_chart(app, manager):
    from reporting.charts import REPORT_CHARTS

    browser = browser_for(app, "lanhdao", PASSWORD)
    browser.open("/?as_of=2024-06-30")
    body = browser.body(browser.key("..report-download."), [1, None, "?as_of=2024-06-30"])
    got = browser.finish(body, browser.start(body))
    assert got.status_code == 200, got.get_data(as_text=True)[:500]
    response = got.get_json()["response"]
    sent = response["report-download"]["data"]
    assert sent["filename"] == "bao_cao_tinh_gian_toan_thanh_pho_20240630.pdf"
    assert base64.b64decode(sent["content"])[:5] == b"%PDF-"
    assert "Đã tạo" in response["report-status"]["children"]
    texts = _texts(browser.progress)
    assert texts, "no progress seen"
    total = len(REPORT_CHARTS)
    allowed = rf"Đang đọc số liệu…|Đang vẽ biểu đồ \d+/{total}: .*|Đang dựng tệp PDF…"
    assert all(re.fullmatch(allowed, t) for t in texts), texts
    from etl.storage import accounts

    logged = accounts.read_audit(app.server.extensions["tgbc_engine"], limit=1)[0]
    assert (logged["actor"], logged["action"]) == ("lanhdao", "export.report.pdf")
    assert logged["target"] == sent["filename"]


def test_consolidated_workbook_in_background(app, manager):
    browser = browser_for(app, "lanhdao", PASSWORD)
    browser.open("/?as_of=2024-06-30")
    body = browser.body(browser.key("..report-download."), [None, 1, "?as_of=2024-06-30"], 1)
    got = browser.finish(body, browser.start(body))
    assert got.status_code == 200, got.get_data(as_text=True)[:500]
    sent = got.get_json()["response"]["report-download"]["data"]
    assert sent["filename"] == "tonghop_toan_thanh_pho_20240630.xlsx"
    assert base64.b64decode(sent["content"])[:2] == b"PK"


def test_an_uploader_may_not_start_a_report(app, manager):
    browser = browser_for(app, "donvi", PASSWORD)
    browser.open("/")
    got = browser.post(browser.body(browser.key("..report-download."), [1, None, ""]))
    assert got.status_code == 403


@pytest.mark.parametrize(
    ("kind", "action", "name", "last_step"),
    [
        (
            "xlsx",
            "export.tonghop",
            "tonghop_toan_thanh_pho_20240630.xlsx",
            "Đang ghi biểu tổng hợp…",
        ),
        (
            "pdf",
            "export.report.pdf",
            "bao_cao_tinh_gian_toan_thanh_pho_20240630.pdf",
            "Đang dựng tệp PDF…",
        ),
    ],
)
def test_the_job_audits_its_export_once_as_the_account_that_started_it(
    app, monkeypatch, kind, action, name, last_step
):
    """The job's function called directly (no browser: the report says so instead)."""
    import dataclasses

    from etl.storage import accounts
    from pages.overview import build_file
    from reporting import render
    from web import background, context

    monkeypatch.setattr(render, "find_browser", lambda: None)
    engine = app.server.extensions[context.ENGINE_KEY]
    settings = dataclasses.replace(
        app.server.extensions[context.SETTINGS_KEY],
        database_url=engine.url.render_as_string(hide_password=False),
    )
    viewer = accounts.get_account(engine, username="lanhdao")
    before = accounts.read_audit(engine, limit=1)[0]["id"]
    steps: list[str] = []
    sent, said = build_file(
        background.Job(account_id=viewer.id, settings=settings),
        kind,
        "?as_of=2024-06-30&scope=Kh%C3%B4ng+c%C3%B3",  # names nothing: the whole city
        lambda _done, _total, text: steps.append(text),
    )
    assert sent["filename"] == name and said == f"Đã tạo {name}."
    assert steps[0] == "Đang đọc số liệu…" and steps[-1] == last_step
    logged = [e for e in accounts.read_audit(engine) if e["id"] > before]
    assert [(e["actor"], e["action"], e["target"], e["detail"]) for e in logged] == [
        ("lanhdao", action, name, {"as_of": "2024-06-30", "scope": "Không có"})
    ]


def test_a_job_that_ends_between_reading_and_asking_still_answers(app, manager):
    """Dash reads a job's result, then asks whether the job runs. A job that ended between the
    two must not look cancelled: the poll says "not yet" and the next poll brings the file."""
    browser = browser_for(app, "lanhdao", PASSWORD)
    browser.open("/?as_of=2024-06-30")
    body = browser.body(browser.key("..report-download."), [None, 1, "?as_of=2024-06-30"], 1)
    handles = browser.start(body)
    manager_object = app._background_manager
    read = manager_object.get_result

    def before_it_ended(key: str, job: Any) -> Any:
        deadline = time.monotonic() + JOB_TIMEOUT_S
        while not manager_object.result_ready(key):  # let the job end first, then miss it
            assert time.monotonic() < deadline, "the job did not end"
            time.sleep(POLL_S)
        if manager == "celery":  # the task is marked done just after its result is written
            while manager_object.get_task(job).status != "SUCCESS":
                assert time.monotonic() < deadline, "the task did not end"
                time.sleep(POLL_S)
        return manager_object.UNDEFINED

    manager_object.get_result = before_it_ended
    try:
        missed = browser.poll(body, handles)
    finally:
        manager_object.get_result = read
    assert missed.status_code == 200 and "response" not in (missed.get_json() or {})
    got = browser.finish(body, handles)
    assert got.status_code == 200, got.get_data(as_text=True)[:500]
    assert got.get_json()["response"]["report-download"]["data"]["content"]


def test_the_report_job_draws_on_the_web_workers_renderer(app):
    """The job is handed the address of the web worker's warm renderer and draws every chart
    there (no browser of its own to start and close: as fast as the download link)."""
    import io

    from PIL import Image

    from etl.storage import accounts
    from pages.overview import build_file
    from reporting.charts import REPORT_CHARTS
    from reporting.render import ChartRenderer
    from web import background, context

    class Served(ChartRenderer):
        def __init__(self) -> None:
            super().__init__()
            self.drawn: list[int] = []

        def render(self, fig, fmt, **_options):
            self.drawn.append(os.getpid())
            buffer = io.BytesIO()
            Image.new("RGB", (90, 42), (31, 119, 180)).save(buffer, format="PNG")
            return buffer.getvalue()

    served = Served()
    saved = app.server.extensions["tgbc_renderer"]
    app.server.extensions["tgbc_renderer"] = served
    try:
        with app.server.test_request_context("/"):
            address = background._job_data(None)["renderer_address"]
        assert address == served.address() and os.path.exists(address)
        engine = app.server.extensions[context.ENGINE_KEY]
        settings = dataclasses.replace(
            app.server.extensions[context.SETTINGS_KEY],
            database_url=engine.url.render_as_string(hide_password=False),
        )
        viewer = accounts.get_account(engine, username="lanhdao")
        job = background.job_from(
            {"account_id": viewer.id, "settings": {}, "renderer_address": address}
        )
        job = dataclasses.replace(job, settings=settings)
        sent, _said = build_file(job, "pdf", "?as_of=2024-06-30", lambda *_: None)
    finally:
        app.server.extensions["tgbc_renderer"] = saved
        served.close()
    assert base64.b64decode(sent["content"])[:5] == b"%PDF-"
    assert served.drawn == [os.getpid()] * len(REPORT_CHARTS)
