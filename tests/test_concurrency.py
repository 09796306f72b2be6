"""Concurrency and crash safety of the upload path, on SQLite and (with TEST_DATABASE_URL)
PostgreSQL: the `engine` fixture runs every test on each configured backend.

* Simultaneous uploads for one unit and year (20 threads; 20 processes) are all accepted — no
  "database is locked", no error — and leave every value in the history and exactly one
  current value, the one of the highest submission id. The same file uploaded 20 times at
  once is stored once; the other 19 are told "duplicate".
* A worker process killed with SIGKILL at random moments of a large ingest leaves the
  database either exactly as before the attempt or with the whole file stored, never
  anything in between, and leaves no lock or open transaction behind.
* A page reading the figures while an upload's transaction is open is answered at once from
  the committed data (on SQLite, reads open DEFERRED transactions: etl.storage.db.reading).

Other processes run tests/ingest_worker.py, which opens the database with
`etl.service.open_engine` and ingests with `etl.ingest.load.ingest_bytes`, as the app does.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import queue
import random
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, text

from etl import service
from etl.ingest import writer
from etl.ingest.load import IngestResult, ingest_bytes
from etl.measures.cache import load_dataset
from etl.storage import db
from tests.builders import form01, workbook_bytes
from tests.conftest import open_sample_periods, table_counts

ROOT = Path(__file__).resolve().parent.parent
AS_OF = dt.date(2024, 6, 30)
TITLE = [["Biểu số 01"], ["Số liệu tính đến ngày: 30/06/2024"]]
UNIT = "Sở Nội vụ"
N_UPLOADS = 20
WORKER_TIMEOUT_S = 120.0


def _url(engine: Engine) -> str:
    """The engine's URL with its password and, on PostgreSQL, the test schema's search_path
    (in the `options` query parameter), so that other processes open the same database."""
    return engine.url.render_as_string(hide_password=False)


def _one_unit_return(value: int) -> bytes:
    """Biểu 01 with one row: `UNIT`, its 2021 quota (40) and its 2024 quota `value` (so a
    different file per value)."""
    row = [1, UNIT, 40, value, "Đã phê duyệt"]
    return workbook_bytes(form01([row], years=(2021, 2024), title=TITLE))


class Worker:
    """tests/ingest_worker.py in its own process; its output lines are read by a thread."""

    def __init__(self, url: str, uploads_dir: Path, files: Sequence[Path], log: Path) -> None:
        self._stderr = log.open("w")
        self.log = log
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "tests.ingest_worker", url, str(uploads_dir), *map(str, files)],
            cwd=ROOT,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self._stderr,
            text=True,
        )
        self.lines: queue.Queue[str | None] = queue.Queue()
        self.seen: list[str] = []
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.put(line.rstrip("\n"))
        self.lines.put(None)

    def wait_for(self, word: str, timeout: float = WORKER_TIMEOUT_S) -> str:
        """The next output line starting with `word` (earlier lines are kept in `seen`)."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                line = self.lines.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                raise AssertionError(f"worker gave no {word!r} within {timeout}s") from None
            if line is None:
                self._stderr.flush()
                raise AssertionError(
                    f"worker ended before {word!r}; stderr:\n{self.log.read_text()[-3000:]}"
                )
            self.seen.append(line)
            if line.split(" ", 1)[0] == word:
                return line

    def go(self) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write("go\n")
        self.proc.stdin.flush()

    def result(self) -> dict[str, Any]:
        return json.loads(self.wait_for("result").split(" ", 1)[1])

    def kill(self) -> list[str]:
        """SIGKILL (a no-op if it has already exited); every line it printed before dying."""
        self.proc.kill()
        self.proc.wait(timeout=30)
        while (line := self.lines.get(timeout=30)) is not None:
            self.seen.append(line)
        return self.seen

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait(timeout=30)
        for stream in (self.proc.stdin, self.proc.stdout):
            if stream is not None:
                stream.close()
        self._stderr.close()


