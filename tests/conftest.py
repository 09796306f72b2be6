"""Shared fixtures: a migrated database per test (SQLite always, PostgreSQL when
TEST_DATABASE_URL is set), an `ingest` helper that goes through the real upload path, and
the app (`create_app`) on the sample city."""

from __future__ import annotations

import datetime as dt
import os
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, text

from etl import service
from etl.ingest.load import IngestResult, ingest_bytes
from etl.measures.cache import DatasetCache
from etl.storage import db

TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL")
ADMIN_PASSWORD = "mat-khau-quan-tri-thu"  # the test app's first admin
BACKENDS = ["sqlite"] + (["postgresql"] if TEST_DATABASE_URL else [])


def _postgres_engine() -> tuple[Engine, Callable[[], None]]:
    """A fresh schema on the test PostgreSQL, dropped afterwards."""
    assert TEST_DATABASE_URL
    schema_name = f"t_{uuid.uuid4().hex[:12]}"
    admin = db.make_engine(TEST_DATABASE_URL)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema_name}"'))
    sep = "&" if "?" in TEST_DATABASE_URL else "?"
    engine = db.make_engine(f"{TEST_DATABASE_URL}{sep}options=-csearch_path%3D{schema_name}")
    db.migrate(engine)

    def drop() -> None:
        engine.dispose()
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema_name}" CASCADE'))
        admin.dispose()

    return engine, drop


def make_test_engine(backend: str, tmp_path: Path) -> tuple[Engine, Callable[[], None]]:
    if backend == "postgresql":
        return _postgres_engine()
    url = f"sqlite:///{tmp_path / 'test.sqlite3'}"
    service.migrate(url)
    engine = service.open_engine(url)
    return engine, engine.dispose


@pytest.fixture(params=BACKENDS)
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """A migrated, empty database on every configured backend."""
    eng, cleanup = make_test_engine(request.param, tmp_path)
    yield eng
    cleanup()


@pytest.fixture
def sqlite_engine(tmp_path: Path) -> Iterator[Engine]:
    eng, cleanup = make_test_engine("sqlite", tmp_path)
    yield eng
    cleanup()


def open_period(engine: Engine, as_of: dt.date, *, actor: str = "test") -> None:
    """The period of `as_of` (named as the migration names one), open, unless it exists."""
    from etl.storage import periods

    with engine.begin() as conn:
        if periods.find_for_as_of(conn, as_of) is None:
            periods.add(
                conn,
                name=periods.default_name(as_of),
                as_of=as_of,
                deadline=as_of + dt.timedelta(days=15),
                actor=actor,
            )


def open_sample_periods(engine: Engine) -> None:
    """The periods of the sample's cut-off dates (31/12/2023, 30/06/2024), open: for tests
    that ingest the sample's files (or returns dated like them) through `ingest_bytes`."""
    for as_of in (dt.date(2023, 12, 31), dt.date(2024, 6, 30)):
        open_period(engine, as_of)


def ingest_with_period(
    engine: Engine, content: bytes, name: str, *, auto_period: bool = True, **kwargs: Any
) -> IngestResult:
    """`ingest_bytes`, approved at once unless `approve=False` is given; with `auto_period`
    (a test's convenience, never the product's), a file refused only because no period has its
    cut-off date is ingested again after that period is opened."""
    kwargs.setdefault("approve", True)
    result = ingest_bytes(engine, content, name, **kwargs)
    missing = [p for p in result.errors if p.code == "period-not-found"]
    if auto_period and missing and result.as_of is not None:
        open_period(engine, result.as_of)
        result = ingest_bytes(engine, content, name, **kwargs)
    return result


@pytest.fixture
def ingest(engine: Engine, tmp_path: Path) -> Callable[..., IngestResult]:
    """Upload bytes through the same path as the CLI and the app; the period of the file's
    cut-off date is opened when there is none (`auto_period=False`: not), and the return is
    approved (`approve=False`: it waits for review)."""

    def _ingest(content: bytes, name: str = "bao_cao.xlsx", **kwargs: Any) -> IngestResult:
        kwargs.setdefault("uploads_dir", tmp_path / "uploads")
        return ingest_with_period(engine, content, name, **kwargs)

    return _ingest


