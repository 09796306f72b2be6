"""Named settings, from the environment, with units in their names. One project root."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class Settings:
    """Everything the product reads from the environment, in one place."""

    database_url: str
    data_dir: Path
    host: str
    port: int
    max_upload_bytes: int
    sqlite_busy_timeout_ms: int

    @property
    def uploads_dir(self) -> Path:
        return self.data_dir / "uploads"

    @property
    def sample_dir(self) -> Path:
        return ROOT / "data" / "sample"


def default_database_url(data_dir: Path) -> str:
    return f"sqlite:///{data_dir / 'tgbc.sqlite3'}"


def load_settings(env: dict[str, str] | None = None) -> Settings:
    """Settings from `env` (default: the process environment)."""
    env = dict(os.environ if env is None else env)
    data_dir = Path(env.get("DATA_DIR") or ROOT / "data")
    return Settings(
        database_url=env.get("DATABASE_URL") or default_database_url(data_dir),
        data_dir=data_dir,
        host=env.get("HOST", "127.0.0.1"),
        port=int(env.get("PORT", "8050")),
        max_upload_bytes=int(env.get("MAX_UPLOAD_BYTES", str(20 * 1024 * 1024))),
        sqlite_busy_timeout_ms=int(env.get("SQLITE_BUSY_TIMEOUT_MS", "30000")),
    )
