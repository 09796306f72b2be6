"""Accounts, roles, API tokens, login throttling, sign-in sessions and the audit log.

Passwords are hashed with scrypt (werkzeug.security); API tokens and session ids are random and
stored only as their sha256. Everything is in the database, so several worker processes agree.
How throttling, constant-work logins and sessions hold under attack: docs/security.md.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import math
import secrets
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Engine, func, insert, select, text, update
from sqlalchemy.exc import IntegrityError
from werkzeug.security import check_password_hash, generate_password_hash

from etl.core.normalize import name_key
from etl.core.vocabulary import Role
from etl.storage import schema
from etl.storage.db import reading

ROLES = tuple(Role)
MAX_FAILED_LOGINS = 5
LOCKOUT_WINDOW = dt.timedelta(minutes=15)
MIN_PASSWORD_CHARS = 10
MAX_EMAIL_CHARS = 254
SESSION_IDLE = dt.timedelta(hours=8)  # a sign-in session unused this long is over
SESSION_TOUCH = dt.timedelta(minutes=5)  # how often a session's last use is written down
WRONG_LOGIN = "Sai tên đăng nhập hoặc mật khẩu."
MAX_USERNAME_CHARS = 80
MAX_FULL_NAME_CHARS = 160
MAX_TOKEN_LABEL_CHARS = 120


class AccountError(ValueError):
    """A request about accounts that cannot be done; the message is Vietnamese first."""


@dataclass(frozen=True)
class Account:
    id: int
    username: str
    role: str
    active: bool
    full_name: str | None
    unit_ids: frozenset[int]
    email: str | None = None
    last_login_at: dt.datetime | None = None

    @property
    def is_admin(self) -> bool:
        return self.role == Role.ADMIN

    def may(self, action: str) -> bool:
        """read: everyone; upload: uploaders and admins; review (approve or return returns):
        reviewers and admins; admin: admins."""
        if not self.active:
            return False
        return {
            "read": True,
            "upload": self.role in (Role.UPLOADER, Role.ADMIN),
            "review": self.role in (Role.REVIEWER, Role.ADMIN),
            "admin": self.role == Role.ADMIN,
        }[action]

    @property
    def allowed_units(self) -> frozenset[int] | None:
        """None means every unit (admins); an uploader only its own."""
        return None if self.role == Role.ADMIN else self.unit_ids


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _account(conn: Connection, row: Any) -> Account:
    units = conn.execute(
        select(schema.user_unit.c.unit_id).where(schema.user_unit.c.user_id == row.id)
    ).scalars()
    return Account(
        id=row.id,
        username=row.username,
        role=row.role,
        active=bool(row.active),
        full_name=row.full_name,
        unit_ids=frozenset(int(u) for u in units),
        email=row.email,
        last_login_at=row.last_login_at,
    )


def get_account(engine: Engine, *, user_id: int | None = None, username: str | None = None):  # noqa: ANN201
    """The account by id or username, or None."""
    u = schema.user_account.c
    query = select(schema.user_account)
    if user_id is None:
        name = (username or "").strip().lower()
        if "\x00" in name:  # no stored name holds one (and PostgreSQL refuses it in a query)
            return None
        query = query.where(u.username == name)
    else:
        query = query.where(u.id == user_id)
    with reading(engine) as conn:
        row = conn.execute(query).first()
        return _account(conn, row) if row else None


def list_accounts(engine: Engine) -> list[Account]:
    with reading(engine) as conn:
        rows = conn.execute(select(schema.user_account).order_by(schema.user_account.c.username))
        return [_account(conn, r) for r in rows.all()]


def _existing(engine: Engine, username: str) -> Account:
    """The account of `username`, or AccountError saying there is none."""
    account = get_account(engine, username=username)
    if account is None:
        raise AccountError(f"Không có tài khoản «{username}» / no such user")
    return account


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_CHARS:
        raise AccountError(
            f"Mật khẩu phải có ít nhất {MIN_PASSWORD_CHARS} ký tự / "
            f"the password needs at least {MIN_PASSWORD_CHARS} characters"
        )


def _check_username(username: str) -> str:
    """The user name, trimmed and lower-cased; AccountError when empty, too long, or holding
    spaces or control characters (it is typed at every login)."""
    username = (username or "").strip().lower()
    if not username:
        raise AccountError("Cần tên đăng nhập / username required")
    if len(username) > MAX_USERNAME_CHARS:
        raise AccountError(
            f"Tên đăng nhập dài quá {MAX_USERNAME_CHARS} ký tự / the username is too long"
        )
    if any(c.isspace() or not c.isprintable() for c in username):
        raise AccountError(
            "Tên đăng nhập không được có dấu cách hay ký tự điều khiển / "
            "no spaces or control characters in a username"
        )
    return username


def _check_text(text: str | None, limit: int, what_vi: str, what_en: str) -> str | None:
    """`text` trimmed (None when empty); AccountError when longer than its column holds."""
    text = (text or "").strip()
    if len(text) > limit:
        raise AccountError(f"{what_vi} dài quá {limit} ký tự / the {what_en} is too long")
    if not text.isprintable():
        raise AccountError(
            f"{what_vi} có ký tự điều khiển / the {what_en} holds control characters"
        )
    return text or None


def _check_email(email: str | None) -> str | None:
    """The address, trimmed (None when empty); AccountError when it is not one."""
    email = (email or "").strip()
    if not email:
        return None
    local, at, domain = email.rpartition("@")
    if not (local and at and "." in domain) or any(c.isspace() for c in email):
        raise AccountError(f"Địa chỉ thư «{email}» không hợp lệ / invalid e-mail address")
    if not email.isprintable():  # a control character (PostgreSQL refuses NUL in a text)
        raise AccountError("Địa chỉ thư có ký tự điều khiển / invalid e-mail address")
    if len(email) > MAX_EMAIL_CHARS:
        raise AccountError(
            f"Địa chỉ thư dài quá {MAX_EMAIL_CHARS} ký tự / the e-mail address is too long"
        )
    return email


def resolve_units(engine: Engine, names: list[str]) -> list[int]:
    """Unit ids from codes or names; AccountError naming any that is unknown or ambiguous."""
    u = schema.unit.c
    ids = []
    with reading(engine) as conn:
        for text in names:
            by_code = conn.execute(select(u.id).where(func.lower(u.code) == text.lower())).all()
            rows = by_code or conn.execute(select(u.id).where(u.name_key == name_key(text))).all()
            if len(rows) != 1:
                what = "không có" if not rows else "có nhiều đơn vị trùng tên"
                raise AccountError(f"Đơn vị «{text}»: {what} / unit not found or ambiguous")
            ids.append(int(rows[0].id))
    return ids


def unit_names(engine: Engine, unit_ids: set[int] | list[int]) -> dict[int, str]:
    """The names of the units `unit_ids` (whatever the review status of the return that made
    them known), for listing an account's units."""
    if not unit_ids:
        return {}
    u = schema.unit.c
    with reading(engine) as conn:
        rows = conn.execute(select(u.id, u.name).where(u.id.in_(sorted(unit_ids))))
        return {int(i): name for i, name in rows}


