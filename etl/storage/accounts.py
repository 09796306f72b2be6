"""Accounts, roles, API tokens, login throttling and the audit log.

Passwords are hashed with scrypt (werkzeug.security); API tokens are random and stored only as
their sha256. Everything is in the database, so several worker processes agree.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Engine, func, insert, select, update
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
    )


def get_account(engine: Engine, *, user_id: int | None = None, username: str | None = None):  # noqa: ANN201
    """The account by id or username, or None."""
    u = schema.user_account.c
    query = select(schema.user_account)
    query = (
        query.where(u.id == user_id)
        if user_id is not None
        else query.where(u.username == (username or "").strip().lower())
    )
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


MAX_USERNAME_CHARS = 80  # the column's width (schema.user_account.username)


def _check_username(username: str) -> str:
    """The name, trimmed and lower-cased; AccountError when it is empty, too long, or holds
    spaces, control or invisible characters (it is shown, logged and typed at a login)."""
    username = (username or "").strip().lower()
    if not username:
        raise AccountError("Cần tên đăng nhập / username required")
    if len(username) > MAX_USERNAME_CHARS:
        raise AccountError(
            f"Tên đăng nhập dài quá {MAX_USERNAME_CHARS} ký tự / the username is too long"
        )
    if not username.isprintable() or any(c.isspace() for c in username):
        raise AccountError(
            "Tên đăng nhập không được có dấu cách, ký tự điều khiển hay ký tự ẩn / the username "
            "may not hold spaces, control or invisible characters"
        )
    return username


def _check_email(email: str | None) -> str | None:
    """The address, trimmed (None when empty); AccountError when it is not one."""
    email = (email or "").strip()
    if not email:
        return None
    local, at, domain = email.rpartition("@")
    bad_char = any(c.isspace() for c in email) or not email.isprintable()
    if not (local and at and "." in domain) or bad_char:
        raise AccountError(f"Địa chỉ thư «{email}» không hợp lệ / invalid e-mail address")
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
        audit(conn, actor, "user.role", account.username, {"role": role, "units": units})
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
    account = _existing(engine, username)
    with engine.begin() as conn:
        conn.execute(
            update(schema.user_account)
            .where(schema.user_account.c.id == account.id)
            .values(active=int(active))
        )
        if not active:  # a locked account's tokens stop working too
            conn.execute(
                update(schema.api_token)
                .where(schema.api_token.c.user_id == account.id)
                .values(revoked=1)
            )
        audit(conn, actor, "user.enable" if active else "user.disable", account.username, {})


def set_password(engine: Engine, username: str, password: str, actor: str) -> None:
    _check_password(password)
    account = _existing(engine, username)
    with engine.begin() as conn:
        conn.execute(
            update(schema.user_account)
            .where(schema.user_account.c.id == account.id)
            .values(password_hash=generate_password_hash(password))
        )
        audit(conn, actor, "user.password", account.username, {})


def throttled_until(engine: Engine, username: str, remote_addr: str) -> dt.datetime | None:
    """When too many recent failures (by user name or by address), until when to refuse."""
    a = schema.login_attempt.c
    since = now() - LOCKOUT_WINDOW
    with reading(engine) as conn:
        for column, value in ((a.username, username.strip().lower()), (a.remote_addr, remote_addr)):
            rows = conn.execute(
                select(a.at)
                .where(column == value, a.success == 0, a.at >= since)
                .order_by(a.at.desc())
                .limit(MAX_FAILED_LOGINS)
            ).scalars()
            times = list(rows)
            if len(times) >= MAX_FAILED_LOGINS:
                last = times[0] if times[0].tzinfo else times[0].replace(tzinfo=dt.UTC)
                return last + LOCKOUT_WINDOW
    return None


def authenticate(engine: Engine, username: str, password: str, remote_addr: str) -> Account:
    """The account, or AccountError with a message for the login page. Every attempt is kept."""
    username = (username or "").strip().lower()
    until = throttled_until(engine, username, remote_addr)
    if until is not None:
        minutes = max(1, int((until - now()).total_seconds() // 60) + 1)
        raise AccountError(
            f"Đăng nhập sai quá nhiều lần; hãy thử lại sau {minutes} phút. / "
            "Too many failed logins; try again later."
        )
    u = schema.user_account.c
    with engine.begin() as conn:
        row = conn.execute(select(schema.user_account).where(u.username == username)).first()
        ok = bool(row and row.active and check_password_hash(row.password_hash, password or ""))
        conn.execute(
            insert(schema.login_attempt).values(
                username=username[:80], remote_addr=remote_addr[:64], at=now(), success=int(ok)
            )
        )
        if not ok:  # kept (committed) before refusing, so throttling can count it
            audit(conn, username[:80] or "?", "login.failed", remote_addr, {})
        else:
            conn.execute(
                update(schema.user_account).where(u.id == row.id).values(last_login_at=now())
            )
            audit(conn, username, "login", remote_addr, {})
            return _account(conn, row)
    raise AccountError("Sai tên đăng nhập hoặc mật khẩu. / Wrong user name or password.")


def create_token(engine: Engine, username: str, label: str, actor: str) -> str:
    """A new API token for a user; only its hash is stored, so it is shown once."""
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


def audit(conn: Connection, actor: str, action: str, target: str | None, detail: dict) -> None:
    """Append one entry to the audit log (inside the caller's transaction)."""
    conn.execute(
        insert(schema.audit_log).values(
            at=now(), actor=actor[:80], action=action, target=(target or "")[:255], detail=detail
        )
    )


def audit_now(engine: Engine, actor: str, action: str, target: str | None, detail: dict) -> None:
    with engine.begin() as conn:
        audit(conn, actor, action, target, detail)


def read_audit(engine: Engine, limit: int = 500) -> list[dict[str, Any]]:
    a = schema.audit_log.c
    with reading(engine) as conn:
        rows = conn.execute(select(schema.audit_log).order_by(a.id.desc()).limit(limit)).all()
    return [dict(r._mapping) for r in rows]