def _upload_at_once(engine: Engine, uploads_dir: Path, files: list[bytes]) -> list[Any]:
    """Each file from its own thread, all released together by a barrier; the results, or the
    exceptions raised."""
    barrier = threading.Barrier(len(files))

    def upload(k: int) -> IngestResult | Exception:
        barrier.wait()
        try:
            return ingest_bytes(
                engine, files[k], f"bao_cao_{k}.xlsx", uploads_dir=uploads_dir, approve=True
            )
        except Exception as exc:
            return exc

    with ThreadPoolExecutor(len(files)) as pool:
        return list(pool.map(upload, range(len(files))))


def _assert_one_current_version(engine: Engine, value_of: dict[int, int]) -> None:
    """Every submission of `value_of` (submission id → the 2024 value its file carried) is in
    the history of (UNIT, 2024); only one unit was created; the current value — per
    `etl.measures.dataset.latest_by` and in the summary — is the one of the highest
    submission id."""
    with engine.connect() as conn:
        unit_ids = conn.execute(text("SELECT id FROM unit WHERE name = :n"), {"n": UNIT}).all()
        n_submissions = conn.execute(text("SELECT COUNT(*) FROM submission")).scalar_one()
        history = conn.execute(
            text(
                "SELECT f.submission_id, f.value FROM fact f JOIN unit u ON u.id = f.unit_id "
                "WHERE u.name = :n AND f.year = 2024 AND f.measure = 'cong_chuc' "
                "AND f.status = 'assigned' ORDER BY f.submission_id"
            ),
            {"n": UNIT},
        ).all()
    assert len(unit_ids) == 1, "concurrent uploads created the unit more than once"
    assert n_submissions == len(value_of) == N_UPLOADS
    assert len(history) == N_UPLOADS
    assert {s: v for s, v in history} == value_of
    ds = load_dataset(engine)
    facts = ds.facts
    current = facts[
        (facts["unit_id"] == unit_ids[0].id)
        & (facts["year"] == 2024)
        & (facts["measure"] == "cong_chuc")
        & (facts["status"] == "assigned")
    ]
    latest = value_of[max(value_of)]
    assert current["value"].tolist() == [latest]
    assert current["submission_id"].tolist() == [max(value_of)]
    assert service.summary(engine, as_of=AS_OF)["cong_chuc"]["current"] == latest


# ---------------------------------------------------------------- simultaneous uploads


def test_twenty_simultaneous_uploads_from_threads_keep_one_current_value(engine, tmp_path):
    """20 threads upload 20 different returns for the same unit and year at the same moment:
    all accepted (no 'database is locked', no error), 20 submissions, 20 history rows, one
    current value — the one of the highest submission id."""
    open_sample_periods(engine)
    values = [100 + k for k in range(N_UPLOADS)]
    results = _upload_at_once(engine, tmp_path / "uploads", [_one_unit_return(v) for v in values])
    failures = [r for r in results if isinstance(r, Exception)]
    assert failures == [], f"uploads raised: {failures!r}"
    assert [(r.status, r.errors) for r in results] == [("accepted", [])] * N_UPLOADS
    stored = {r.submission_id: v for r, v in zip(results, values, strict=True)}
    _assert_one_current_version(engine, stored)


def test_twenty_simultaneous_uploads_of_the_same_file_store_it_once(engine, tmp_path):
    """20 threads upload the same file at the same moment: one is accepted, 19 are told
    'duplicate' (pointing at the stored submission), no error, stored once."""
    open_sample_periods(engine)
    content = _one_unit_return(42)
    results = _upload_at_once(engine, tmp_path / "uploads", [content] * N_UPLOADS)
    failures = [r for r in results if isinstance(r, Exception)]
    assert failures == [], f"uploads raised: {failures!r}"
    statuses = sorted(r.status for r in results)
    assert statuses == ["accepted"] + ["duplicate"] * (N_UPLOADS - 1)
    assert len({r.submission_id for r in results}) == 1
    counts = table_counts(engine)
    assert (counts["submission"], counts["unit"], counts["fact"]) == (1, 1, 2)


