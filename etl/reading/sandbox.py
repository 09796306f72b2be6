"""Run a named job in a child process with limits on memory, CPU and time.

A `Sandbox` is told by its caller which jobs it may run (a name for each "module:function"),
which classes their replies may hold, which modules its fork servers preload and how a waiting
child warms up; it knows nothing of what the jobs do. Each fork server is started with
`subprocess` (a fresh single-threaded interpreter that has imported what the caller named; the
multi-threaded web process itself is never forked) and keeps one child forked ahead and warmed
up, whose pipes it passes to the parent over a Unix socket: `Sandbox.run` sends its job to that
child and reads the result itself (the fork server is not in the way; it forks the next child
as soon as this one has sent its result, so that it warms up while the parent uses the result,
reaps each and reports an exit code the parent needs). Each
child reads one job and exits (one child per job: a pool that reuses its workers, such as
ProcessPoolExecutor, loses the whole pool when one worker aborts and cannot stop one that
hangs). The child sets RLIMIT_AS, RLIMIT_CPU, no
core dumps and a wall-clock timer, then calls the job. A child that aborts (python-calamine
aborts the whole process on a cell at XFD1048576), runs out of memory or of time costs one
refused file. Its reply comes back pickled and is loaded with an allow-list unpickler.
"""

from __future__ import annotations

import array
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
import socket
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
# parent → child: the job; child → parent: its result (each pickled once), length first
_LEN = struct.Struct("<Q")
# fork server ↔ parent, over a Unix socket: what (`_SPARE`, `_EXIT`, `_KILL`), a child's pid and
# a value (its exit code); a `_SPARE` message carries the waiting child's job pipe, result pipe
# and stderr to the parent
_MSG = struct.Struct("<Bqq")
_SPARE, _EXIT, _KILL = 1, 2, 3
_DONE = b"d"  # child → fork server: it has sent its result
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


def _warm_up(warm_up: Callable[[Callable[[], bool]], Any] | None, job_fd: int) -> None:
    """Run the caller's warm-up while waiting for a job: the pages a job touches are copied
    from the fork server now, not while the upload waits. The warm-up is given a function
    saying whether the job has come (it then stops where it is: the job goes first)."""

    def job_waiting() -> bool:
        return bool(select.select([job_fd], [], [], 0)[0])

    if warm_up is None or job_waiting():
        return
    try:
        warm_up(job_waiting)
    except Exception:  # only a warm-up: the real job reports its own problems
        pass


def _child(
    job_fd: int,
    out_fd: int,
    err_fd: int,
    alive_fd: int,
    inherited: Iterable[int],
    jobs: Mapping[str, Callable[..., Any]],
    warm_up: Callable[[Callable[[], bool]], Any] | None,
) -> int:
    """In a forked child: wait for one job, set the limits, run it, send its result back."""
    import resource

    devnull = os.open(os.devnull, os.O_RDWR)
    os.dup2(devnull, 0)  # the fork server's socket to the parent: never the child's
    os.dup2(devnull, 1)
    os.dup2(err_fd, 2)
    for fd in inherited:  # the fork server's socket and other children's pipes
        os.close(fd)
    _warm_up(warm_up, job_fd)
    header = _read_fd(job_fd, _LEN.size)
    if len(header) < _LEN.size:
        return 0  # the parent is closing
    params = pickle.loads(_read_fd(job_fd, _LEN.unpack(header)[0]))  # from the parent
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
    _write_fd(out_fd, _LEN.pack(len(payload)) + payload)
    try:  # the fork server forks the next child now, while the parent uses this result
        os.write(alive_fd, _DONE)
    except OSError:
        pass
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
    """A child forked ahead of its job, waiting on `job_fd` (fork is off the critical path).
    The fork server keeps `alive_fd` (the child's write end closes when it exits) and hands
    the other three to the parent; the parent's copy has `alive_fd` -1."""

    pid: int
    job_fd: int
    result_fd: int
    err_fd: int
    alive_fd: int = -1


def _fork_spare(
    jobs: Mapping[str, Callable[..., Any]],
    warm_up: Callable[[Callable[[], bool]], Any] | None,
    inherited: Iterable[int],
) -> _Spare:
    """Fork the next child; it warms up and waits for a job. `inherited`: the fork server's
    descriptors (its socket, the other children's pipes), closed in the new one."""
    job_r, job_w = os.pipe()
    result_r, result_w = os.pipe()
    alive_r, alive_w = os.pipe()
    err_fd = _scratch_fd()
    pid = os.fork()
    if pid == 0:  # the child: never returns
        code = 70
        try:
            for fd in (job_w, result_r, alive_r):
                os.close(fd)
            code = _child(job_r, result_w, err_fd, alive_w, inherited, jobs, warm_up)
        except MemoryError:
            code = EXIT_MEMORY
        except BaseException:
            import traceback

            traceback.print_exc()  # into the child's stderr, which the parent reads
        finally:
            os._exit(code)
    for fd in (job_r, result_w, alive_w):
        os.close(fd)
    return _Spare(pid, job_w, result_r, err_fd, alive_r)