@dataclass(frozen=True)
class UnitChoice:
    """A unit an account may be given, as a form lists it."""

    id: int
    name: str
    district: str | None

    @property
    def label(self) -> str:
        return f"{self.name} ({self.district})" if self.district else self.name


def unit_choices(engine: Engine) -> list[UnitChoice]:
    """Every known unit (whatever the review status of the return that made it known), by
    name then district: what an account's units are chosen from."""
    u = schema.unit.c
    with reading(engine) as conn:
        rows = conn.execute(select(u.id, u.name, u.district).order_by(u.name_key, u.district_key))
        return [UnitChoice(int(r.id), r.name, r.district) for r in rows]


def active_token_counts(engine: Engine) -> dict[int, int]:
    """How many unrevoked API tokens each account holds: user id → count (absent: none)."""
    t = schema.api_token.c
    with reading(engine) as conn:
        rows = conn.execute(
            select(t.user_id, func.count()).where(t.revoked == 0).group_by(t.user_id)
        ).all()
    return {int(user_id): int(n) for user_id, n in rows}


def create_account(
    engine: Engine,
    username: str,
    password: str,
    role: str,
    *,
    unit_ids: list[int] | None = None,
    full_name: str | None = None,
    actor: str = "system",
    email: str | None = None,
) -> Account:
    username = _check_username(username)
    email = _check_email(email)
    full_name = _check_text(full_name, MAX_FULL_NAME_CHARS, "Họ tên", "full name")
    if role not in ROLES:
        raise AccountError(f"Vai trò «{role}» không hợp lệ ({', '.join(ROLES)}) / invalid role")
    if role == Role.UPLOADER and not unit_ids:
        raise AccountError("Tài khoản nộp báo cáo cần ít nhất một đơn vị / uploader needs units")
    _check_password(password)
    with engine.begin() as conn:
        exists = conn.execute(
            select(schema.user_account.c.id).where(schema.user_account.c.username == username)
        ).first()
        if exists:
            raise AccountError(f"Tài khoản «{username}» đã có / user exists")
        user_id = conn.execute(
            insert(schema.user_account).values(
                username=username,
                full_name=full_name,
                password_hash=generate_password_hash(password),
                role=role,
                active=1,
                created_at=now(),
                email=email,
            )
        ).inserted_primary_key[0]
        _set_units(conn, user_id, unit_ids or [])
        audit(conn, actor, "user.add", username, {"role": role, "units": unit_ids or []})
    return get_account(engine, user_id=user_id)