@pytest.mark.slow
def test_twenty_simultaneous_uploads_from_processes(engine, tmp_path):
    """20 processes (as app workers would be) upload 20 different returns for the same unit
    and year at the same moment — all accepted, one current value, the highest submission's —
    then the same file all at once: one accepted, 19 duplicates, no error."""
    open_sample_periods(engine)
    url, uploads = _url(engine), tmp_path / "uploads"
    values = [200 + k for k in range(N_UPLOADS)]
    distinct = [tmp_path / f"bao_cao_{k}.xlsx" for k in range(N_UPLOADS)]
    for path, value in zip(distinct, values, strict=True):
        path.write_bytes(_one_unit_return(value))
    same = tmp_path / "cung_mot_tep.xlsx"
    same.write_bytes(_one_unit_return(999))
    workers = [
        Worker(url, uploads, [distinct[k], same], tmp_path / f"worker_{k}.log")
        for k in range(N_UPLOADS)
    ]
    try:
        for worker in workers:
            worker.wait_for("ready")
        for worker in workers:
            worker.go()
        results = [w.result() for w in workers]
        assert [(r["status"], r.get("error"), r["errors"]) for r in results] == [
            ("accepted", None, [])
        ] * N_UPLOADS
        _assert_one_current_version(
            engine, {r["submission_id"]: v for r, v in zip(results, values, strict=True)}
        )

        before = table_counts(engine)
        for worker in workers:
            worker.wait_for("ready")
        for worker in workers:
            worker.go()
        again = [w.result() for w in workers]
        assert sorted((r["status"], r.get("error")) for r in again) == [("accepted", None)] + [
            ("duplicate", None)
        ] * (N_UPLOADS - 1)
        assert len({r["submission_id"] for r in again}) == 1
        after = table_counts(engine)
        assert (after["submission"], after["fact"]) == (
            before["submission"] + 1,
            before["fact"] + 2,
        )
    finally:
        for worker in workers:
            worker.close()


def test_reading_during_an_upload_neither_waits_nor_fails(engine, tmp_path):
    """While an upload's transaction is open (held 1 s), a page reading the figures through
    an engine with a 0.3 s busy timeout is answered at once from the last committed data —
    it neither waits for the writer nor sees 'database is locked'."""
    open_sample_periods(engine)
    assert ingest_bytes(
        engine, _one_unit_return(1), "a.xlsx", uploads_dir=tmp_path, approve=True
    ).accepted
    version = db.data_version(engine)
    writing, hold_s = threading.Event(), 1.0

    def hold(conn: Any, result: Any) -> None:
        writing.set()
        time.sleep(hold_s)  # the rows are written, the transaction is still open

    with ThreadPoolExecutor(1) as pool:
        upload = pool.submit(
            ingest_bytes,
            engine,
            _one_unit_return(2),
            "b.xlsx",
            uploads_dir=tmp_path,
            on_store=hold,
            approve=True,
        )
        assert writing.wait(30)
        reader = db.make_engine(_url(engine), busy_timeout_ms=300)
        try:
            started = time.monotonic()
            seen = db.data_version(reader)
            figures = service.summary(reader, as_of=AS_OF)["cong_chuc"]
            waited = time.monotonic() - started
        finally:
            reader.dispose()
    assert upload.result().status == "accepted"
    assert seen == version  # the committed data, not the upload in progress
    assert figures["current"] == 1
    assert waited < hold_s / 2


# ---------------------------------------------------------------- kill -9 mid-ingest

BIG_UNITS = 3000  # rows of the large return: its ingest takes ~0.5 s
NEW_UNITS = 50  # units each crash attempt adds, so an attempt writes unit rows too
N_KILLS = 12  # per backend: 10 at random moments, one mid-write, one at the commit
KILL_SEED = 20_240_630
KILL_SPREAD = 1.2  # kill times spread over [0, 1.2 × the measured ingest duration]


