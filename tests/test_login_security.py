"""Accounts under attack (issue 15): every login attempt counted once under any concurrency
(threads and processes, SQLite and PostgreSQL) and its password checked only within the
allowance; the same work and answer for a wrong password, an unknown and a disabled name;
server-side sessions that logging out, a new password, a new role, disabling and an
administrator end wherever their cookie is replayed."""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, insert, select

from etl.storage import accounts, schema
from tests.conftest import login

ROOT = Path(__file__).resolve().parents[1]
PASSWORD = "mat-khau-rat-dai-1"
ATTEMPTS = 40


def counting_checks(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """A list that grows by one at every password check of this process."""
    calls: list[int] = []
    check = accounts.check_password_hash

    def counted(stored: str, given: str) -> bool:
        calls.append(1)
        return check(stored, given)

    monkeypatch.setattr(accounts, "check_password_hash", counted)
    return calls


def failures(engine: Engine, **where: str) -> int:
    """Attempts kept as failures (or still being checked) for a name or an address."""
    a = schema.login_attempt.c
    query = select(func.count()).select_from(schema.login_attempt).where(a.success == 0)
    for column, value in where.items():
        query = query.where(a[column] == value)
    with engine.connect() as conn:
        return conn.execute(query).scalar_one()


def audited(engine: Engine, action: str) -> int:
    a = schema.audit_log.c
    with engine.connect() as conn:
        return conn.execute(
            select(func.count()).select_from(schema.audit_log).where(a.action == action)
        ).scalar_one()


LOCKED = re.compile(r"^Đăng nhập tạm khóa do sai quá nhiều lần, thử lại sau (\d+) phút\.$")


@pytest.mark.parametrize("shared", ["name", "address"])
def test_simultaneous_wrong_logins_in_threads_check_the_allowance_only(
    engine: Engine, monkeypatch: pytest.MonkeyPatch, shared: str
):
    """40 threads at once against one name (each from its own address), or from one address
    (each for its own name): exactly MAX_FAILED_LOGINS passwords are checked."""
    accounts.create_account(engine, "nguoidung", PASSWORD, "viewer")
    checks = counting_checks(monkeypatch)
    barrier = threading.Barrier(ATTEMPTS)
    answers: list[str] = []

    def attempt(i: int) -> None:
        name, address = (
            ("nguoidung", f"10.1.0.{i}") if shared == "name" else (f"ten{i}", "10.2.0.1")
        )
        barrier.wait()
        try:
            accounts.authenticate(engine, name, "sai-mat-khau", address)
            answers.append("signed-in")
        except accounts.AccountError as exc:
            answers.append(str(exc))

    threads = [threading.Thread(target=attempt, args=(i,)) for i in range(ATTEMPTS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(checks) == accounts.MAX_FAILED_LOGINS
    assert answers.count(accounts.WRONG_LOGIN) == accounts.MAX_FAILED_LOGINS
    locked = [a for a in answers if LOCKED.match(a)]
    assert len(locked) == ATTEMPTS - accounts.MAX_FAILED_LOGINS
    assert all(int(LOCKED.match(a).group(1)) == 15 for a in locked)
    where = {"username": "nguoidung"} if shared == "name" else {"remote_addr": "10.2.0.1"}
    assert failures(engine, **where) == accounts.MAX_FAILED_LOGINS
    assert audited(engine, "login.locked") == ATTEMPTS - accounts.MAX_FAILED_LOGINS


@pytest.mark.slow  # eight Python processes
def test_simultaneous_wrong_logins_from_processes_check_the_allowance_only(engine: Engine):
    """8 processes × 5 threads, released together, against one name: exactly MAX_FAILED_LOGINS
    password checks in all, counted in each process."""
    accounts.create_account(engine, "nguoidung", PASSWORD, "viewer")
    url = engine.url.render_as_string(hide_password=False)
    procs = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "tests.login_worker",
                url,
                "nguoidung",
                "sai",
                f"10.3.0.{p}",
                "5",
            ],
            cwd=ROOT,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        for p in range(8)
    ]
    try:
        for proc in procs:
            assert proc.stdout.readline().strip() == "ready"
        for proc in procs:  # every process is waiting: release them all
            proc.stdin.write("go\n")
            proc.stdin.flush()
        results = []
        for proc in procs:
            out, _ = proc.communicate(timeout=120)
            line = next(x for x in out.splitlines() if x.startswith("result "))
            results.append(json.loads(line.split(" ", 1)[1]))
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.kill()
    answers = [a for r in results for a in r["answers"]]
    assert len(answers) == ATTEMPTS
    assert sum(r["checks"] for r in results) == accounts.MAX_FAILED_LOGINS
    assert answers.count(accounts.WRONG_LOGIN) == accounts.MAX_FAILED_LOGINS
    assert sum(1 for a in answers if LOCKED.match(a)) == ATTEMPTS - accounts.MAX_FAILED_LOGINS
    assert failures(engine, username="nguoidung") == accounts.MAX_FAILED_LOGINS


def test_a_locked_name_is_told_the_real_time_left_and_its_password_is_not_checked(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
):
    accounts.create_account(engine, "nguoidung", PASSWORD, "viewer")
    moment = accounts.now()
    ago = [10, 8, 6, 4, 2]  # minutes: the oldest failure leaves the window in 5 minutes
    with engine.begin() as conn:
        conn.execute(
            insert(schema.login_attempt),
            [
                {
                    "username": "nguoidung",
                    "remote_addr": f"10.4.0.{m}",
                    "at": moment - dt.timedelta(minutes=m),
                    "success": 0,
                }
                for m in ago
            ],
        )
    checks = counting_checks(monkeypatch)
    with pytest.raises(accounts.AccountError) as refused:
        accounts.authenticate(engine, "NguoiDung ", PASSWORD, "10.4.1.1")  # the right password
    assert LOCKED.match(str(refused.value)).group(1) == "5"
    assert checks == []
    until = accounts.throttled_until(engine, "nguoidung", "10.4.1.1")
    assert dt.timedelta(minutes=4) < until - moment <= dt.timedelta(minutes=5)
    # once the oldest failure is older than the window, the name may try again
    monkeypatch.setattr(accounts, "now", lambda: moment + dt.timedelta(minutes=5, seconds=1))
    assert accounts.authenticate(engine, "nguoidung", PASSWORD, "10.4.1.1").username == "nguoidung"
    assert checks == [1]


def test_a_wrong_password_an_unknown_and_a_disabled_name_cost_and_answer_the_same(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
):
    """Medians of 20 attempts each (interleaved, so the machine's load falls on all three alike)
    within 20% of each other, and one message for all."""
    monkeypatch.setattr(accounts, "MAX_FAILED_LOGINS", 10_000)  # time the checks, not the lock
    accounts.create_account(engine, "conhan", PASSWORD, "viewer")
    accounts.create_account(engine, "dakhoa", PASSWORD, "viewer")
    accounts.set_active(engine, "dakhoa", False, actor="test")
    kinds = {"wrong password": "conhan", "unknown": "khongco", "disabled": "dakhoa"}
    times: dict[str, list[float]] = {k: [] for k in kinds}
    messages = set()
    for i in range(20):
        for kind, name in kinds.items():
            password = PASSWORD if kind == "disabled" else f"sai-{i}"
            started = time.perf_counter()
            with pytest.raises(accounts.AccountError) as refused:
                accounts.authenticate(engine, name, password, "10.5.0.1")
            times[kind].append(time.perf_counter() - started)
            messages.add(str(refused.value))
    assert messages == {accounts.WRONG_LOGIN}
    medians = {k: statistics.median(v) for k, v in times.items()}
    assert max(medians.values()) <= 1.2 * min(medians.values()), medians


# ---------------------------------------------------------------- sessions


def test_sessions_are_kept_and_ended_by_the_database(engine: Engine, monkeypatch):
    """The storage of sessions on every backend: open until logged out, until the account
    changes, or until unused for SESSION_IDLE (its last use written every SESSION_TOUCH)."""
    user = accounts.create_account(engine, "nguoidung", PASSWORD, "viewer")
    other = accounts.create_account(engine, "khac", PASSWORD, "viewer")
    first = accounts.start_session(engine, user.id, "10.8.0.1", "A")
    second = accounts.start_session(engine, user.id, "10.8.0.2", "B" * 400)
    kept = accounts.start_session(engine, other.id, "10.8.0.3", "")
    assert accounts.session_account(engine, first, user.id).username == "nguoidung"
    assert [s.remote_addr for s in accounts.open_sessions(engine, "nguoidung")] == [
        "10.8.0.2",
        "10.8.0.1",
    ]
    assert len(accounts.open_sessions(engine, "nguoidung")[0].user_agent) == 255
    accounts.end_session(engine, first)
    assert accounts.session_account(engine, first, user.id) is None
    assert accounts.session_account(engine, second, user.id) is not None
    accounts.set_password(engine, "nguoidung", "mat-khau-moi-rat-dai", actor="test")
    assert accounts.session_account(engine, second, user.id) is None
    assert accounts.open_sessions(engine, "nguoidung") == []
    assert accounts.session_account(engine, kept, other.id) is not None  # another account's
    start = accounts.now()
    monkeypatch.setattr(accounts, "now", lambda: start + dt.timedelta(hours=7, minutes=58))
    assert accounts.session_account(engine, kept, other.id) is not None  # used: touched
    monkeypatch.setattr(accounts, "now", lambda: start + dt.timedelta(hours=15, minutes=57))
    assert accounts.session_account(engine, kept, other.id) is not None
    monkeypatch.setattr(accounts, "now", lambda: start + dt.timedelta(hours=24))
    assert accounts.session_account(engine, kept, other.id) is None
    with pytest.raises(accounts.AccountError):
        accounts.end_sessions(engine, "khongco", actor="test")


@pytest.fixture
def app(isolated_app):
    engine = isolated_app.server.extensions["tgbc_engine"]
    units = accounts.resolve_units(engine, ["Sở Nội vụ"])
    accounts.create_account(engine, "lanhdao", PASSWORD, "viewer")
    accounts.create_account(engine, "donvi_a", PASSWORD, "uploader", unit_ids=[units[0]])
    return isolated_app


def signed_in_client(app, username: str = "lanhdao", password: str = PASSWORD):
    client = app.server.test_client()
    token = login(client, username, password)
    return client, token


def replay(app, cookie: str):
    """A fresh client presenting a saved session cookie: (page status, where it is sent)."""
    client = app.server.test_client()
    client.set_cookie("tgbc_session", cookie)
    page = client.get("/")
    layout = client.get("/_dash-layout")
    return page.status_code, page.headers.get("Location", ""), layout.status_code


def test_a_cookie_saved_before_logout_opens_nothing_after_it(app):
    client, token = signed_in_client(app)
    saved = client.get_cookie("tgbc_session").value
    assert replay(app, saved)[0] == 200
    other, _ = signed_in_client(app)  # the same account elsewhere keeps its own session
    assert client.post("/logout", headers={"X-CSRFToken": token}).status_code == 302
    status, location, layout = replay(app, saved)
    assert (status, layout) == (302, 401) and location.startswith("/login")
    assert other.get("/").status_code == 200


@pytest.mark.parametrize("change", ["password", "role", "disable", "end all"])
def test_an_account_change_ends_every_session_of_the_account(app, change):
    engine = app.server.extensions["tgbc_engine"]
    first, _ = signed_in_client(app)
    second, _ = signed_in_client(app)
    bystander, _ = signed_in_client(app, "donvi_a")
    saved = first.get_cookie("tgbc_session").value
    assert len(accounts.open_sessions(engine, "lanhdao")) == 2
    if change == "password":
        accounts.set_password(engine, "lanhdao", "mat-khau-moi-rat-dai", actor="test")
    elif change == "role":
        accounts.set_role(engine, "lanhdao", "reviewer", None, actor="test")
    elif change == "disable":
        accounts.set_active(engine, "lanhdao", False, actor="test")
    else:
        assert accounts.end_sessions(engine, "lanhdao", actor="admin") == 2
    for client in (first, second):
        got = client.get("/")
        assert got.status_code == 302 and got.headers["Location"].startswith("/login")
    assert replay(app, saved)[0] == 302
    assert accounts.open_sessions(engine, "lanhdao") == []
    assert bystander.get("/nop-bao-cao").status_code == 200  # other accounts are untouched
    if change == "password":  # the new password opens a new session
        again, _ = signed_in_client(app, "lanhdao", "mat-khau-moi-rat-dai")
        assert again.get("/").status_code == 200


def test_setting_the_same_role_again_ends_nothing(app):
    engine = app.server.extensions["tgbc_engine"]
    client, _ = signed_in_client(app)
    accounts.set_role(engine, "lanhdao", "viewer", None, actor="test")
    assert client.get("/").status_code == 200


def test_sessions_are_listed_with_where_they_come_from_and_kept_as_hashes(app):
    engine = app.server.extensions["tgbc_engine"]
    client = app.server.test_client()
    login(client, "lanhdao", PASSWORD)
    (opened,) = accounts.open_sessions(engine, "lanhdao")
    assert opened.remote_addr == "127.0.0.1" and opened.user_agent.startswith("Werkzeug")
    with engine.connect() as conn:
        stored = conn.execute(select(schema.user_session.c.token_sha256)).scalars().all()
    assert all(len(s) == 64 for s in stored)


def test_a_session_unused_for_its_lifetime_is_over(app, monkeypatch):
    engine = app.server.extensions["tgbc_engine"]
    client, _ = signed_in_client(app)
    later = accounts.now() + accounts.SESSION_IDLE + dt.timedelta(minutes=1)
    monkeypatch.setattr(accounts, "now", lambda: later)
    assert client.get("/").status_code == 302
    assert accounts.open_sessions(engine, "lanhdao") == []


def test_a_forged_or_foreign_session_id_opens_nothing(app):
    engine = app.server.extensions["tgbc_engine"]
    admin = accounts.get_account(engine, username="admin")
    viewer = accounts.get_account(engine, username="lanhdao")
    token = accounts.start_session(engine, viewer.id, "10.6.0.1", "test")
    assert accounts.session_account(engine, token, viewer.id).username == "lanhdao"
    assert accounts.session_account(engine, token, admin.id) is None  # another account's
    assert accounts.session_account(engine, "khong-co", viewer.id) is None


def test_the_admin_lists_and_ends_an_accounts_sessions(app):
    from flask_login import login_user

    from pages import admin_sessions
    from web.auth import User

    engine = app.server.extensions["tgbc_engine"]
    client, _ = signed_in_client(app)
    signed_in_client(app, "donvi_a")
    with app.server.test_request_context():
        login_user(User(accounts.get_account(engine, username="admin")))
        shown = str(admin_sessions.render_sessions("/quan-tri", 0))
        assert "127.0.0.1" in shown and "Werkzeug" in shown
        assert "sessions-of-lanhdao" in shown and "sessions-of-donvi_a" in shown
        outcome, done = admin_sessions.end_sessions_of("lanhdao")
        assert "Đã kết thúc 1 phiên của «lanhdao»" in str(outcome) and done
        shown = str(admin_sessions.render_sessions("/quan-tri", 1))
        assert "sessions-of-lanhdao" not in shown and "sessions-of-donvi_a" in shown
        outcome, done = admin_sessions.end_sessions_of("lanhdao")
        assert "không có phiên nào đang mở" in str(outcome)
        for wrong in (None, "", 7, "khongco"):
            outcome, done = admin_sessions.end_sessions_of(wrong)
            assert not done and "alert" in str(outcome)
    assert client.get("/").status_code == 302
    assert ("admin", "user.sessions-ended") in {
        (e["actor"], e["action"]) for e in accounts.read_audit(engine)
    }
    with app.server.test_request_context():
        login_user(User(accounts.get_account(engine, username="lanhdao")))
        assert "forbidden" in str(admin_sessions.render_sessions("/quan-tri", 0))
        outcome, done = admin_sessions.end_sessions_of("donvi_a")
        assert "Chỉ quản trị viên" in str(outcome) and not done
    assert accounts.open_sessions(engine, "donvi_a") != []


def test_the_cli_lists_and_ends_sessions(app, capsys):
    from etl.cli import main

    engine = app.server.extensions["tgbc_engine"]
    url = engine.url.render_as_string(hide_password=False)
    client, _ = signed_in_client(app)
    assert main(["user", "sessions", "lanhdao", "--db", url]) == 0
    assert capsys.readouterr().out.startswith("lanhdao\ttừ ")
    assert main(["user", "sessions", "--db", url]) == 0  # every account's
    assert "lanhdao\t" in capsys.readouterr().out
    assert main(["user", "end-sessions", "lanhdao", "--db", url]) == 0
    assert "1 phiên" in capsys.readouterr().out
    assert client.get("/").status_code == 302
    assert main(["user", "sessions", "khongco", "--db", url]) == 2
    assert "Không có tài khoản" in capsys.readouterr().err
    assert main(["user", "sessions", "lanhdao", "--db", url]) == 0
    assert "Không có phiên nào đang mở" in capsys.readouterr().out


CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.mark.slow
@pytest.mark.browser
@pytest.mark.skipif(
    not (CHROMIUM and shutil.which("chromedriver")),
    reason="trình duyệt không có sẵn / Chromium not installed",
)
def test_the_admin_ends_an_accounts_sessions_in_the_browser(dash_duo, app, tmp_path):
    from dash.testing.wait import until

    from tests.test_browser import WAIT_S, _severe, _sign_in, _text

    engine = app.server.extensions["tgbc_engine"]
    viewer = accounts.get_account(engine, username="lanhdao")
    browser = "Mozilla/5.0 (Windows NT 10.0) Firefox/133.0"
    for address in ("10.7.0.1", "10.7.0.2"):
        accounts.start_session(engine, viewer.id, address, browser)
    _sign_in(dash_duo, app, "/quan-tri")
    row = "[data-testid=sessions-of-lanhdao]"
    until(lambda: "2 phiên đang mở" in _text(dash_duo, row), WAIT_S)
    assert "10.7.0.2" in _text(dash_duo, "[data-testid=sessions-list]")
    dash_duo.driver.set_window_size(1280, 1000)
    dash_duo.driver.execute_script(
        "document.getElementById('sessions-list').scrollIntoView({block: 'start'})"
    )
    dash_duo.driver.save_screenshot(str(tmp_path / "sessions.png"))
    dash_duo.find_element(f"{row} button").click()
    until(
        lambda: "Đã kết thúc 2 phiên" in _text(dash_duo, "[data-testid=sessions-outcome]"), WAIT_S
    )
    until(lambda: not _text(dash_duo, row), WAIT_S)
    assert "admin" in _text(dash_duo, "[data-testid=sessions-list]")  # this session stays
    assert accounts.open_sessions(engine, "lanhdao") == []
    assert not _severe(dash_duo.get_logs())