def _set_units(conn: Connection, user_id: int, unit_ids: list[int]) -> None:
    conn.execute(schema.user_unit.delete().where(schema.user_unit.c.user_id == user_id))
    if unit_ids:
        conn.execute(
            insert(schema.user_unit), [{"user_id": user_id, "unit_id": u} for u in unit_ids]
        )


def set_role(
    engine: Engine, username: str, role: str, unit_ids: list[int] | None, actor: str
) -> Account:
    """Change an account's role and units (None: keep them); a change ends its sessions."""
    account = _existing(engine, username)
    if role not in ROLES:
        raise AccountError(f"Vai trò «{role}» không hợp lệ ({', '.join(ROLES)}) / invalid role")
    units = list(account.unit_ids) if unit_ids is None else unit_ids
    if role == Role.UPLOADER and not units:
        raise AccountError("Tài khoản nộp báo cáo cần ít nhất một đơn vị / uploader needs units")
    with engine.begin() as conn:
        conn.execute(
            update(schema.user_account)
            .where(schema.user_account.c.id == account.id)
            .values(role=role)
        )
        _set_units(conn, account.id, units)
        changed = role != account.role or set(units) != set(account.unit_ids)
        ended = _end_sessions(conn, account.id, "role") if changed else 0
        audit(
            conn,
            actor,
            "user.role",
            account.username,
            {"role": role, "units": units, "sessions_ended": ended},
        )
    return get_account(engine, user_id=account.id)


def set_email(engine: Engine, username: str, email: str | None, actor: str) -> Account:
    """Set (or, with None or an empty text, clear) an account's e-mail address."""
    account = _existing(engine, username)
    email = _check_email(email)
    with engine.begin() as conn:
        conn.execute(
            update(schema.user_account)
            .where(schema.user_account.c.id == account.id)
            .values(email=email)
        )
        audit(conn, actor, "user.email", account.username, {"email": email})
    return get_account(engine, user_id=account.id)


def set_active(engine: Engine, username: str, active: bool, actor: str) -> None:
    """Enable or disable an account; disabling revokes its API tokens and ends its sessions."""
    account = _existing(engine, username)
    with engine.begin() as conn:
        conn.execute(
            update(schema.user_account)
            .where(schema.user_account.c.id == account.id)
            .values(active=int(active))
        )
        if not active:  # a locked account's tokens and sessions stop working too
            conn.execute(
                update(schema.api_token)
                .where(schema.api_token.c.user_id == account.id)
                .values(revoked=1)
            )
            _end_sessions(conn, account.id, "disable")
        audit(conn, actor, "user.enable" if active else "user.disable", account.username, {})