def _big_return(version: int, new_units: int) -> bytes:
    """Biểu 01 with BIG_UNITS known units (2024 quota 38 + version) and `new_units` units of
    this version only (quota 10 every year)."""
    rows: list[list[Any]] = [
        [i + 1, f"Đơn vị {i:04d}", 40 + i % 7, 40, 39, 38 + version, "Đã phê duyệt"]
        for i in range(BIG_UNITS)
    ]
    rows += [
        [BIG_UNITS + j + 1, f"Đơn vị mới v{version:02d} số {j:02d}", 10, 10, 10, 10, "Đã phê duyệt"]
        for j in range(new_units)
    ]
    return workbook_bytes(form01(rows, title=TITLE))


@dataclass(frozen=True)
class CrashFiles:
    base: Path  # stored before the attempts: the previous figures
    attempts: list[Path]  # the first one is ingested whole to time an ingest


@pytest.fixture(scope="module")
def crash_files(tmp_path_factory: pytest.TempPathFactory) -> CrashFiles:
    """The large returns, built once for both backends."""
    folder = tmp_path_factory.mktemp("crash_files")
    base = folder / "base.xlsx"
    base.write_bytes(_big_return(0, 0))
    attempts = []
    for version in range(1, N_KILLS + 2):
        path = folder / f"attempt_{version:02d}.xlsx"
        path.write_bytes(_big_return(version, NEW_UNITS))
        attempts.append(path)
    return CrashFiles(base, attempts)


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _version(path: Path) -> int:
    return int(path.stem.rsplit("_", 1)[1])


@dataclass
class DbState:
    counts: dict[str, int]
    summary: str  # the summary JSON


def _read_state(
    url: str, uploads: Path, expected: dict[str, tuple[int, int, int]], pending: str
) -> tuple[DbState, bool]:
    """On fresh connections: the database's state, and whether the submission of sha
    `pending` is stored. Checks on the way that nothing partial is visible: SQLite's
    integrity check passes, no fact, job position or unit lacks its submission, every stored
    submission has all its rows (`expected`: sha → facts, job positions, new units) and its
    original file, whole, under `uploads`."""
    fresh = db.make_engine(url)
    try:
        with fresh.connect() as conn:
            if fresh.dialect.name == "sqlite":
                assert conn.exec_driver_sql("PRAGMA integrity_check").scalars().all() == ["ok"]
            orphans = conn.execute(
                text(
                    "SELECT (SELECT COUNT(*) FROM fact WHERE submission_id NOT IN "
                    "(SELECT id FROM submission)), (SELECT COUNT(*) FROM job_position WHERE "
                    "submission_id NOT IN (SELECT id FROM submission)), (SELECT COUNT(*) FROM "
                    "unit WHERE created_by NOT IN (SELECT id FROM submission))"
                )
            ).one()
            stored = conn.execute(
                text(
                    "SELECT s.sha256, s.stored_path, "
                    "(SELECT COUNT(*) FROM fact f WHERE f.submission_id = s.id), "
                    "(SELECT COUNT(*) FROM job_position j WHERE j.submission_id = s.id), "
                    "(SELECT COUNT(*) FROM unit u WHERE u.created_by = s.id) FROM submission s"
                )
            ).all()
        counts = table_counts(fresh)
        summary = json.dumps(service.summary(fresh, as_of=AS_OF), sort_keys=True, default=str)
    finally:
        fresh.dispose()
    assert tuple(orphans) == (0, 0, 0), "rows without their submission"
    assert {sha: tuple(rest) for sha, _, *rest in stored} == {
        sha: expected[sha] for sha, *_ in stored
    }, "a stored submission lacks some of its rows"
    for sha, stored_path, *_ in stored:
        assert hashlib.sha256((uploads / stored_path).read_bytes()).hexdigest() == sha
    return DbState(counts, summary), pending in {sha for sha, *_ in stored}