def table_counts(engine: Engine) -> dict[str, int]:
    """Row counts of every table: 'the database is unchanged' made checkable."""
    names = ("submission", "unit", "fact", "job_position", "event", "event_unit", "target")
    with engine.connect() as conn:
        return {n: conn.execute(text(f"SELECT COUNT(*) FROM {n}")).scalar_one() for n in names}


@pytest.fixture(scope="session")
def sample_app(tmp_path_factory: pytest.TempPathFactory):
    """The app (a dash.Dash) on a fresh SQLite database holding the sample city, started as
    `python app.py` starts it (one per session: Dash registers page callbacks once per
    process)."""
    from app import create_app
    from etl.core.settings import load_settings
    from web.bootstrap import bootstrap

    data_dir = tmp_path_factory.mktemp("appdata")
    url = f"sqlite:///{data_dir / 'app.sqlite3'}"
    os.environ["DATA_DIR"] = str(data_dir)
    os.environ["DATABASE_URL"] = url
    os.environ.pop("REDIS_URL", None)  # the shared test app runs jobs locally (diskcache)
    os.environ["ADMIN_USER"] = "admin"
    os.environ["ADMIN_PASSWORD"] = ADMIN_PASSWORD
    settings = load_settings()
    bootstrap(settings)  # the schema, the session secret, the first admin, the job cache
    engine = service.open_engine(url)
    service.load_sample(engine, settings)  # the periods, the files, each approved
    engine.dispose()
    app = create_app(settings)
    app.server.config["SAMPLE_DB"] = data_dir / "app.sqlite3"
    yield app
    app.server.extensions["tgbc_renderer"].close()  # the kaleido browser, if started


@pytest.fixture
def isolated_app(sample_app, tmp_path: Path):
    """The app on a private copy of the sample database, for tests that upload."""
    import sqlite3

    from web import context

    copy = tmp_path / "copy.sqlite3"
    source = sqlite3.connect(sample_app.server.config["SAMPLE_DB"])
    target = sqlite3.connect(copy)
    source.backup(target)  # the WAL's recent pages included, unlike a file copy
    source.close()
    target.close()
    extensions = sample_app.server.extensions
    saved = {k: extensions[k] for k in (context.ENGINE_KEY, context.CACHE_KEY)}
    extensions[context.ENGINE_KEY] = service.open_engine(f"sqlite:///{copy}")
    extensions[context.CACHE_KEY] = DatasetCache()
    yield sample_app
    extensions[context.ENGINE_KEY].dispose()
    extensions.update(saved)


def login(client, username: str = "admin", password: str = ADMIN_PASSWORD):
    """Sign a Flask test client in through the login form; returns the CSRF token for
    callbacks (Dash sends it from the `_csrf_token` cookie as X-CSRFToken)."""
    import re

    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    done = client.post(
        "/login", data={"username": username, "password": password, "csrf_token": token}
    )
    assert done.status_code == 302, done.get_data(as_text=True)[:300]
    cookie = client.get_cookie("_csrf_token")
    if cookie is None:
        client.get("/")
        cookie = client.get_cookie("_csrf_token")
    return cookie.value


@pytest.fixture
def signed_in(sample_app):
    """A request context of the sample app with the admin signed in, to call callbacks."""
    from flask_login import login_user

    from etl.storage import accounts
    from web.auth import User

    with sample_app.server.test_request_context():
        engine = sample_app.server.extensions["tgbc_engine"]
        login_user(User(accounts.get_account(engine, username="admin")))
        yield sample_app


@pytest.fixture(scope="module")
def client(sample_app):
    """A test client of the sample app, signed in as the admin (one per test module)."""
    client = sample_app.server.test_client()
    login(client)
    return client


@pytest.fixture
def no_browser(monkeypatch):
    """No Chromium on this server: exports that need one say so (reporting/render.py)."""
    from reporting import render

    monkeypatch.setattr(render, "find_browser", lambda: None)


@pytest.fixture
def refreshes(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """How many Datasets were derived incrementally (refresh_dataset calls of load_dataset)."""
    from etl.measures import cache

    calls: list[int] = []
    original = cache.refresh_dataset

    def counted(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        return original(*args, **kwargs)

    monkeypatch.setattr(cache, "refresh_dataset", counted)
    return calls