def set_password(engine: Engine, username: str, password: str, actor: str) -> None:
    """Set an account's password; every session of the account ends."""
    _check_password(password)
    account = _existing(engine, username)
    with engine.begin() as conn:
        conn.execute(
            update(schema.user_account)
            .where(schema.user_account.c.id == account.id)
            .values(password_hash=generate_password_hash(password))
        )
        ended = _end_sessions(conn, account.id, "password")  # signed in again with the new one
        audit(conn, actor, "user.password", account.username, {"sessions_ended": ended})


def _lock_attempts(conn: Connection) -> None:
    """Make this transaction the only one counting and adding login attempts until it ends.
    SQLite: `engine.begin()` already holds the database's one writer lock (BEGIN IMMEDIATE).
    PostgreSQL: a lock on the table that conflicts with itself and with inserts (not with
    reads), so two attempts never count the failures before either is added."""
    if conn.dialect.name == "postgresql":
        conn.execute(text("LOCK TABLE login_attempt IN SHARE ROW EXCLUSIVE MODE"))


def _aware(moment: dt.datetime) -> dt.datetime:
    """A stored moment as UTC (SQLite gives it back without its zone)."""
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def _locked_until(conn: Connection, username: str, remote_addr: str) -> dt.datetime | None:
    """When `MAX_FAILED_LOGINS` failures (or attempts still being checked) of the last
    `LOCKOUT_WINDOW` name the user name or come from the address: the moment the oldest of
    them leaves the window, when a next attempt is allowed again (the later of the two)."""
    a = schema.login_attempt.c
    since = now() - LOCKOUT_WINDOW
    until = None
    for column, value in ((a.username, username), (a.remote_addr, remote_addr)):
        times = (
            conn.execute(
                select(a.at)
                .where(column == value, a.success == 0, a.at > since)
                .order_by(a.at.desc())
                .limit(MAX_FAILED_LOGINS)
            )
            .scalars()
            .all()
        )
        if len(times) >= MAX_FAILED_LOGINS:
            free = _aware(times[-1]) + LOCKOUT_WINDOW
            until = free if until is None else max(until, free)
    return until


def throttled_until(engine: Engine, username: str, remote_addr: str) -> dt.datetime | None:
    """Until when logins for `username` or from `remote_addr` are refused (None: they are
    not): after `MAX_FAILED_LOGINS` failures in `LOCKOUT_WINDOW`."""
    with reading(engine) as conn:
        return _locked_until(conn, _login_name(username), _login_addr(remote_addr))


def _login_name(username: str | None) -> str:
    return (username or "").strip().lower().replace("\x00", "")[:80]


def _login_addr(remote_addr: str | None) -> str:
    return (remote_addr or "?").replace("\x00", "")[:64]


def _reserve_attempt(engine: Engine, username: str, remote_addr: str) -> int | dt.datetime:
    """Count a login attempt, in one transaction that no other attempt runs beside
    (`_lock_attempts`): refused (the moment it may be tried again, and an audit entry) when
    the name or the address is locked; else kept as a failure (the id of its row) until its
    password proves right, so attempts still being checked count against the allowance too."""
    with engine.begin() as conn:
        _lock_attempts(conn)
        until = _locked_until(conn, username, remote_addr)
        if until is not None:
            audit(conn, username or "?", "login.locked", remote_addr, {})
            return until
        return conn.execute(
            insert(schema.login_attempt).values(
                username=username, remote_addr=remote_addr, at=now(), success=0
            )
        ).inserted_primary_key[0]


@functools.cache
def _decoy_hash() -> str:
    """A hash made as every stored password's is (same method and parameters), of a random
    password: an unknown or disabled name is checked against it, at the same cost."""
    return generate_password_hash(secrets.token_urlsafe(24))


def locked_message(until: dt.datetime) -> str:
    """What the login page says while a name or address is locked: the minutes left."""
    minutes = max(1, math.ceil((until - now()).total_seconds() / 60))
    return f"Đăng nhập tạm khóa do sai quá nhiều lần, thử lại sau {minutes} phút."