def _expected_current(state: DbState, version: int) -> int:
    """The city's current cong_chuc once `version` is stored: the known units at its value,
    plus 10 for every unit added by a stored attempt."""
    return BIG_UNITS * (38 + version) + 10 * (state.counts["unit"] - BIG_UNITS)


def _sessions(engine: Engine, app_name: str) -> list[tuple[int, str]]:
    """PostgreSQL: (pid, state) of the sessions opened under `app_name`."""
    with engine.connect() as conn:
        rows = conn.execute(
            text("SELECT pid, state FROM pg_stat_activity WHERE application_name = :n"),
            {"n": app_name},
        ).all()
    return [tuple(r) for r in rows]


def _assert_backend_released(engine: Engine, app_name: str, timeout: float = 10.0) -> float:
    """PostgreSQL: the killed worker's sessions end (the server rolls back their transaction
    when the connection drops) within `timeout`, and nothing then keeps a writer waiting —
    the ingest advisory lock and a lock conflicting with inserts are granted at once.
    Returns how long the sessions took to go."""
    started = time.monotonic()
    while left := _sessions(engine, app_name):
        assert time.monotonic() - started < timeout, f"killed worker's sessions stay: {left}"
        time.sleep(0.02)
    gone = time.monotonic() - started
    with engine.begin() as conn:
        conn.execute(text("SET LOCAL lock_timeout = '5s'"))
        conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": writer.WRITER_LOCK_KEY})
        conn.execute(text("LOCK TABLE submission, unit, fact, job_position IN EXCLUSIVE MODE"))
    return gone


def _phase(lines: list[str]) -> str:
    """How far the killed worker got: read (no row written yet), write (inserting, not yet
    committing), commit (commit under way) or done (it reported its result)."""
    words = {line.split(" ", 1)[0] for line in lines}
    for word, phase in (("result", "done"), ("commit", "commit"), ("write", "write")):
        if word in words:
            return phase
    return "read"


@dataclass(frozen=True)
class Kill:
    """When to kill an attempt: `delay` seconds after "go" (`after` = None), or after the
    worker reports `after` ("write": rows are being inserted; "commit": the commit is under
    way)."""

    delay: float
    after: str | None = None

    def __str__(self) -> str:
        return f"{self.after or 'go'}+{self.delay:.3f}s"


def _kill_plan(rng: random.Random, duration: float, write_phase: float) -> list[Kill]:
    """N_KILLS - 2 moments stratified over [0, KILL_SPREAD × duration] (one at random in each
    slice, so every part of an ingest is hit whatever the seed), one at a random moment of
    the write phase and one as the commit starts, in random order."""
    n = N_KILLS - 2
    plan = [Kill((i + rng.random()) * KILL_SPREAD * duration / n) for i in range(n)]
    plan += [Kill(rng.random() * write_phase / 2, "write"), Kill(0.0, "commit")]
    rng.shuffle(plan)
    return plan


