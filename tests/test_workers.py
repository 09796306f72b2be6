"""Several web workers on one database: a return uploaded through one worker is seen by the
other on its very next request, with no stale dataset cache.

Two gunicorn processes (gunicorn.conf.py, one worker each, so that each port is one worker)
share DATABASE_URL and DATA_DIR, as `make serve`'s workers do. On PostgreSQL (a fresh schema
of TEST_DATABASE_URL, in the URL's search_path) when it is set; on SQLite always.
"""

from __future__ import annotations

import io
import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

import pytest
import requests
from sqlalchemy import Engine

from etl import service
from etl.core.settings import load_settings
from etl.storage import accounts
from tests.builders import quota_return
from tests.conftest import ADMIN_PASSWORD, TEST_DATABASE_URL, make_test_engine

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = sorted((ROOT / "data" / "sample").glob("*.xlsx"))
START_S = 60.0  # a worker imports the app (Dash, pandas, plotly) before it answers
HTTP_S = 30.0
VIEW = "as_of=2024-06-30"

pytestmark = pytest.mark.slow  # real gunicorn masters and workers


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Worker:
    """`gunicorn -c gunicorn.conf.py 'app:create_server()'` with one worker, on its own
    port."""

    def __init__(self, name: str, url: str, data_dir: Path) -> None:
        self.port = _free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log_path = data_dir / f"gunicorn_{name}.log"
        self._log = self.log_path.open("w")
        env = {k: v for k, v in os.environ.items() if k != "REDIS_URL"}
        env.update(
            DATABASE_URL=url,
            DATA_DIR=str(data_dir),
            HOST="127.0.0.1",
            PORT=str(self.port),
            WEB_CONCURRENCY="1",
            ADMIN_USER="admin",
            ADMIN_PASSWORD=ADMIN_PASSWORD,
            PYTHONPATH=str(ROOT),
        )
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "app:create_server()"],
            cwd=ROOT,
            env=env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # the master and its worker are stopped together
        )

    def log(self) -> str:
        return self.log_path.read_text()[-3000:]

    def wait_ready(self, deadline: float) -> None:
        while True:
            assert self.proc.poll() is None, f"gunicorn exited:\n{self.log()}"
            try:
                if requests.get(f"{self.base}/login", timeout=2).status_code == 200:
                    return
            except requests.ConnectionError:
                pass
            assert time.monotonic() < deadline, f"gunicorn not answering:\n{self.log()}"
            time.sleep(0.2)

    def wait_listening(self, deadline: float) -> None:
        """Until the port accepts connections, without a request: the worker's first requests
        are then the test's."""
        while True:
            assert self.proc.poll() is None, f"gunicorn exited:\n{self.log()}"
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return
            except OSError:
                pass
            assert time.monotonic() < deadline, f"gunicorn not listening:\n{self.log()}"
            time.sleep(0.1)

    def stop(self) -> None:
        for sig, wait_s in ((signal.SIGTERM, 15), (signal.SIGKILL, 5)):
            try:
                os.killpg(self.proc.pid, sig)
            except ProcessLookupError:
                break
            try:
                self.proc.wait(timeout=wait_s)
                break
            except subprocess.TimeoutExpired:
                continue
        self._log.close()

    def sign_in(self, username: str = "admin", password: str = ADMIN_PASSWORD) -> requests.Session:
        """A session signed in through the login form, as a browser is."""
        session = requests.Session()
        page = session.get(f"{self.base}/login", timeout=HTTP_S).text
        token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
        done = session.post(
            f"{self.base}/login",
            data={"username": username, "password": password, "csrf_token": token},
            allow_redirects=False,
            timeout=HTTP_S,
        )
        assert done.status_code == 302, done.text[:300]
        session.get(f"{self.base}/", timeout=HTTP_S)  # sets the CSRF cookie Dash echoes
        return session

    def summary(self, session: requests.Session) -> dict:
        got = session.get(f"{self.base}/api/v1/summary?{VIEW}", timeout=HTTP_S)
        assert got.status_code == 200, got.text[:300]
        return got.json()


@contextmanager
def two_workers(url: str, data_dir: Path) -> Iterator[tuple[Worker, Worker]]:
    """Workers A and B on one database and one DATA_DIR; always stopped."""
    workers: list[Worker] = []
    try:
        workers = [Worker("a", url, data_dir), Worker("b", url, data_dir)]
        deadline = time.monotonic() + START_S
        workers[0].wait_ready(deadline)
        workers[1].wait_listening(deadline)
        yield workers[0], workers[1]
    finally:
        for worker in workers:
            worker.stop()


