"""Background work (Dash background callbacks): the manager, what a job knows, progress.

* `make_manager`: a `CeleryManager` when `REDIS_URL` is set (broker and result backend; start
  workers with `make worker`, i.e. `celery -A app:celery_app worker`), else
  `DiskcacheManager` with its cache under `DATA_DIR/cache` (a subprocess per job, one machine).
* A job runs outside the Flask request: no `current_app`, no `current_user`. What it needs is
  put into the callback context by a `custom_data` hook while the request is still there (the
  signed-in account's id, the app's settings and the address of the web worker's chart
  renderer) and read back with `current_job()`; the job opens its own engine
  (`etl.service.open_engine`), checks the account again, and draws its charts on the web
  worker's warm browser session (`job_renderer`), as fast as the download link.
* Who may start a job is decided before it starts: `web/policy.py` refuses a callback's
  outputs to accounts their access level does not allow, at `/_dash-update-component` (the
  polling requests of a background callback go there too, with the same outputs): the upload
  check to non-uploaders, the report jobs to all but leadership and the Department.
* Each job gets its own result key (`cache_by`: a nonce per request), so two people starting
  the same job with the same inputs never read each other's result.
"""

from __future__ import annotations

import dataclasses
import secrets
from collections.abc import Callable
from pathlib import Path
from typing import Any

from dash import CeleryManager, DiskcacheManager, Input, Output, hooks, html
from flask import has_request_context
from sqlalchemy import Engine

from etl import service
from etl.core.settings import Settings, load_settings
from etl.storage import accounts

NAMESPACE = "tgbc"  # the key of what a job knows, in the callback context's custom_data
CELERY_NAME = "tgbc"
RESULT_EXPIRE_S = 3600  # results are dropped an hour after they are fetched (Redis: after set)
DISKCACHE_LIMIT_BYTES = 256 * 1024 * 1024  # past this the oldest entries (abandoned jobs) go

_celery_apps: dict[str, Any] = {}


def celery_for(url: str) -> Any:  # celery.Celery
    """The Celery app on `url` (broker and result backend), one per URL and process. A worker
    (`celery -A app:celery_app worker`) builds the app on start, which registers every
    background callback as a Celery task."""
    if url not in _celery_apps:
        from celery import Celery

        celery = Celery(CELERY_NAME, broker=url, backend=url)
        celery.conf.update(
            result_expires=RESULT_EXPIRE_S,
            task_track_started=True,  # a running job reads as STARTED, a cancelled one REVOKED
            worker_prefetch_multiplier=1,  # long jobs: take one at a time
            broker_connection_retry_on_startup=True,
            worker_hijack_root_logger=False,
        )
        _celery_apps[url] = celery
    return _celery_apps[url]


def _request_nonce() -> str:
    return secrets.token_hex(16)


class KillingCeleryManager(CeleryManager):
    """Dash's CeleryManager, but "Hủy" kills the job's pool process with SIGKILL. With the
    default SIGTERM, billiard raises SystemExit inside the job, which Python drops when it
    lands in a garbage-collector callback (seen here: the cancelled check ran to the end).
    The worker replaces the process; a browser the job started exits with it.

    Dash also calls this after it has read a job's result: a job already marked done is left
    alone, as its pool process may already be running the next job."""

    def job_running(self, job: Any) -> bool:
        """Dash reads a job's result, then asks whether the job still runs, and takes "no
        result, not running" for a cancelled job: a job that finished between the two looked
        cancelled and the browser never got its file (seen under load: 204 instead of the
        workbook). A job that ended well counts as running until its result is read, on the
        next poll; a revoked (cancelled) or failed one does not."""
        from celery import states

        task = self.get_task(job)
        running = ("PENDING", "RECEIVED", "STARTED", "RETRY", "PROGRESS", states.SUCCESS)
        return bool(task) and task.status in running

    def terminate_job(self, job: Any) -> None:
        if job is None:
            return
        from celery import states

        if self.handle.AsyncResult(job).state in states.READY_STATES:
            return
        self.handle.control.revoke(job, terminate=True, signal="SIGKILL")