def authenticate(engine: Engine, username: str, password: str, remote_addr: str) -> Account:
    """The account, or AccountError with a message for the login page. Every attempt is
    counted once (`_reserve_attempt`) before its password is checked, and checked only when
    the name and the address are within their allowance. A wrong password, an unknown name
    and a disabled account cost the same scrypt check and get the same message. A typed NUL,
    which PostgreSQL refuses, is counted without it."""
    typed = (username or "").strip().lower()
    username, remote_addr = _login_name(username), _login_addr(remote_addr)
    reserved = _reserve_attempt(engine, username, remote_addr)
    if isinstance(reserved, dt.datetime):
        raise AccountError(locked_message(reserved))
    u = schema.user_account.c
    with reading(engine) as conn:  # a typed NUL (no stored name holds one) matches nobody
        row = conn.execute(select(schema.user_account).where(u.username == username)).first()
    row = row if typed[:80] == username else None
    stored = row.password_hash if row is not None else _decoy_hash()
    matched = check_password_hash(stored, password or "")
    with engine.begin() as conn:
        if row is not None and row.active and matched:
            a = schema.login_attempt.c
            conn.execute(update(schema.login_attempt).where(a.id == reserved).values(success=1))
            conn.execute(
                update(schema.user_account).where(u.id == row.id).values(last_login_at=now())
            )
            audit(conn, username, "login", remote_addr, {})
            return _account(conn, row)
        audit(conn, username or "?", "login.failed", remote_addr, {})
    raise AccountError(WRONG_LOGIN)


# ---------------------------------------------------------------- sign-in sessions


@dataclass(frozen=True)
class SignInSession:
    """One open sign-in session of an account, as the administration page lists it."""

    id: int
    user_id: int
    username: str
    created_at: dt.datetime
    last_seen_at: dt.datetime
    remote_addr: str | None
    user_agent: str | None


def _token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def start_session(engine: Engine, user_id: int, remote_addr: str, user_agent: str) -> str:
    """A new sign-in session of the account `user_id`: its random id (for the session
    cookie), of which only the hash is stored."""
    token = secrets.token_urlsafe(32)
    moment = now()
    with engine.begin() as conn:
        conn.execute(
            insert(schema.user_session).values(
                token_sha256=_token_digest(token),
                user_id=user_id,
                created_at=moment,
                last_seen_at=moment,
                remote_addr=_login_addr(remote_addr),
                user_agent=(user_agent or "")[:255] or None,
            )
        )
    return token


def session_account(engine: Engine, token: str, user_id: int) -> Account | None:
    """The active account whose open session `token` is (checked on every request), or None:
    a session that was ended, went unused for `SESSION_IDLE`, or is another account's. Its
    last use is written at most every `SESSION_TOUCH`."""
    s = schema.user_session.c
    moment = now()
    with reading(engine) as conn:
        found = conn.execute(
            select(s.id, s.last_seen_at).where(
                s.token_sha256 == _token_digest(token),
                s.user_id == user_id,
                s.ended_at.is_(None),
            )
        ).first()
        if found is None or _aware(found.last_seen_at) <= moment - SESSION_IDLE:
            return None
        row = conn.execute(
            select(schema.user_account).where(schema.user_account.c.id == user_id)
        ).first()
        account = _account(conn, row) if row is not None and row.active else None
    if account is not None and _aware(found.last_seen_at) <= moment - SESSION_TOUCH:
        with engine.begin() as conn:
            conn.execute(
                update(schema.user_session).where(s.id == found.id).values(last_seen_at=moment)
            )
    return account


def end_session(engine: Engine, token: str, reason: str = "logout") -> None:
    """End the session `token` (logging out): its cookie, replayed, opens nothing."""
    s = schema.user_session.c
    with engine.begin() as conn:
        conn.execute(
            update(schema.user_session)
            .where(s.token_sha256 == _token_digest(token), s.ended_at.is_(None))
            .values(ended_at=now(), end_reason=reason)
        )


def _end_sessions(conn: Connection, user_id: int, reason: str) -> int:
    """End every open session of the account `user_id` (in the caller's transaction)."""
    s = schema.user_session.c
    done = conn.execute(
        update(schema.user_session)
        .where(s.user_id == user_id, s.ended_at.is_(None))
        .values(ended_at=now(), end_reason=reason)
    )
    return int(done.rowcount or 0)


