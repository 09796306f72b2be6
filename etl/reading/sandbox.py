"""Run a named job in a child process with limits on memory, CPU and time.

A `Sandbox` is told by its caller which jobs it may run (a name for each "module:function"),
which classes their replies may hold, which modules its fork servers preload and how a waiting
child warms up; it knows nothing of what the jobs do. `Sandbox.run` sends a job to a fork
server started with `subprocess` (a fresh single-threaded interpreter that has imported what
the caller named; the multi-threaded web process itself is never forked), which keeps one
child forked ahead and warmed up; each job goes to that child, which then exits (one child per
job: a pool that reuses its workers, such as ProcessPoolExecutor, loses the whole pool when
one worker aborts and cannot stop one that hangs). The child sets RLIMIT_AS, RLIMIT_CPU, no
core dumps and a wall-clock timer, then calls the job. A child that aborts (python-calamine
aborts the whole process on a cell at XFD1048576), runs out of memory or of time costs one
refused file. Its reply comes back pickled and is loaded with an allow-list unpickler.
"""

from __future__ import annotations

import atexit
import dataclasses
import importlib
import io
import json
import logging
import math
import os
import pickle
import select
import signal
import struct
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from etl.core.formatting import fmt_number
from etl.core.problems import Problem, ProblemLog
from etl.reading.limits import Limits, MiB, size_vi

ROOT = Path(__file__).resolve().parents[2]
_logger = logging.getLogger(__name__)

EXIT_MEMORY = 75  # the child caught MemoryError
_LEN = struct.Struct("<Q")
# parent → fork server: the job's length and its time limit, then the job (a pickle only the
# child loads); fork server → parent: the child's exit code, whether it timed out, the length
# of its stderr's tail and of its result, then both as they are (the child's pickle, loaded
# once, by the parent)
_JOB = struct.Struct("<Qd")
_REPLY = struct.Struct("<q?QQ")
DATE_CLASSES = frozenset(("datetime", n) for n in ("date", "datetime", "time", "timedelta"))


class _SafeUnpickler(pickle.Unpickler):
    """Loads what the child sends back: plain containers, numbers, text and the classes in
    `allowed` ((module, name) pairs). Nothing else."""

    def __init__(self, data: bytes, allowed: frozenset[tuple[str, str]]) -> None:
        super().__init__(io.BytesIO(data))
        self.allowed = allowed

    def find_class(self, module: str, name: str) -> Any:
        if (module, name) in self.allowed:
            return super().find_class(module, name)
        raise pickle.UnpicklingError(f"{module}.{name} is not allowed")


def safe_loads(data: bytes, allowed: Iterable[tuple[str, str]] = DATE_CLASSES) -> Any:
    """A pickle loaded with only plain data and the classes in `allowed` (by default dates)."""
    return _SafeUnpickler(data, frozenset(allowed)).load()


def _read_fd(fd: int, size: int) -> bytes:
    """Exactly `size` bytes from `fd` (fewer at end of file)."""
    parts, got = [], 0
    while got < size:
        data = os.read(fd, min(size - got, 4 * MiB))
        if not data:
            break
        parts.append(data)
        got += len(data)
    return b"".join(parts)