class AnsweringDiskcacheManager(DiskcacheManager):
    """Dash's DiskcacheManager, but a job whose process ended after writing its result counts
    as running until the result is read (see `KillingCeleryManager.job_running`): the job's
    result key is kept in the cache under its process id, so any web worker can tell a job
    that ended well from one that was cancelled."""

    def call_job_fn(self, key: str, job_fn: Any, args: Any, context: Any) -> Any:
        job = super().call_job_fn(key, job_fn, args, context)
        if job is not None:
            self.handle.set(f"tgbc-job-{job}", key, expire=RESULT_EXPIRE_S)
        return job

    def job_running(self, job: Any) -> bool:
        if super().job_running(job):
            return True
        key = self.handle.get(f"tgbc-job-{job}") if job else None
        return key is not None and self.result_ready(key)


def make_manager(settings: Settings) -> Any:
    """The background callback manager for these settings: Celery with `redis_url`, else a
    diskcache under DATA_DIR."""
    if settings.redis_url:
        return KillingCeleryManager(
            celery_for(settings.redis_url), cache_by=[_request_nonce], expire=RESULT_EXPIRE_S
        )
    import diskcache

    cache = diskcache.Cache(str(settings.cache_dir), size_limit=DISKCACHE_LIMIT_BYTES)
    return AnsweringDiskcacheManager(cache, cache_by=[_request_nonce], expire=RESULT_EXPIRE_S)


def create_cache(settings: Settings) -> None:
    """Without Redis, the job cache under DATA_DIR, made once before the workers share it."""
    if not settings.redis_url:
        import diskcache

        diskcache.Cache(str(settings.cache_dir)).close()


# --- what a job knows ---------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Job:
    """What a background job needs, carried from the request that started it."""

    account_id: int | None
    settings: Settings
    # where the web worker that started the job draws charts (reporting.render), if it does
    renderer_address: str | None = None

    def engine(self) -> Engine:
        """A new engine on the app's database (dispose it when done)."""
        return service.open_engine(self.settings.database_url, self.settings)

    def account(self, engine: Engine) -> accounts.Account | None:
        """The account that started the job, as it is now (None if gone or disabled)."""
        if self.account_id is None:
            return None
        acc = accounts.get_account(engine, user_id=self.account_id)
        return acc if acc is not None and acc.active else None


def _settings_for_job() -> dict[str, Any]:
    """The app's settings as plain values. The database URL is the one of the app's engine,
    except when it holds a password: secrets stay out of the job queue, and the job then
    takes DATABASE_URL (and the secret settings) from its own environment."""
    from web import context

    settings = context.settings()
    values: dict[str, Any] = {}
    for field in dataclasses.fields(settings):
        if field.metadata.get("secret"):
            continue
        value = getattr(settings, field.name)
        values[field.name] = str(value) if isinstance(value, Path) else value
    url = context.engine().url
    values["database_url"] = None if url.password else url.render_as_string(hide_password=False)
    return values


@hooks.custom_data(NAMESPACE)
def _job_data(_callback_context: Any) -> dict[str, Any]:
    """Runs in the request of every callback, before a background job is started."""
    if not has_request_context():
        return {}
    from web import context

    acc = context.account()
    return {
        "account_id": acc.id if acc else None,
        "settings": _settings_for_job(),
        "renderer_address": _renderer_address(),
    }


def _renderer_address() -> str | None:
    """The socket of this web worker's chart renderer (opened on first use), if it has one."""
    from flask import current_app

    from web.export_routes import RENDERER_KEY

    renderer = current_app.extensions.get(RENDERER_KEY)
    return renderer.address() if renderer is not None else None


