"""What a start does once, before any request: `python app.py` in its one process, gunicorn's
master before it forks the workers (gunicorn.conf.py), a Celery worker before its pool.

Migrate the schema, write (or read) the session secret, create the first administrator
(printing a generated password once), create the background job cache. Everything here is
idempotent: a second start changes nothing.
"""

from __future__ import annotations

from etl import service
from etl.core.settings import Settings
from etl.storage import accounts
from web import auth, background


def bootstrap(settings: Settings) -> None:
    """Migrate, the session secret, the first admin, the job cache (see the module)."""
    service.migrate(settings.database_url, settings)
    engine = service.open_engine(settings.database_url, settings)
    try:
        generated = accounts.ensure_admin(
            engine,
            {"ADMIN_USER": settings.admin_user, "ADMIN_PASSWORD": settings.admin_password or ""},
        )
    finally:
        engine.dispose()
    if generated:
        print(
            f"Đã tạo tài khoản quản trị «{settings.admin_user}» với mật khẩu: "
            f"{generated}  (chỉ hiện một lần; đổi bằng: python -m etl user password …)",
            flush=True,
        )
    auth.secret_key(settings)  # written once under DATA_DIR, read by every worker
    background.create_cache(settings)