def _serve(
    sock: socket.socket,
    jobs: Mapping[str, Callable[..., Any]],
    warm_up: Callable[[Callable[[], bool]], Any] | None,
) -> None:
    """The fork server's loop (`sock`: its socket to the parent): keep one child forked
    ahead and hand its descriptors to the parent (`_SPARE`); fork the next one as soon as
    that child has sent its result (it says so on its `alive_fd`) or has exited; reap each
    child and tell the parent its exit code (`_EXIT`); kill a child the parent asks to
    (`_KILL`: only one not yet reaped, so never a recycled pid). Ends when the parent
    closes the socket, killing the children left."""
    children: dict[int, int] = {}  # alive_fd → pid of every child not yet reaped

    def offer() -> int:
        child = _fork_spare(jobs, warm_up, [sock.fileno(), *children])
        children[child.alive_fd] = child.pid
        fds = [child.job_fd, child.result_fd, child.err_fd]
        try:
            socket.send_fds(sock, [_MSG.pack(_SPARE, child.pid, 0)], fds)
        finally:
            for fd in fds:
                os.close(fd)
        return child.alive_fd

    try:
        spare = offer()
        while True:
            ready, _, _ = select.select([sock.fileno(), *children], [], [])
            for fd in ready:
                if fd == sock.fileno():
                    message = sock.recv(_MSG.size, socket.MSG_WAITALL)
                    if len(message) < _MSG.size:
                        return  # the parent closed the socket (or died)
                    kind, pid, _ = _MSG.unpack(message)
                    if kind == _KILL and pid in children.values():
                        os.kill(pid, signal.SIGKILL)
                elif os.read(fd, 64):  # the child has sent its result
                    if fd == spare:
                        spare = offer()
                else:  # the child has exited
                    os.close(fd)
                    pid = children.pop(fd)
                    _, status = os.waitpid(pid, 0)
                    sock.sendall(_MSG.pack(_EXIT, pid, os.waitstatus_to_exitcode(status)))
                    if fd == spare:  # it died without a result: another takes its place
                        spare = offer()
    except OSError:  # the parent is gone
        return
    finally:
        for fd, pid in children.items():
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            os.waitpid(pid, 0)
            os.close(fd)


def _send_all(fd: int, data: bytes, deadline: float) -> None:
    """Write `data` to the non-blocking `fd` by `deadline` (`TimeoutError` otherwise)."""
    view = memoryview(data)
    while view:
        try:
            view = view[os.write(fd, view) :]
        except BlockingIOError:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError from None
            select.select([], [fd], [], remaining)


def _collect(fd: int, deadline: float) -> tuple[bytes | None, bool]:
    """The child's length-prefixed result (None if it died first) and whether it ran past
    `deadline` (its own timer fires first)."""
    buf = bytearray()
    need: int | None = None
    while need is None or len(buf) < need:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return None, True
        ready, _, _ = select.select([fd], [], [], remaining)
        if not ready:
            continue
        data = os.read(fd, 4 * MiB)
        if not data:
            return None, False
        buf += data
        if need is None and len(buf) >= _LEN.size:
            need = _LEN.size + _LEN.unpack(buf[: _LEN.size])[0]
    return bytes(buf[_LEN.size : need]), False


def _stderr_tail(fd: int) -> bytes:
    """The last 4 KiB the child wrote to its stderr."""
    size = os.fstat(fd).st_size
    return os.pread(fd, 4096, max(0, size - 4096))


