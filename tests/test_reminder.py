"""Reminders by e-mail (etl/notify/mail.py) against a local aiosmtpd server: one message per
address with its units and a Vietnamese subject, a refused recipient reported while the
others are sent, a server that is not listening, and the tracker's button callback."""

from __future__ import annotations

import dataclasses
import datetime as dt
import email
import email.policy
import socket
from collections.abc import Iterator

import pytest
from aiosmtpd.controller import Controller

from etl.notify import mail
from etl.storage.periods import Period

REFUSED = "bad@example.vn"


class Recorder:
    def __init__(self) -> None:
        self.messages: list[tuple[list[str], email.message.EmailMessage]] = []

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address == REFUSED:
            return "550 5.1.1 Không có hộp thư này"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        msg = email.message_from_bytes(envelope.original_content, policy=email.policy.default)
        self.messages.append((list(envelope.rcpt_tos), msg))
        return "250 Message accepted"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def smtp() -> Iterator[tuple[str, Recorder]]:
    handler = Recorder()
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield f"smtp://127.0.0.1:{port}", handler
    finally:
        controller.stop()


PERIOD = Period(
    id=7,
    name="6 tháng đầu năm 2024",
    as_of=dt.date(2024, 6, 30),
    deadline=dt.date(2024, 7, 15),
    **{
        f.name: None
        for f in dataclasses.fields(Period)
        if f.name not in ("id", "name", "as_of", "deadline")
    },
)


def test_one_message_per_address_with_its_units(smtp) -> None:
    url, handler = smtp
    groups = {
        "a@example.vn": ["Trường A", "Trường B"],
        "c@example.vn": ["Trường C"],
        "": ["Trường D"],
    }
    result = mail.send_reminders(url, "tgbc@localhost", groups, PERIOD)
    assert result.error is None and result.failed == []
    assert sorted(result.sent) == ["a@example.vn", "c@example.vn"]
    assert result.no_email == ["Trường D"]
    by = {rcpt[0]: msg for rcpt, msg in handler.messages}
    assert set(by) == {"a@example.vn", "c@example.vn"}
    assert by["a@example.vn"]["Subject"] == mail.subject(PERIOD)
    assert "Nhắc nộp báo cáo kỳ 6 tháng đầu năm 2024" in str(by["a@example.vn"]["Subject"])
    text = by["a@example.vn"].get_content()
    assert "Trường A" in text and "Trường B" in text and "Trường C" not in text
    assert "Trường C" in by["c@example.vn"].get_content()
    line = mail.summary(result)
    assert line.startswith("Đã gửi 2 thư") and "đơn vị chưa có e-mail: Trường D" in line


def test_a_refused_recipient_is_reported_and_the_others_sent(smtp) -> None:
    url, handler = smtp
    groups = {REFUSED: ["Trường X"], "ok@example.vn": ["Trường Y"]}
    result = mail.send_reminders(url, "tgbc@localhost", groups, PERIOD)
    assert result.sent == ["ok@example.vn"]
    assert [a for a, _ in result.failed] == [REFUSED] and "550" in result.failed[0][1]
    assert [rcpt for rcpt, _ in handler.messages] == [["ok@example.vn"]]
    assert "không gửi được: bad@example.vn" in mail.summary(result)


def test_a_server_not_listening_is_a_vietnamese_message() -> None:
    url = f"smtp://user:mat-khau-bi-mat@127.0.0.1:{free_port()}"
    result = mail.send_reminders(url, "tgbc@localhost", {"a@example.vn": ["Trường A"]}, PERIOD)
    assert result.sent == [] and result.error is not None
    assert result.error.startswith("Không kết nối được máy chủ thư 127.0.0.1:")
    assert "mat-khau-bi-mat" not in mail.summary(result)


def test_the_settings_read_smtp_url_and_keep_it_out_of_the_repr() -> None:
    from etl.core.settings import load_settings

    s = load_settings({"SMTP_URL": "smtp://u:bi-mat@h:587?starttls=1", "MAIL_FROM": "x@y.vn"})
    assert s.smtp_url == "smtp://u:bi-mat@h:587?starttls=1" and s.mail_from == "x@y.vn"
    assert "bi-mat" not in repr(s)
    assert load_settings({}).smtp_url is None and load_settings({}).mail_from == "tgbc@localhost"


def test_the_tracker_button_sends_and_audits(isolated_app, smtp) -> None:
    from flask_login import login_user

    from etl.storage import accounts
    from pages.tracker import mail_owing, render_tracker
    from tests.test_app import text_of
    from web import context
    from web.auth import User

    url, handler = smtp
    server = isolated_app.server
    engine = server.extensions[context.ENGINE_KEY]
    unit = accounts.resolve_units(engine, ["Sở Nội vụ"])[0]
    accounts.create_account(
        engine, "donvi", "mat-khau-rat-dai-1", "uploader", unit_ids=[unit], email="nv@example.vn"
    )
    saved = server.extensions[context.SETTINGS_KEY]
    with server.test_request_context():
        login_user(User(accounts.get_account(engine, username="admin")))
        assert "Gửi nhắc nhở qua e-mail" not in text_of(render_tracker("", None))
        server.extensions[context.SETTINGS_KEY] = dataclasses.replace(saved, smtp_url=url)
        try:
            assert "Gửi nhắc nhở qua e-mail" in text_of(render_tracker("", None))
            from etl.measures import tracking
            from etl.storage import periods

            with engine.begin() as conn:  # a period nobody has reported for yet: all owe
                owed = periods.add(
                    conn,
                    name="Năm 2024",
                    as_of=dt.date(2024, 12, 31),
                    deadline=dt.date(2025, 1, 15),
                    actor="test",
                )
            owing = tracking.owing(
                tracking.load_tracker(engine, context.dataset(), owed, with_accounts=True)
            )
            line = mail_owing(1, "", owed.id)
        finally:
            server.extensions[context.SETTINGS_KEY] = saved
    expected = mail.reminder_groups(owing)
    assert set(expected) - {""} == {"nv@example.vn"}  # the one owing unit with an account
    assert line.startswith("Đã gửi 1 thư")
    assert {rcpt[0] for rcpt, _ in handler.messages} == {"nv@example.vn"}
    assert "Sở Nội vụ" in handler.messages[0][1].get_content()
    entry = next(e for e in accounts.read_audit(engine) if e["action"] == "reminder.sent")
    assert entry["detail"]["sent"] == len(handler.messages)
    assert url not in str(entry["detail"])