def _prepare(engine: Engine, data_dir: Path) -> str:
    """The sample city, the admin and the session secret, as `make serve`'s master leaves
    them (two separate masters must not race to create them); the engine's URL."""
    from web import auth

    settings = load_settings({"DATA_DIR": str(data_dir)})
    service.load_sample(engine, settings)
    accounts.create_account(engine, "admin", ADMIN_PASSWORD, "admin")
    auth.secret_key(settings)
    return engine.url.render_as_string(hide_password=False)


def _check_scripts_from_the_other_worker(a: Worker, b: Worker, on_a: requests.Session) -> None:
    """B's first requests, all at once as a browser sends them: the component scripts of a
    page A rendered. Each is served (Dash sets a process up on its first request; requests
    running beside that one used to find no script registered and answer 500)."""
    page = on_a.get(f"{a.base}/", timeout=HTTP_S).text
    scripts = re.findall(r'src="(/_dash-component-suites/[^"]+)"', page)
    assert any("dash_ag_grid" in s for s in scripts), scripts
    with ThreadPoolExecutor(len(scripts)) as pool:
        got = list(pool.map(lambda s: requests.get(f"{b.base}{s}", timeout=START_S), scripts))
    assert [r.status_code for r in got] == [200] * len(scripts), b.log()


def _check_no_stale_cache(a: Worker, b: Worker, upload_via_token: bool, engine: Engine) -> None:
    on_a = a.sign_in()
    _check_scripts_from_the_other_worker(a, b, on_a)
    on_b = b.sign_in()
    before = a.summary(on_a)  # A's dataset cache is now warm
    assert b.summary(on_b) == before
    # a session made on A is good on B: both workers sign cookies with the shared secret
    cross = requests.Session()
    cross.cookies.set("tgbc_session", on_a.cookies.get("tgbc_session"))
    assert b.summary(cross) == before

    files = {"file": ("so_noi_vu.xlsx", io.BytesIO(quota_return("Sở Nội vụ", 30)))}
    if upload_via_token:
        token = accounts.create_token(engine, "admin", "test_workers", actor="test")
        headers = {"Authorization": f"Bearer {token}"}
        stored = requests.post(
            f"{b.base}/api/v1/returns", files=files, headers=headers, timeout=HTTP_S
        )
    else:  # the browser's way: session cookie and the CSRF token from its cookie
        headers = {"X-CSRFToken": on_b.cookies.get("_csrf_token")}
        stored = on_b.post(f"{b.base}/api/v1/returns", files=files, headers=headers, timeout=60)
    assert stored.status_code == 200, stored.text[:500]
    assert stored.json()["result"] == "accepted" and stored.json()["status"] == "cho_duyet"
    assert a.summary(on_a) == before  # waiting for review: it does not count yet

    approve = f"{a.base}/api/v1/submissions/{stored.json()['id']}/approve"  # on the other worker
    if upload_via_token:
        done = requests.post(approve, headers=headers, timeout=HTTP_S)
    else:
        csrf = {"X-CSRFToken": on_a.cookies.get("_csrf_token")}
        done = on_a.post(approve, headers=csrf, timeout=HTTP_S)
    assert done.status_code == 200 and done.json()["status"] == "da_duyet", done.text[:500]

    after = a.summary(on_a)  # the very next request to A
    assert after != before
    assert after["cong_chuc"] != before["cong_chuc"]
    assert b.summary(on_b) == after


@pytest.mark.postgres
@pytest.mark.skipif(
    not TEST_DATABASE_URL,
    reason="TEST_DATABASE_URL chưa đặt / unset: the PostgreSQL workers test needs it (CI sets it)",
)
def test_two_gunicorn_workers_on_postgresql_see_each_others_uploads(tmp_path: Path) -> None:
    engine, drop = make_test_engine("postgresql", tmp_path)
    try:
        url = _prepare(engine, tmp_path)
        with two_workers(url, tmp_path) as (a, b):
            _check_no_stale_cache(a, b, upload_via_token=True, engine=engine)
    finally:
        drop()


def test_two_gunicorn_workers_on_sqlite_see_each_others_uploads(tmp_path: Path) -> None:
    engine, drop = make_test_engine("sqlite", tmp_path)
    try:
        url = _prepare(engine, tmp_path)
        with two_workers(url, tmp_path) as (a, b):
            _check_no_stale_cache(a, b, upload_via_token=False, engine=engine)
    finally:
        drop()