def zygote_main(config: str) -> None:
    """The fork server: import what the caller named once, keep one child forked ahead and
    pass its pipes to the parent over the Unix socket that is its stdin (`_serve`); ends when
    the parent closes it. `config` is the caller's `Sandbox` as JSON: blocked and preloaded
    modules, the jobs by name, what to prepare here and how a waiting child warms up."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent decides; Ctrl-C is for it
    import gc
    import resource  # noqa: F401  (imported once here, not in each child that sets its limits)

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
    with socket.socket(fileno=os.dup(0)) as sock:
        null = os.open(os.devnull, os.O_RDONLY)
        os.dup2(null, 0)  # the socket only as `sock` (which each child closes)
        os.close(null)
        _serve(sock, jobs, warm_up)


class _ServerLost(Exception):
    """The fork server died or stopped answering (`sent`: after it had the job)."""

    def __init__(self, sent: bool = True) -> None:
        super().__init__("fork server lost")
        self.sent = sent


@dataclass(frozen=True)
class Reply:
    """What became of one job: the child's exit code, whether it ran out of time, the tail
    of its stderr and its result (the child's pickle, empty if none)."""

    exitcode: int
    timed_out: bool
    stderr: bytes
    payload: bytes


_CLOEXEC = getattr(socket, "MSG_CMSG_CLOEXEC", 0)  # Linux: received descriptors not inherited
_FD_SPACE = socket.CMSG_SPACE(3 * array.array("i").itemsize)


class _Zygote:
    """One fork server process, the Unix socket to it and the child it keeps waiting (used
    by one job at a time). The parent sends each job to the waiting child and reads its
    result itself; the fork server is asked only for a child's exit code when it sent no
    result, and to kill one that ran out of time."""

    def __init__(self, config: str, extra_env: Mapping[str, str]) -> None:
        env = {**os.environ, **extra_env}
        code = f"import sys; sys.path.insert(0, {str(ROOT)!r}); "
        code += f"from etl.reading.sandbox import zygote_main; zygote_main({config!r})"
        self.sock, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        self.spare: _Spare | None = None
        try:
            self.proc = subprocess.Popen(
                [sys.executable, "-I", "-c", code],
                stdin=theirs.fileno(),
                stdout=subprocess.DEVNULL,
                env=env,
                close_fds=True,
            )
        except BaseException:
            self.sock.close()
            raise
        finally:
            theirs.close()

    def run(self, job: bytes, child_timeout_s: float, timeout_s: float) -> Reply:
        """Send one job to the waiting child (its own time limit `child_timeout_s`) and wait
        for its result; `_ServerLost` or `TimeoutError` otherwise."""
        deadline = time.monotonic() + timeout_s
        try:
            self._receive_waiting(deadline)  # a spare that died meanwhile is replaced
            while self.spare is None:
                self._receive(deadline)
        except _ServerLost:
            raise _ServerLost(sent=False) from None
        child, self.spare = self.spare, None
        try:
            try:
                _send_all(child.job_fd, _LEN.pack(len(job)) + job, deadline)
            except OSError:
                pass  # the child is gone: its exit status says why
            finally:
                os.close(child.job_fd)
            child_deadline = min(deadline, time.monotonic() + child_timeout_s + 1.0)
            payload, timed_out = _collect(child.result_fd, child_deadline)
            exitcode = 0
            if payload is None:
                if timed_out:
                    self._send(_KILL, child.pid)
                exitcode = self._exit_code(child.pid, deadline)
            stderr = _stderr_tail(child.err_fd)
        except BaseException:
            try:  # whatever went wrong here, the child does not outlive its job
                self._send(_KILL, child.pid)
            except _ServerLost:
                pass
            raise
        finally:
            os.close(child.result_fd)
            os.close(child.err_fd)
        return Reply(exitcode, timed_out, stderr, payload or b"")

    def _send(self, kind: int, pid: int) -> None:
        try:
            self.sock.sendall(_MSG.pack(kind, pid, 0))
        except OSError:
            raise _ServerLost from None

    def _exit_code(self, pid: int, deadline: float) -> int:
        while True:
            kind, of, value = self._receive(deadline)
            if kind == _EXIT and of == pid:
                return value

    def _receive_waiting(self, deadline: float) -> None:
        """The messages already sent, without waiting for more."""
        while select.select([self.sock], [], [], 0)[0]:
            self._receive(deadline)

    def _receive(self, deadline: float) -> tuple[int, int, int]:
        """The fork server's next message; a new waiting child is kept in `spare` (one
        that was kept and died is dropped)."""
        remaining = deadline - time.monotonic()
        while not select.select([self.sock], [], [], max(0.0, remaining))[0]:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError
        fds = array.array("i")
        try:
            data, ancdata, _, _ = self.sock.recvmsg(_MSG.size, _FD_SPACE, _CLOEXEC)
            for level, kind, cdata in ancdata:
                if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
                    fds.frombytes(cdata[: len(cdata) - len(cdata) % fds.itemsize])
            while data and len(data) < _MSG.size:
                more = self.sock.recv(_MSG.size - len(data))
                data += more
                if not more:
                    break
        except OSError:
            data = b""
        kind, pid, value = _MSG.unpack(data) if len(data) == _MSG.size else (0, 0, 0)
        if kind != _SPARE or len(fds) != 3:
            for fd in fds:
                os.close(fd)
            if kind not in (_SPARE, _EXIT):
                raise _ServerLost
        if kind == _SPARE:
            for fd in fds:
                os.set_inheritable(fd, False)
            self._drop_spare()
            self.spare = _Spare(pid, *fds)
            os.set_blocking(self.spare.job_fd, False)
        elif self.spare is not None and pid == self.spare.pid:
            self._drop_spare()  # it died waiting; another is on its way
        return kind, pid, value

    def _drop_spare(self) -> None:
        if self.spare is not None:
            for fd in (self.spare.job_fd, self.spare.result_fd, self.spare.err_fd):
                os.close(fd)
            self.spare = None

    def alive(self) -> bool:
        return self.proc.poll() is None

    def close(self, kill: bool = False) -> None:
        self._drop_spare()  # the waiting child reads the end of its job pipe and exits
        if kill:
            self.proc.kill()
        self.sock.close()
        try:
            self.proc.wait(timeout=2)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


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
    forked ahead calls `warm_up` ("module:function") while it waits, with a function saying
    whether its job has come (a warm-up stops then). `env` is added to the
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
