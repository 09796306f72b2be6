"""gunicorn settings for `make serve` (`gunicorn -c gunicorn.conf.py 'app:create_server()'`).

Several worker processes, each building the app itself (no preload): its own database engine,
dataset cache and chart browser. They agree through the database (accounts, sessions' users,
the data version that invalidates every worker's dataset cache) and DATA_DIR (the session
secret, staged and kept uploads, the background job cache). Before the workers start, the
master does once what they would otherwise race to do (web/bootstrap.py): migrate the schema,
write the session secret, create the first admin and the job cache.

Environment (etl.core.settings.Settings): HOST and PORT (bind), WEB_CONCURRENCY (workers,
default 2), GUNICORN_THREADS (threads per worker, default 4), DATABASE_URL, DATA_DIR,
REDIS_URL, SECRET_KEY, ADMIN_USER, ADMIN_PASSWORD.
"""

from __future__ import annotations

from etl.core.settings import load_settings

_settings = load_settings()

bind = f"{_settings.host}:{_settings.port}"
# usually 2 × cores; 2 here (2 cores, and each worker may start a Chromium for chart exports)
workers = _settings.web_workers
worker_class = "gthread"  # a slow export does not hold up the progress polls of other users
threads = _settings.threads_per_worker
preload_app = False  # each worker builds its own engine, cache and browser after the fork
timeout = 120  # the plain /export/report.pdf link renders every chart in the request
graceful_timeout = 30  # on SIGTERM/HUP, requests in flight get this long to finish
keepalive = 5
accesslog = "-"
errorlog = "-"
proc_name = "tgbc"
# gunicorn ≥ 25 opens a control socket at one fixed path per user ($HOME/.gunicorn/gunicorn.ctl),
# which a second instance on the machine takes over; manage with signals (HUP, TTIN, TTOU) instead
control_socket_disable = True


def on_starting(server: object) -> None:
    """In the master, before any worker: migrate, the secret, the first admin, the job cache."""
    from web.bootstrap import bootstrap

    settings = load_settings()
    bootstrap(settings)
    print(
        f"Ứng dụng chạy tại http://{bind} với {workers} worker × {threads} luồng; "
        f"việc nền: {'Celery (REDIS_URL)' if settings.redis_url else 'diskcache'}",
        flush=True,
    )


def post_worker_init(worker: object) -> None:
    """In each worker (and each one started again), before it takes requests: `app.warm`.
    Its request through the app sets Dash up: Dash does that on a process's first request
    (registers the component scripts it may serve, the page callbacks, the page router) and
    marks it done before doing it, so requests running beside the first one — a browser's
    script and callback requests to a fresh worker — found nothing registered and answered 500
    or lacked the page router. Then the dataset and the overview's default view are built, so
    the first visitor does not wait for them."""
    from app import _freeze, warm

    warm(worker.wsgi)  # the Flask server `app:create_server()` built
    _freeze()
