"""A separate process that uploads files through the real ingest path, for
tests/test_concurrency.py (simultaneous uploads from several processes, and kill -9 mid-ingest).

    python -m tests.ingest_worker DATABASE_URL UPLOADS_DIR FILE [FILE ...]

It opens the database with `etl.service.open_engine`, then for each FILE prints `ready`, waits
for a line on stdin (the test's "go", so that every worker starts at the same moment) and
ingests the file with `etl.ingest.load.ingest_bytes`. While ingesting it prints `write <seconds>`
when the submission row is inserted (the write phase of the transaction has begun) and
`commit <seconds>` when the transaction is about to commit, then
`result <json>` (status, submission id, counts, error codes, or the exception raised), so a
test that kills it knows which phase it interrupted. Every line is flushed at once.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Any

from sqlalchemy import event

from etl import service
from etl.ingest.load import ingest_bytes


def say(*words: object) -> None:
    print(*words, flush=True)


def main(argv: list[str]) -> int:
    url, uploads_dir, *files = argv
    engine = service.open_engine(url)
    started = [time.monotonic()]

    @event.listens_for(engine, "before_cursor_execute")
    def _on_execute(_conn, _cursor, statement: str, *_args: Any) -> None:
        if statement.lstrip().upper().startswith("INSERT INTO SUBMISSION"):
            say("write", f"{time.monotonic() - started[0]:.4f}")

    @event.listens_for(engine, "commit")
    def _on_commit(_conn) -> None:
        say("commit", f"{time.monotonic() - started[0]:.4f}")

    for path in files:
        content = Path(path).read_bytes()
        say("ready")
        if not sys.stdin.readline():
            return 2  # the test went away
        started[0] = time.monotonic()
        try:
            result = ingest_bytes(
                engine, content, Path(path).name, uploads_dir=Path(uploads_dir), approve=True
            )
            out: dict[str, Any] = {
                "status": result.status,
                "submission_id": result.submission_id,
                "counts": result.counts,
                "errors": [p.code for p in result.errors],
            }
        except Exception as exc:  # reported to the test, which fails on it
            out = {"status": "exception", "error": f"{type(exc).__name__}: {exc}"}
        out["elapsed"] = time.monotonic() - started[0]
        say("result", json.dumps(out))
    engine.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
