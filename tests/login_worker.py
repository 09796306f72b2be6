"""A separate process that tries to sign in through `etl.storage.accounts.authenticate`, for
tests/test_login_security.py (simultaneous wrong logins from several processes).

    python -m tests.login_worker DATABASE_URL USERNAME PASSWORD ADDRESS THREADS

It opens the database with `etl.service.open_engine`, starts THREADS threads, prints `ready`,
waits for a line on stdin (the test's "go", so that every process starts at the same moment),
then each thread makes one attempt from ADDRESS. It prints `result <json>`: how many times a
password was checked (calls of the hash check in this process), and the messages answered.
"""

from __future__ import annotations

import json
import sys
import threading
from typing import Any

from etl import service
from etl.storage import accounts


def main(argv: list[str]) -> int:
    url, username, password, address, threads = argv
    engine = service.open_engine(url)
    checks: list[int] = []
    check = accounts.check_password_hash

    def counted(stored: str, given: str) -> bool:
        checks.append(1)  # list.append is atomic: no lock needed
        return check(stored, given)

    accounts.check_password_hash = counted  # type: ignore[assignment]
    go = threading.Event()
    answers: list[str] = []

    def attempt() -> None:
        go.wait()
        try:
            accounts.authenticate(engine, username, password, address)
            answers.append("signed-in")
        except accounts.AccountError as exc:
            answers.append(str(exc))

    workers = [threading.Thread(target=attempt) for _ in range(int(threads))]
    for worker in workers:
        worker.start()
    print("ready", flush=True)
    sys.stdin.readline()
    go.set()
    for worker in workers:
        worker.join()
    result: dict[str, Any] = {"checks": len(checks), "answers": answers}
    print("result", json.dumps(result, ensure_ascii=False), flush=True)
    engine.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