def job_from(data: dict[str, Any] | None) -> Job:
    """A `Job` from the custom data of the request that started it."""
    data = data or {}
    env_settings = load_settings()
    values = dict(data.get("settings") or {})
    known = {f.name: f for f in dataclasses.fields(Settings)}
    changes: dict[str, Any] = {}
    for name, value in values.items():
        if name not in known or value is None:
            continue
        current = getattr(env_settings, name)
        changes[name] = Path(value) if isinstance(current, Path) else value
    address = data.get("renderer_address")
    return Job(
        account_id=data.get("account_id"),
        settings=dataclasses.replace(env_settings, **changes),
        renderer_address=address if isinstance(address, str) else None,
    )


def current_job() -> Job:
    """Inside a background callback: what the request that started it passed on."""
    from dash import ctx

    return job_from((ctx.custom_data or {}).get(NAMESPACE))


# --- progress -------------------------------------------------------------------------------


def make_progress(prefix: str) -> html.Div:
    """A progress bar, its text and a cancel button ("Hủy"), hidden until a job runs.

    Ids: `{prefix}-progress` (the block), `-progress-bar`, `-progress-text`, `-cancel`."""
    return html.Div(
        [
            html.Progress(id=f"{prefix}-progress-bar", value=0, max=1, style={"width": "260px"}),
            html.Span(id=f"{prefix}-progress-text", className="small", role="status"),
            html.Button("Hủy", id=f"{prefix}-cancel", className="button", disabled=True),
        ],
        id=f"{prefix}-progress",
        hidden=True,
        className="toolbar",
        style={"alignItems": "center"},
        **{"data-testid": f"{prefix}-progress"},
    )


def progress_options(prefix: str, *, busy: list[str]) -> dict[str, Any]:
    """The `callback(...)` options of a background job shown by `make_progress(prefix)`:
    progress bar and text, the block shown and "Hủy" enabled while it runs, the controls in
    `busy` disabled meanwhile, "Hủy" cancelling it."""
    return {
        "background": True,
        "interval": 500,  # ms between progress polls
        "progress": [
            Output(f"{prefix}-progress-bar", "value"),
            Output(f"{prefix}-progress-bar", "max"),
            Output(f"{prefix}-progress-text", "children"),
        ],
        "progress_default": [0, 1, ""],
        "running": [
            (Output(f"{prefix}-progress", "hidden"), False, True),
            (Output(f"{prefix}-cancel", "disabled"), False, True),
            *[(Output(control, "disabled"), True, False) for control in busy],
        ],
        "cancel": [Input(f"{prefix}-cancel", "n_clicks")],
    }


class ProgressRenderer:
    """A chart renderer that says which chart it is drawing before drawing it."""

    def __init__(self, renderer: Any, say: Callable[[int, str], None]) -> None:
        self._renderer = renderer
        self._say = say
        self._count = 0

    def problem(self) -> str | None:
        return self._renderer.problem()

    def render(self, fig: Any, fmt: str, **kwargs: Any) -> bytes:
        self._count += 1
        title = getattr(getattr(fig.layout, "title", None), "text", None) or ""
        self._say(self._count, title)
        return self._renderer.render(fig, fmt, **kwargs)

    def close(self) -> None:
        self._renderer.close()


def job_renderer(address: str | None = None) -> Any:  # reporting.render.RemoteRenderer
    """A chart renderer for a job: it draws on the warm browser session of the web worker
    listening at `address` (`Job.renderer_address`), else on a browser of its own (closed by
    its `close`). A DiskcacheManager job is a fork of a web worker and inherits kaleido's
    record of that worker's browser session, whose thread did not survive the fork: forget
    it, so that a browser of its own can start."""
    import kaleido

    from reporting.render import RemoteRenderer

    server = kaleido._global_server
    thread = getattr(server, "_thread", None)
    if server.is_running() and (thread is None or not thread.is_alive()):
        server._initialized = False
    return RemoteRenderer(address)