@pytest.mark.slow
def test_kill_9_at_random_moments_leaves_before_or_after(engine, tmp_path, crash_files):
    """A worker ingesting a large return (3 000 known units + 50 new ones) is killed with
    SIGKILL N_KILLS times, at seeded random moments spread over 0–1.2× an ingest's duration
    (two of them aimed at the write phase and at the commit). After each kill, on fresh
    connections, the database is exactly as before the attempt (same row counts, same
    summary) or holds the whole file (its submission, all its facts, job positions and new
    units, the new figures) — never a part; SQLite passes its integrity check; on PostgreSQL
    the dead worker's sessions and locks are gone within seconds."""
    open_sample_periods(engine)
    url, uploads = _url(engine), tmp_path / "uploads"
    postgres = engine.dialect.name == "postgresql"
    base = ingest_bytes(
        engine,
        crash_files.base.read_bytes(),
        crash_files.base.name,
        uploads_dir=uploads,
        approve=True,
    )
    assert base.status == "accepted"
    expected = {_sha(crash_files.base): (BIG_UNITS * 4, BIG_UNITS, BIG_UNITS)}
    shape = (BIG_UNITS * 4 + NEW_UNITS * 4, BIG_UNITS + NEW_UNITS, NEW_UNITS)
    expected |= {_sha(p): shape for p in crash_files.attempts}
    delta = {"submission": 1, "unit": NEW_UNITS, "fact": shape[0], "job_position": shape[1]}

    def spawn(n: int) -> tuple[Worker, str]:
        app_name = f"tgbc_crash_{uuid.uuid4().hex[:8]}"
        worker_url = f"{url}&application_name={app_name}" if postgres else url
        log = tmp_path / f"worker_{n}.log"
        return Worker(worker_url, uploads, [crash_files.attempts[n]], log), app_name

    # time one whole ingest by a worker (it is stored: the first "after")
    worker, _ = spawn(0)
    try:
        worker.wait_for("ready")
        worker.go()
        timed = worker.result()
    finally:
        worker.close()
    assert timed["status"] == "accepted", timed
    marks = dict(line.split(" ", 1) for line in worker.seen if line.startswith(("write", "commit")))
    duration, write_phase = timed["elapsed"], float(marks["commit"]) - float(marks["write"])
    state, stored = _read_state(url, uploads, expected, _sha(crash_files.attempts[0]))
    assert stored and state.counts["submission"] == 2

    plan = _kill_plan(random.Random(KILL_SEED), duration, write_phase)
    outcomes: list[tuple[str, str, str]] = []
    released: list[float] = []
    upcoming: tuple[Worker, str] | None = spawn(1)
    try:
        for n, kill in enumerate(plan, start=1):
            assert upcoming is not None
            (worker, app_name), path = upcoming, crash_files.attempts[n]
            try:
                worker.wait_for("ready")
                if postgres:  # its session is there, under its name, before it is killed
                    assert _sessions(engine, app_name), "worker session not found"
                worker.go()
                if kill.after:
                    worker.wait_for(kill.after)
                time.sleep(kill.delay)
                phase = _phase(worker.kill())
            finally:
                worker.close()
            upcoming = spawn(n + 1) if n < len(plan) else None  # starts while this is checked
            if postgres:
                released.append(_assert_backend_released(engine, app_name))
            before = state
            state, stored = _read_state(url, uploads, expected, _sha(path))
            if stored:
                after_counts = {k: v + delta.get(k, 0) for k, v in before.counts.items()}
                assert state.counts == after_counts, f"kill at {kill}: partial rows"
                current = json.loads(state.summary)["cong_chuc"]["current"]
                assert current == _expected_current(state, _version(path)), f"kill at {kill}"
            else:
                assert state.counts == before.counts, f"kill at {kill}: rows left behind"
                assert state.summary == before.summary, f"kill at {kill}: figures changed"
            outcomes.append((str(kill), phase, "after" if stored else "before"))
            if phase in ("read", "write"):  # killed before the commit began
                assert not stored, outcomes
            if phase == "done":
                assert stored, outcomes
    finally:
        if upcoming is not None:
            upcoming[0].close()

    report = f"ingest {duration:.3f}s, write phase {write_phase:.3f}s; (kill, phase, state): "
    report += ", ".join(map(str, outcomes))
    if released:
        report += f"; killed sessions gone within {max(released):.3f}s"
    print(report)
    assert "before" in {o for *_, o in outcomes}, report
    assert "write" in {phase for _, phase, _ in outcomes}, f"no kill mid-write: {report}"
    # and the next upload goes straight through
    last = ingest_bytes(
        engine, _big_return(99, NEW_UNITS), "sau_cung.xlsx", uploads_dir=uploads, approve=True
    )
    assert last.status == "accepted"