def _write_fd(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


def _resolve(target: str) -> Callable[..., Any]:
    """The function a "module:function" string names (imported here, in the fork server)."""
    module, _, name = target.partition(":")
    function = getattr(importlib.import_module(module), name)
    if not callable(function):
        raise TypeError(f"{target} is not a function")
    return function


def _warm_up(warm_up: Callable[[], Any] | None) -> None:
    """Run the caller's warm-up while waiting for a job: the pages a job touches are copied
    from the fork server now, not while the upload waits."""
    if warm_up is None:
        return
    try:
        warm_up()
    except Exception:  # only a warm-up: the real job reports its own problems
        pass


def _child(
    job_fd: int,
    out_fd: int,
    err_fd: int,
    jobs: Mapping[str, Callable[..., Any]],
    warm_up: Callable[[], Any] | None,
) -> int:
    """In a forked child: wait for one job, set the limits, run it, send its result back."""
    import resource

    devnull = os.open(os.devnull, os.O_RDWR)
    os.dup2(devnull, 0)
    os.dup2(devnull, 1)
    os.dup2(err_fd, 2)
    _warm_up(warm_up)
    header = _read_fd(job_fd, _LEN.size)
    if len(header) < _LEN.size:
        return 0  # the fork server is closing
    params = pickle.loads(_read_fd(job_fd, _LEN.unpack(header)[0]))  # from our own parent
    os.close(job_fd)
    limits = Limits(**params["limits"])
    cpu = math.ceil(limits.parse_timeout_s) + 1
    for which, value in (
        (resource.RLIMIT_CORE, 0),  # no core dump of an upload
        (resource.RLIMIT_FSIZE, MiB),  # stderr is the only file it writes
        (resource.RLIMIT_CPU, cpu),
        (resource.RLIMIT_AS, limits.parse_memory_bytes),
    ):
        try:
            resource.setrlimit(which, (value, value + 1 if which == resource.RLIMIT_CPU else value))
        except (ValueError, OSError):  # not enforced on this platform (macOS: RLIMIT_AS)
            pass
    signal.signal(signal.SIGALRM, signal.SIG_DFL)  # the timer ends the process, even in Rust
    signal.setitimer(signal.ITIMER_REAL, limits.parse_timeout_s)
    job = jobs.get(params["job"])
    if job is None:  # the parent checks too: only a job its caller named is ever run
        print(f"job {params['job']!r} is not allowed", file=sys.stderr)
        return 70
    log = ProblemLog("")
    result = job(*params.pop("args"), log, limits)
    problems = [
        (p.code, p.severity, p.message_vi, p.message_en, p.sheet, p.cell, p.value)
        for p in log.items
    ]
    payload = pickle.dumps(
        {"problems": problems, "result": result}, protocol=pickle.HIGHEST_PROTOCOL
    )
    _write_fd(out_fd, _LEN.pack(len(payload)))
    _write_fd(out_fd, payload)
    return 0


def _scratch_fd() -> int:
    """An anonymous file for a child's stderr (memfd on Linux, an unlinked file elsewhere)."""
    if hasattr(os, "memfd_create"):
        return os.memfd_create("parse-stderr")
    import tempfile

    with tempfile.TemporaryFile() as fh:
        return os.dup(fh.fileno())


@dataclass
class _Spare:
    """A child forked ahead of its job, waiting on `job_fd` (fork is off the critical path)."""

    pid: int
    job_fd: int
    result_fd: int
    err_fd: int


def _fork_spare(
    jobs: Mapping[str, Callable[..., Any]], warm_up: Callable[[], Any] | None
) -> _Spare:
    """Fork the next child; it warms up and waits for a job."""
    job_r, job_w = os.pipe()
    result_r, result_w = os.pipe()
    err_fd = _scratch_fd()
    pid = os.fork()
    if pid == 0:  # the child: never returns
        code = 70
        try:
            os.close(job_w)
            os.close(result_r)
            code = _child(job_r, result_w, err_fd, jobs, warm_up)
        except MemoryError:
            code = EXIT_MEMORY
        except BaseException:
            import traceback

            traceback.print_exc()  # into the child's stderr, which the server reads
        finally:
            os._exit(code)
    os.close(job_r)
    os.close(result_w)
    return _Spare(pid, job_w, result_r, err_fd)


def _collect(spare: _Spare, timeout_s: float) -> tuple[bytes | None, bool]:
    """The child's length-prefixed result (None if it died first) and whether it timed out."""
    buf = bytearray()
    need: int | None = None
    deadline = time.monotonic() + timeout_s + 1.0  # the child's own timer fires first
    while need is None or len(buf) < need:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            os.kill(spare.pid, signal.SIGKILL)
            return None, True
        ready, _, _ = select.select([spare.result_fd], [], [], remaining)
        if not ready:
            continue
        data = os.read(spare.result_fd, 4 * MiB)
        if not data:
            return None, False
        buf += data
        if need is None and len(buf) >= _LEN.size:
            need = _LEN.size + _LEN.unpack(buf[: _LEN.size])[0]
    return bytes(buf[_LEN.size :]), False


def _hand_over(spare: _Spare, job: bytes) -> None:
    """In the fork server: give one job to the waiting child."""
    try:
        _write_fd(spare.job_fd, _LEN.pack(len(job)))
        _write_fd(spare.job_fd, job)
    except OSError:
        pass  # the child is gone: its exit status says why
    os.close(spare.job_fd)


def _finish(spare: _Spare, timeout: float) -> tuple[list[bytes], bool]:
    """The reply for the parent once the child has answered, died or timed out (`_REPLY`
    and what follows it), and whether the child is still to be reaped (it sent a whole
    result and is exiting)."""
    payload, timed_out = _collect(spare, timeout)
    os.close(spare.result_fd)
    exitcode = 0
    if payload is None:
        _, status = os.waitpid(spare.pid, 0)
        exitcode = os.waitstatus_to_exitcode(status)
    size = os.lseek(spare.err_fd, 0, os.SEEK_END)
    os.lseek(spare.err_fd, max(0, size - 4096), os.SEEK_SET)
    stderr = os.read(spare.err_fd, 4096)
    os.close(spare.err_fd)
    payload = payload or b""
    head = _REPLY.pack(exitcode, timed_out, len(stderr), len(payload))
    return [head, stderr, payload], bool(payload)


def zygote_main(config: str) -> None:
    """The fork server: import what the caller named once, keep one child forked ahead, hand
    it each job read from stdin (length-prefixed pickles from the parent); ends when stdin
    closes. `config` is the caller's `Sandbox` as JSON: blocked and preloaded modules, the
    jobs by name, what to prepare here and how a waiting child warms up."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent decides; Ctrl-C is for it
    import gc

    spec = json.loads(config)
    # A blocked module can never be imported here, so the server stays small and
    # single-threaded, which it must be to fork safely.
    for name in spec["blocked"]:
        sys.modules[name] = None  # type: ignore[assignment]
    for name in spec["preload"]:
        importlib.import_module(name)
    jobs = {name: _resolve(target) for name, target in spec["jobs"].items()}
    warm_up = _resolve(spec["warm_up"]) if spec["warm_up"] else None
    if spec["prepare"]:
        _resolve(spec["prepare"])()
    gc.freeze()  # the children's collections leave the preloaded objects (and pages) alone
    inp, out = sys.stdin.buffer, sys.stdout.buffer
    spare = _fork_spare(jobs, warm_up)
    while True:
        header = inp.read(_JOB.size)
        size, timeout = _JOB.unpack(header) if len(header) == _JOB.size else (0, 0.0)
        job = inp.read(size) if size else b""
        if not job:
            os.close(spare.job_fd)  # the waiting child reads end of file and exits
            os.waitpid(spare.pid, 0)
            return
        busy = spare
        _hand_over(busy, job)
        del job
        reply, finished = _finish(busy, timeout)
        for part in reply:
            out.write(part)
        out.flush()
        spare = _fork_spare(jobs, warm_up)  # while the parent goes on with the reply
        if finished:
            os.waitpid(busy.pid, 0)


class _ServerLost(Exception):
    """The fork server died or stopped answering (`sent`: after it had the job)."""

    def __init__(self, sent: bool = True) -> None:
        super().__init__("fork server lost")
        self.sent = sent


@dataclass(frozen=True)
class Reply:
    """What the fork server says of one job: the child's exit code, whether it ran out of
    time, the tail of its stderr and its result (the child's pickle, empty if none)."""

    exitcode: int
    timed_out: bool
    stderr: bytes
    payload: bytes


class _Zygote:
    """One fork server process and its pipes (used by one job at a time)."""

    def __init__(self, config: str, extra_env: Mapping[str, str]) -> None:
        env = {**os.environ, **extra_env}
        code = f"import sys; sys.path.insert(0, {str(ROOT)!r}); "
        code += f"from etl.reading.sandbox import zygote_main; zygote_main({config!r})"
        self.proc = subprocess.Popen(
            [sys.executable, "-I", "-c", code],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            bufsize=0,
            env=env,
            close_fds=True,
        )

    def run(self, job: bytes, child_timeout_s: float, timeout_s: float) -> Reply:
        """Send one job (the child's own time limit `child_timeout_s`), wait for its reply;
        `_ServerLost` or `TimeoutError` otherwise."""
        assert self.proc.stdin is not None and self.proc.stdout is not None
        try:
            self.proc.stdin.write(_JOB.pack(len(job), child_timeout_s))
            self.proc.stdin.write(job)
            self.proc.stdin.flush()
        except OSError:
            raise _ServerLost(sent=False) from None
        deadline = time.monotonic() + timeout_s
        fd = self.proc.stdout.fileno()
        exitcode, timed_out, n_err, n_payload = _REPLY.unpack(self._read(fd, _REPLY.size, deadline))
        stderr = self._read(fd, n_err, deadline)
        return Reply(exitcode, timed_out, stderr, self._read(fd, n_payload, deadline))

    @staticmethod
    def _read(fd: int, size: int, deadline: float) -> bytes:
        parts: list[bytes] = []
        got = 0
        while got < size:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError
            ready, _, _ = select.select([fd], [], [], remaining)
            if not ready:
                continue
            data = os.read(fd, min(size - got, 4 * MiB))
            if not data:
                raise _ServerLost
            parts.append(data)
            got += len(data)
        return b"".join(parts)

    def alive(self) -> bool:
        return self.proc.poll() is None

    def close(self, kill: bool = False) -> None:
        if kill:
            self.proc.kill()
        else:
            try:
                if self.proc.stdin:
                    self.proc.stdin.close()
            except OSError:
                pass
        try:
            self.proc.wait(timeout=2)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        if self.proc.stdout:
            self.proc.stdout.close()


class Pool:
    """Fork servers shared by the web process's threads: at most `size` run jobs at once."""

    def __init__(self, config: str, env: Mapping[str, str]) -> None:
        self.config, self.env = config, env
        self.cond = threading.Condition()
        self.idle: list[_Zygote] = []
        self.count = 0
        self.owner = os.getpid()

    def run(self, job: bytes, limits: Limits) -> Reply:
        """One job on a free fork server; a server found dead before it took the job is
        replaced once."""
        for attempt in (1, 2):
            zygote = self._acquire(limits.parse_workers)
            ok = False
            try:
                reply = zygote.run(job, limits.parse_timeout_s, limits.parse_timeout_s + 30.0)
                ok = True
                return reply
            except _ServerLost as lost:
                if lost.sent or attempt == 2:
                    raise
            finally:
                self._release(zygote, ok)
        raise AssertionError("unreachable")

    def _acquire(self, size: int) -> _Zygote:
        with self.cond:
            if self.owner != os.getpid():  # this process was forked: the servers are not ours
                self.idle, self.count, self.owner = [], 0, os.getpid()
            while True:
                while self.idle:
                    zygote = self.idle.pop()
                    if zygote.alive():
                        return zygote
                    zygote.close(kill=True)
                    self.count -= 1
                if self.count < max(1, size):
                    self.count += 1
                    break
                self.cond.wait()
        try:
            return _Zygote(self.config, self.env)
        except BaseException:
            with self.cond:
                self.count -= 1
                self.cond.notify()
            raise

    def _release(self, zygote: _Zygote, ok: bool) -> None:
        if not ok:
            zygote.close(kill=True)
        with self.cond:
            if ok:
                self.idle.append(zygote)
            else:
                self.count -= 1
            self.cond.notify()

    def close(self) -> None:
        with self.cond:
            idle, self.idle = self.idle, []
            self.count -= len(idle)
        if self.owner == os.getpid():
            for zygote in idle:
                zygote.close()


def classify_exit(exitcode: int, timed_out: bool, stderr: bytes) -> str | None:
    """How a child ended: None (cleanly), "timeout", "memory" or "crashed"."""
    if timed_out or exitcode in (-signal.SIGALRM, -signal.SIGXCPU):
        return "timeout"
    out_of_memory = (b"memory allocation of", b"MemoryError", b"Cannot allocate memory")
    if exitcode == EXIT_MEMORY or any(m in stderr for m in out_of_memory):
        return "memory"
    return None if exitcode == 0 else "crashed"


@dataclass(eq=False)
class Sandbox:
    """The jobs a pool of fork servers may run, and what their replies may hold.

    `jobs` maps each job's name to the "module:function" it runs (nothing else is ever run);
    a job is called as `function(*args, log, limits)` and its result and problems come back.
    `reply_classes` are the (module, name) classes a reply may hold besides plain containers,
    numbers and text. Each fork server first makes the `blocked` modules unimportable, imports
    `preload`, resolves the jobs and calls `prepare` ("module:function") once; each child
    forked ahead calls `warm_up` ("module:function") while it waits. `env` is added to the
    servers' environment.
    """

    jobs: Mapping[str, str]
    reply_classes: frozenset[tuple[str, str]] = DATE_CLASSES
    preload: tuple[str, ...] = ()
    blocked: tuple[str, ...] = ()
    prepare: str | None = None
    warm_up: str | None = None
    env: Mapping[str, str] = field(default_factory=dict)
    pool: Pool = field(init=False, repr=False)

    def __post_init__(self) -> None:
        config = {
            "jobs": dict(self.jobs),
            "preload": list(self.preload),
            "blocked": list(self.blocked),
            "prepare": self.prepare,
            "warm_up": self.warm_up,
        }
        self.pool = Pool(json.dumps(config), dict(self.env))
        atexit.register(self.pool.close)

    def close(self) -> None:
        """End the idle fork servers (and the children they keep waiting)."""
        self.pool.close()

    def run(self, job: str, args: tuple[Any, ...], log: ProblemLog, limits: Limits) -> Any:
        """Run `job` on `args` in a child process; its result, or None with the refusal (or
        the child's problems) logged. The child's problems are added to `log`."""
        if job not in self.jobs:
            raise ValueError(f"{job!r} is not a job of this sandbox")
        payload = pickle.dumps(
            {"job": job, "args": args, "limits": dataclasses.asdict(limits)},
            protocol=pickle.HIGHEST_PROTOCOL,
        )
        try:
            reply = self.pool.run(payload, limits)
        except TimeoutError:
            _parse_refusal(log, "timeout", limits, "")
            return None
        except (_ServerLost, OSError, pickle.UnpicklingError, EOFError):
            _parse_refusal(log, "crashed", limits, "fork server lost")
            return None
        outcome = classify_exit(reply.exitcode, reply.timed_out, reply.stderr)
        result = None
        if outcome is None:
            try:
                result = safe_loads(reply.payload, self.reply_classes)
            except (pickle.UnpicklingError, EOFError, ValueError, TypeError, AttributeError):
                outcome = "crashed"
        if outcome is not None or result is None:
            how = reply.exitcode
            detail = f"signal {signal.Signals(-how).name}" if how < 0 else f"exit code {how}"
            _logger.warning(
                "reading %r in the child ended badly (%s, %s): %s",
                log.file,
                outcome or "crashed",
                detail,
                reply.stderr[-1000:].decode("utf-8", "replace"),
            )
            _parse_refusal(log, outcome or "crashed", limits, detail)
            return None
        for code, severity, vi, en, sheet, cell, value in result["problems"]:
            log.replay(Problem(code, severity, vi, en, sheet=sheet, cell=cell, value=value))
        return result["result"]


def refuse_bad_reply(log: ProblemLog, limits: Limits, detail: str) -> None:
    """The child answered with something its parent cannot use: refused like a crash."""
    _parse_refusal(log, "crashed", limits, detail)


def _parse_refusal(log: ProblemLog, outcome: str, limits: Limits, detail: str) -> None:
    name = log.file or "tệp"
    if outcome == "timeout":
        log.report(
            "parse-timeout",
            name=name,
            seconds=limits.parse_timeout_s,
            seconds_vi=fmt_number(limits.parse_timeout_s, 2),
        )
    elif outcome == "memory":
        log.report(
            "parse-memory",
            name=name,
            memory_vi=size_vi(limits.parse_memory_bytes),
            memory_mb=limits.parse_memory_bytes / MiB,
        )
    else:
        log.report("parse-crashed", name=name, detail=detail)
