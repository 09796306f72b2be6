"""Reminders by e-mail: one message per account address, listing the units it still owes a
return for in a period (Vietnamese, UTF-8), over one SMTP connection (stdlib smtplib).

`SMTP_URL`: `smtp://user:pass@host:587?starttls=1`, `smtps://host:465`, `smtp://127.0.0.1:2525`.
The password is never put in a message, a result or the audit log. Nothing here raises for a
bad server: a connection failure is `SendResult.error`, a refused recipient is in `failed`.
"""

from __future__ import annotations

import smtplib
import socket
import ssl
import urllib.parse
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

import pandas as pd

from etl.core.formatting import fmt_date
from etl.storage.periods import Period

TIMEOUT_S = 15.0


@dataclass(frozen=True)
class SendResult:
    """Addresses sent to, (address, reason) not sent, units with no e-mail address, and the
    Vietnamese reason when the server could not be used at all (then nothing was sent)."""

    sent: list[str] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)
    no_email: list[str] = field(default_factory=list)
    error: str | None = None


def reminder_groups(owing: pd.DataFrame) -> dict[str, list[str]]:
    """Address → the owing units (names) of its accounts, from the `emails` column of
    `etl.measures.tracking.owing`; the units with no address under the key ""."""
    groups: dict[str, list[str]] = {}
    for unit in owing.to_dict("records"):
        raw = unit.get("emails")
        text = "" if raw is None or (isinstance(raw, float) and pd.isna(raw)) else str(raw)
        addresses = [a.strip() for a in text.split(",") if a.strip()] or [""]
        for address in addresses:
            names = groups.setdefault(address, [])
            if unit["name"] not in names:
                names.append(str(unit["name"]))
    return groups


def subject(period: Period) -> str:
    return f"Nhắc nộp báo cáo kỳ {period.name} (hạn nộp {fmt_date(period.deadline)})"


def body(period: Period, units: Iterable[str]) -> str:
    lines = "\n".join(f"  - {name}" for name in units)
    return (
        "Kính gửi Quý đơn vị,\n\n"
        f"Đến nay các đơn vị sau chưa hoàn thành báo cáo kỳ «{period.name}» "
        f"(số liệu tính đến ngày {fmt_date(period.as_of)}, hạn nộp "
        f"{fmt_date(period.deadline)}):\n\n{lines}\n\n"
        "Đề nghị Quý đơn vị nộp (hoặc nộp lại) báo cáo trên hệ thống.\n\n"
        "Thư này được gửi tự động, xin không trả lời.\n"
    )


def _message(sender: str, to: str, period: Period, units: Sequence[str]) -> EmailMessage:
    msg = EmailMessage()
    msg["Subject"] = subject(period)
    msg["From"] = sender
    msg["To"] = to
    msg["Date"] = formatdate(localtime=True)
    msg["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2] or None)
    msg.set_content(body(period, units), charset="utf-8")
    return msg


def _connect(smtp_url: str) -> smtplib.SMTP:
    """An open, greeted (and signed-in) connection to `smtp_url`'s server."""
    url = urllib.parse.urlsplit(smtp_url)
    if url.scheme not in ("smtp", "smtps") or not url.hostname:
        raise ValueError("SMTP_URL phải có dạng smtp://máy:cổng hoặc smtps://máy:cổng")
    query = urllib.parse.parse_qs(url.query)
    starttls = (query.get("starttls") or ["0"])[0].lower() in ("1", "true", "yes")
    host = url.hostname
    if url.scheme == "smtps":
        server: smtplib.SMTP = smtplib.SMTP_SSL(
            host, url.port or 465, timeout=TIMEOUT_S, context=ssl.create_default_context()
        )
    else:
        server = smtplib.SMTP(host, url.port or 25, timeout=TIMEOUT_S)
    try:
        server.ehlo()
        if starttls:
            server.starttls(context=ssl.create_default_context())
            server.ehlo()
        if url.username:
            server.login(
                urllib.parse.unquote(url.username), urllib.parse.unquote(url.password or "")
            )
    except BaseException:
        server.close()
        raise
    return server


def _where(smtp_url: str) -> str:
    """host:port of `smtp_url`, without the user and password."""
    try:
        url = urllib.parse.urlsplit(smtp_url)
        return f"{url.hostname}:{url.port or (465 if url.scheme == 'smtps' else 25)}"
    except ValueError:
        return "?"


def send_reminders(
    smtp_url: str, sender: str, groups: Mapping[str, Sequence[str]], period: Period
) -> SendResult:
    """One reminder per address of `groups` (address → its owing units; "" → the units with
    no address, only reported), over one connection. Never raises for the server."""
    no_email = list(groups.get("", []))
    targets = [(to, units) for to, units in groups.items() if to]
    if not targets:
        return SendResult(no_email=no_email)
    try:
        server = _connect(smtp_url)
    except smtplib.SMTPAuthenticationError:
        return SendResult(
            no_email=no_email,
            error=f"Máy chủ thư {_where(smtp_url)} từ chối đăng nhập (sai tên hoặc mật khẩu).",
        )
    except (OSError, smtplib.SMTPException, ValueError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else type(exc).__name__
        if isinstance(exc, ValueError):
            reason = str(exc)
        if isinstance(exc, socket.timeout | TimeoutError):
            reason = "hết thời gian chờ"
        return SendResult(
            no_email=no_email,
            error=f"Không kết nối được máy chủ thư {_where(smtp_url)}: {reason}. Chưa gửi thư nào.",
        )
    sent: list[str] = []
    failed: list[tuple[str, str]] = []
    try:
        for to, units in targets:
            try:
                refused = server.send_message(_message(sender, to, period, units))
            except smtplib.SMTPRecipientsRefused as exc:
                code, text = next(iter(exc.recipients.values()), (0, b""))
                failed.append((to, _reason(code, text)))
            except smtplib.SMTPResponseException as exc:
                failed.append((to, _reason(exc.smtp_code, exc.smtp_error)))
            except (OSError, smtplib.SMTPException) as exc:
                failed.append((to, f"mất kết nối ({type(exc).__name__})"))
                server = _reconnect(smtp_url, server)
                if server is None:
                    done = {a for a, _ in failed} | set(sent)
                    failed += [(a, "mất kết nối") for a, _ in targets if a not in done]
                    break
            else:
                if to in refused:
                    failed.append((to, _reason(*refused[to])))
                else:
                    sent.append(to)
    finally:
        if server is not None:
            try:
                server.quit()
            except (OSError, smtplib.SMTPException):
                server.close()
    return SendResult(sent=sent, failed=failed, no_email=no_email)


def _reconnect(smtp_url: str, old: smtplib.SMTP) -> smtplib.SMTP | None:
    try:
        old.close()
        return _connect(smtp_url)
    except (OSError, smtplib.SMTPException, ValueError):
        return None


def _reason(code: int, text: bytes | str) -> str:
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    return f"máy chủ từ chối ({code} {text})".strip()


def summary(result: SendResult) -> str:
    """The result in one Vietnamese line for the tracker."""
    if result.error:
        parts = [result.error]
    else:
        parts = [f"Đã gửi {len(result.sent)} thư"]
        if result.failed:
            parts.append("không gửi được: " + ", ".join(f"{a} ({why})" for a, why in result.failed))
    if result.no_email:
        parts.append("đơn vị chưa có e-mail: " + ", ".join(result.no_email))
    return "; ".join(parts) + "."