def end_sessions(engine: Engine, username: str, actor: str) -> int:
    """End every session of `username` (an administrator's «Kết thúc mọi phiên»): how many
    were still open."""
    account = _existing(engine, username)
    with engine.begin() as conn:
        ended = _end_sessions(conn, account.id, "admin")
        audit(conn, actor, "user.sessions-ended", account.username, {"sessions": ended})
    return ended


def open_sessions(engine: Engine, username: str | None = None) -> list[SignInSession]:
    """The open sessions of `username` (None: of every account), by account name, the most
    recently used first."""
    s, u = schema.user_session.c, schema.user_account.c
    query = (
        select(schema.user_session, u.username)
        .join(schema.user_account, u.id == s.user_id)
        .where(s.ended_at.is_(None), s.last_seen_at > now() - SESSION_IDLE)
        .order_by(u.username, s.last_seen_at.desc(), s.id.desc())
    )
    if username is not None:
        query = query.where(s.user_id == _existing(engine, username).id)
    with reading(engine) as conn:
        rows = conn.execute(query).all()
    return [
        SignInSession(
            id=r.id,
            user_id=r.user_id,
            username=r.username,
            created_at=_aware(r.created_at),
            last_seen_at=_aware(r.last_seen_at),
            remote_addr=r.remote_addr,
            user_agent=r.user_agent,
        )
        for r in rows
    ]


def create_token(engine: Engine, username: str, label: str, actor: str) -> str:
    """A new API token for a user; only its hash is stored, so it is shown once."""
    label = _check_text(label, MAX_TOKEN_LABEL_CHARS, "Nhãn mã API", "token label") or ""
    account = _existing(engine, username)
    token = "tgbc_" + secrets.token_urlsafe(32)
    with engine.begin() as conn:
        conn.execute(
            insert(schema.api_token).values(
                user_id=account.id,
                token_sha256=hashlib.sha256(token.encode()).hexdigest(),
                label=label,
                created_at=now(),
                revoked=0,
            )
        )
        audit(conn, actor, "token.create", account.username, {"label": label})
    return token


def account_for_token(engine: Engine, token: str) -> Account | None:
    """The active account owning an unrevoked token."""
    digest = hashlib.sha256(token.strip().encode()).hexdigest()
    t = schema.api_token.c
    with engine.begin() as conn:
        row = conn.execute(
            select(t.id, t.user_id).where(t.token_sha256 == digest, t.revoked == 0)
        ).first()
        if row is None:
            return None
        conn.execute(update(schema.api_token).where(t.id == row.id).values(last_used_at=now()))
    account = get_account(engine, user_id=row.user_id)
    return account if account and account.active else None


def ensure_admin(engine: Engine, env: dict[str, str]) -> str | None:
    """On first start, the admin from ADMIN_USER/ADMIN_PASSWORD, or with a generated password
    that is returned (to print once). None when any account exists already."""
    with reading(engine) as conn:
        if conn.execute(select(func.count()).select_from(schema.user_account)).scalar():
            return None
    username = env.get("ADMIN_USER") or "admin"
    password = env.get("ADMIN_PASSWORD")
    generated = None
    if not password:
        password = generated = secrets.token_urlsafe(12)
    try:
        create_account(engine, username, password, Role.ADMIN, actor="system")
    except (AccountError, IntegrityError):
        return None  # another worker created it first
    return generated


_INSERT_AUDIT = insert(schema.audit_log)  # built once


def audit(conn: Connection, actor: str, action: str, target: str | None, detail: dict) -> None:
    """Append one entry to the audit log (inside the caller's transaction)."""
    conn.execute(
        _INSERT_AUDIT,
        dict(at=now(), actor=actor[:80], action=action, target=(target or "")[:255], detail=detail),
    )


def audit_now(engine: Engine, actor: str, action: str, target: str | None, detail: dict) -> None:
    with engine.begin() as conn:
        audit(conn, actor, action, target, detail)


def read_audit(engine: Engine, limit: int = 500) -> list[dict[str, Any]]:
    a = schema.audit_log.c
    with reading(engine) as conn:
        rows = conn.execute(select(schema.audit_log).order_by(a.id.desc()).limit(limit)).all()
    return [dict(r._mapping) for r in rows]
