"""Command line: ingest returns, print the summary, write templates, load the sample city,
manage periods and review returns."""

from __future__ import annotations

import argparse
import datetime as dt
import io
import json
import os
import re
import stat
import sys
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

from sqlalchemy import Engine
from sqlalchemy import exc as sa_exc

from etl import service
from etl.core.formatting import fmt_date, fmt_moment, fmt_number
from etl.core.forms import FORMS
from etl.core.rules import MERGER_RULE, RULE_VARIABLES, value_in_force
from etl.core.settings import load_settings
from etl.core.vocabulary import MEASURE_LABELS, STATUS_LABELS, IngestStatus, ReviewStatus, Role
from etl.ingest.load import IngestResult
from etl.measures.provinces import MERGER_RULE_LABELS
from etl.reading.mapping import clean_workbook_mapping, target_label
from etl.reading.text import visible
from etl.storage import db, periods, reviews
from etl.storage import rules as stored_rules
from reporting import exports

if TYPE_CHECKING:
    from etl.storage.accounts import SignInSession


def _print_results(results: list[IngestResult], *, brief: bool = False) -> int:
    """A line per file, then its problems as `Sheet!Cell code message`; with `brief`,
    errors in full but warnings only counted by code. Exit code 2 if any was refused."""
    refused = 0
    for r in results:
        word = {
            IngestStatus.ACCEPTED: "ĐÃ NHẬN (accepted)",
            IngestStatus.DUPLICATE: "ĐÃ CÓ, không thay đổi (duplicate, unchanged)",
            IngestStatus.REFUSED: "BỊ TỪ CHỐI (refused)",
        }[r.status]
        extra = ""
        if r.status == IngestStatus.ACCEPTED:
            c = r.counts
            extra = (
                f" — {c.get('facts', 0)} số liệu, {c.get('units_new', 0)} đơn vị mới, "
                f"{c.get('events', 0)} sự kiện, {c.get('targets', 0)} chỉ tiêu"
            )
            if r.review_status:
                extra += f"; {ReviewStatus(r.review_status).label.lower()}"
            if r.period:
                extra += f", kỳ «{r.period}»"
        print(f"{r.file_name}: {word}{extra}")
        for p in r.problems:
            if brief and not p.is_error:
                continue
            level = "LỖI" if p.is_error else "cảnh báo"
            print(f"  {p.where} {p.code} [{level}] {p.message_vi}")
        _print_mapping_hint(r)
        warnings = Counter(p.code for p in r.problems if not p.is_error)
        if brief and warnings:
            counted = ", ".join(f"{code}: {n}" for code, n in sorted(warnings.items()))
            print(f"  cảnh báo: {counted}")
        refused += r.status == IngestStatus.REFUSED
    return 2 if refused else 0


def unreadable_reason(path: Path) -> str | None:
    """Why `path` cannot be ingested as a file (Vietnamese), or None when it is a readable
    regular file."""
    shown = _shown_path(path)
    try:
        info = path.stat()
    except FileNotFoundError:
        return f"Không tìm thấy tệp «{shown}»."
    except (OSError, ValueError) as exc:  # ValueError: a NUL in the path
        reason = os_reason(exc) if isinstance(exc, OSError) else "tên tệp chứa ký tự NUL"
        return f"Không mở được «{shown}»: {reason}."
    if stat.S_ISDIR(info.st_mode):
        return (
            f"«{shown}» là một thư mục, không phải tệp: hãy ghi tên từng tệp "
            f"(ví dụ {_shown_path(path / '*.xlsx')})."
        )
    if not stat.S_ISREG(info.st_mode):
        return f"«{shown}» không phải tệp thông thường (thiết bị, đường ống…)."
    if not os.access(path, os.R_OK):
        return f"Không có quyền đọc tệp «{shown}»."
    return None


def _shown_path(path: Path | str) -> str:
    """A path as printed: its control and bidirectional characters written out."""
    return visible(str(path), limit=300)


def _print_mapping_hint(r: IngestResult) -> None:
    """For a refused file whose header needs the mapping step: the header cells the reader
    could not place and the fields missing, for a `--mapping` file (docs/forms.md)."""
    if r.status != IngestStatus.REFUSED:
        return
    for lay in r.layouts:
        if not lay.needs_mapping:
            continue
        form = FORMS[lay.form]
        rows = ", ".join(str(n) for n in lay.header_rows)
        print(f"  Ghép cột: trang «{lay.sheet}» (Biểu {lay.form}), tiêu đề ở dòng {rows}")
        for c in lay.cells:
            if not c.target:
                print(f"    {c.ref} «{c.text}»: chưa nhận ra")
        if lay.missing:
            names = ", ".join(f"{t} ({target_label(form, t)})" for t in lay.missing)
            print(f"    còn thiếu: {names}")
        print("    dùng --mapping FILE.json để chỉ rõ từng cột (docs/forms.md, ghép cột)")


def cmd_ingest(args: argparse.Namespace) -> int:
    settings = load_settings()
    engine = service.open_engine(args.db, settings)
    files = [Path(f) for f in args.files]  # audited as `ingest_as` does, read ahead in bulk
    reasons = [r for r in map(unreadable_reason, files) if r]
    if reasons:  # nothing is ingested when any file cannot be read
        for reason in reasons:
            print(reason, file=sys.stderr)
        print("Không nạp tệp nào.", file=sys.stderr)
        return 2
    results = service.ingest_files(
        engine, files, settings, "cli", audited=True, approve=args.approve, mapping=args.mapping
    )
    return _print_results(results)


def _mapping_file(text: str) -> dict:
    """`--mapping FILE.json`: {sheet name: {header text: target}} (docs/forms.md, "The
    mapping step"); argparse's usage error (exit 2) when it cannot be read as such."""
    try:
        raw = json.loads(Path(text).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise argparse.ArgumentTypeError(
            f"không đọc được tệp ghép cột «{text}» ({type(exc).__name__})"
        ) from None
    mapping = clean_workbook_mapping(raw)
    if not mapping:
        raise argparse.ArgumentTypeError(
            f"tệp ghép cột «{text}» không có cách ghép nào: cần dạng "
            '{"Biểu 01": {"Tiêu đề cột": "quota@2021", "Cột thêm": "-"}}'
        )
    return mapping


def cmd_summary(args: argparse.Namespace) -> int:
    engine = service.open_engine(args.db)
    try:
        result = service.summary(
            engine,
            as_of=args.as_of,
            scope=args.scope,
            include_pending=not args.without_pending,
            include_unreviewed=args.include_unreviewed,
            commune=args.commune,
            province=args.province,
            programme=args.programme,
        )
    except service.ProgrammeNotFound:
        print(
            f"Không có giai đoạn «{visible(args.programme)}» trong số liệu (programme not found).",
            file=sys.stderr,
        )
        return 2
    except service.ScopeNotFound as exc:
        detail = exc.args[1] if len(exc.args) > 1 else ""
        if args.commune and "commune" in detail:
            print(
                f"Không có xã, phường «{visible(args.commune)}» trong số liệu (commune not found).",
                file=sys.stderr,
            )
            return 2
        if args.province and "province" in detail:
            print(f"{visible(detail)}.", file=sys.stderr)
            return 2
        print(
            f"Không có phạm vi «{visible(args.scope)}» trong số liệu (scope not found).",
            file=sys.stderr,
        )
        return 2
    if args.json:
        print(json.dumps(result, ensure_ascii=False, indent=2, default=str))
    else:
        from etl.core.formatting import summary_text

        print(summary_text(result))
    return 0


def cmd_template(args: argparse.Namespace) -> int:
    from etl.writers.templates import template_filename, write_template

    code = args.form.zfill(2)
    out = Path(args.out) if args.out else Path(template_filename(code))
    buf = io.BytesIO()
    write_template(code, buf)
    out.write_bytes(buf.getvalue())  # an unwritable path: OSError, answered by `main`
    print(out)
    return 0


def cmd_sample(args: argparse.Namespace) -> int:
    """Regenerate a sample set's files (`--set 2026`: the merged city of devdata/sample_2026.py)."""
    if args.set == "2026":
        from devdata.sample_2026 import write_sample_2026 as write
    else:
        from devdata.sample import write_sample as write

    out = Path(args.out or service.sample_dir(load_settings(), args.set))
    out.mkdir(parents=True, exist_ok=True)  # not a directory, not writable: OSError
    if not os.access(out, os.W_OK):
        raise PermissionError(13, "không có quyền ghi", str(out))
    for path in write(out):
        print(path)
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    """A sample set (the sample city, or `--set 2026`) on a database that may be new: the
    schema is migrated first."""
    settings = load_settings()
    service.migrate(args.db, settings)
    engine = service.open_engine(args.db, settings)
    if args.if_empty and not db.is_empty(engine):
        print("Cơ sở dữ liệu đã có số liệu; không nạp lại dữ liệu mẫu.")
        return 0
    folder = service.sample_dir(settings, args.set)
    if not any(folder.glob("*.xlsx")):
        print(f"Không có tệp mẫu trong {folder}.", file=sys.stderr)
        return 2
    return _print_results(service.load_sample(engine, settings, "demo", args.set), brief=True)


EXPORT_FORMATS = {what: fmts for what, fmts in exports.FORMATS.items() if what != "chart"}


def cmd_export(args: argparse.Namespace) -> int:
    """The report (PDF/Word), the consolidated return or the data (Excel) for a view, made and
    audited (actor "cli") by reporting/exports.py like a download."""
    fmt = args.format or EXPORT_FORMATS[args.what][0]
    if fmt not in EXPORT_FORMATS[args.what]:
        allowed = ", ".join(EXPORT_FORMATS[args.what])
        print(f"«{args.what}» chỉ xuất được dạng: {allowed}.", file=sys.stderr)
        return 2
    from etl.measures.query import BadParameter, View
    from reporting.render import ChartRenderer

    engine = service.open_engine(args.db)
    view = View(
        as_of=args.as_of,
        scope=args.scope,
        province=args.province,
        include_pending=not args.without_pending,
        include_unreviewed=args.include_unreviewed,
        commune=args.commune,
        programme=args.programme,
    )
    renderer = ChartRenderer()
    try:
        made = exports.export(args.what, fmt, view, actor="cli", engine=engine, renderer=renderer)
    except BadParameter as exc:
        print(str(exc), file=sys.stderr)
        return 2
    finally:
        renderer.close()
    Path(args.out).write_bytes(made.content)
    print(args.out)
    return 0


def cmd_user(args: argparse.Namespace) -> int:
    """Accounts: add, list, disable, enable, role, password, token, email, sessions (the open
    sign-in sessions of an account), end-sessions (end them all)."""
    import secrets

    from etl.storage import accounts

    engine = service.open_engine(args.db)
    try:
        if args.action == "list":
            listed = accounts.list_accounts(engine)
            names = accounts.unit_names(engine, {u for a in listed for u in a.unit_ids})
            for a in listed:
                units = "; ".join(names.get(u, str(u)) for u in sorted(a.unit_ids))
                state = "" if a.active else " [đã khóa]"
                print(f"{a.username}\t{a.role}{state}\t{units}")
            return 0
        if args.action == "sessions" and not args.username:  # every account's
            _print_sessions(accounts.open_sessions(engine))
            return 0
        if not args.username:
            print("Cần tên đăng nhập / username required", file=sys.stderr)
            return 2
        units = accounts.resolve_units(engine, args.unit) if args.unit else None
        if args.action == "add":
            password = args.password or (_ask_password("Mật khẩu: ") if _interactive() else None)
            shown = None
            if not password:
                password = shown = secrets.token_urlsafe(12)
            accounts.create_account(
                engine,
                args.username,
                password,
                args.role,
                unit_ids=units,
                actor="cli",
                email=args.email,
            )
            print(f"Đã tạo «{args.username}» ({args.role}).")
            if shown:
                print(f"Mật khẩu (chỉ hiện một lần): {shown}")
        elif args.action == "role":
            accounts.set_role(engine, args.username, args.role, units, actor="cli")
            print(f"«{args.username}»: {args.role}.")
        elif args.action == "email":
            account = accounts.set_email(engine, args.username, args.email, actor="cli")
            print(f"«{args.username}»: {account.email or 'không có địa chỉ thư'}.")
        elif args.action in ("disable", "enable"):
            accounts.set_active(engine, args.username, args.action == "enable", actor="cli")
            print(f"«{args.username}»: {'đã mở khóa' if args.action == 'enable' else 'đã khóa'}.")
        elif args.action == "password":
            if not args.password and not _interactive():
                raise accounts.AccountError(
                    "Cần --password khi không nhập từ bàn phím / --password is required "
                    "when not typing at a terminal"
                )
            password = args.password or _ask_password("Mật khẩu mới: ")
            accounts.set_password(engine, args.username, password, actor="cli")
            print("Đã đổi mật khẩu.")
        elif args.action == "sessions":
            _print_sessions(accounts.open_sessions(engine, args.username))
        elif args.action == "end-sessions":
            ended = accounts.end_sessions(engine, args.username, actor="cli")
            print(f"«{args.username}»: đã kết thúc {ended} phiên đăng nhập.")
        elif args.action == "token":
            token = accounts.create_token(engine, args.username, args.label, actor="cli")
            print(token)
            print("Giữ mã này cẩn thận: hệ thống chỉ lưu bản băm, không hiện lại.", file=sys.stderr)
    except accounts.AccountError as exc:
        print(str(exc), file=sys.stderr)
        return 2
    return 0


def _interactive() -> bool:
    return sys.stdin is not None and sys.stdin.isatty()


def _ask_password(prompt: str) -> str:
    """A password typed at the terminal (not echoed); "" when the input ends."""
    import getpass

    try:
        return getpass.getpass(prompt)
    except EOFError:
        return ""


def _print_sessions(sessions: list[SignInSession]) -> None:
    """Open sessions, one a line: account, since, last used, address, browser."""
    if not sessions:
        print("Không có phiên nào đang mở.")
    for s in sessions:
        since, seen = fmt_moment(s.created_at), fmt_moment(s.last_seen_at)
        where = f"{s.remote_addr or '?'}\t{s.user_agent or ''}"
        print(f"{s.username}\ttừ {since}\tlần cuối {seen}\t{where}")


def _date_arg(text: str, what: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise periods.PeriodError(
            f"{what} «{text}» không phải ngày YYYY-MM-DD / not a date"
        ) from None


def _period_line(p: periods.Period) -> str:
    state = "Đang mở" if p.is_open else "Đã đóng"
    return (
        f"{p.id}\t{p.name}\ttính đến {fmt_date(p.as_of)}\thạn nộp {fmt_date(p.deadline)}\t{state}"
    )


def cmd_rule(args: argparse.Namespace) -> int:
    """The merged-province baseline rule (docs/domain.md, "Provinces and mergers"): `show`
    the rule in force and the earlier choices; `set` a value, as the page `/quan-tri` does
    (stored, audited with the actor `cli`)."""
    engine = service.open_engine(args.db)
    if args.action == "set":
        try:
            with engine.begin() as conn:
                stored_rules.set_rule(conn, MERGER_RULE, args.value, actor="cli")
        except stored_rules.RuleError as exc:
            print(str(exc), file=sys.stderr)
            return 2
    with db.reading(engine) as conn:
        choices = stored_rules.history(conn, MERGER_RULE)
    value = value_in_force({MERGER_RULE: choices[0]} if choices else {}, MERGER_RULE)
    source = (
        f"do {choices[0].set_by} chọn lúc {fmt_moment(choices[0].set_at, '—')}"
        if choices
        else f"mặc định theo cấu hình ({RULE_VARIABLES[MERGER_RULE]})"
    )
    print(f"Quy tắc sáp nhập đang áp dụng: {value} · {MERGER_RULE_LABELS[value]} ({source})")
    for choice in choices[1:]:
        print(f"  trước đó: {fmt_moment(choice.set_at, '—')}\t{choice.value}\t{choice.set_by}")
    return 0


def cmd_period(args: argparse.Namespace) -> int:
    """Reporting periods: add, list, close, open."""
    engine = service.open_engine(args.db)
    try:
        if args.action == "list":
            with db.reading(engine) as conn:
                for p in periods.list_periods(conn):
                    print(_period_line(p))
            return 0
        if args.action == "add":
            missing = [o for o, v in (("--name", args.name), ("--as-of", args.as_of),
                                      ("--deadline", args.deadline)) if not v]  # fmt: skip
            if missing:
                print(f"Thiếu {', '.join(missing)} / missing {', '.join(missing)}", file=sys.stderr)
                return 2
            as_of = _date_arg(args.as_of, "Ngày chốt số liệu")
            deadline = _date_arg(args.deadline, "Hạn nộp")
            with engine.begin() as conn:
                p = periods.add(conn, name=args.name, as_of=as_of, deadline=deadline, actor="cli")
            print(f"Đã tạo kỳ báo cáo: {_period_line(p)}")
            return 0
        if args.id is None:
            print("Cần số hiệu kỳ báo cáo / period id required", file=sys.stderr)
            return 2
        with engine.begin() as conn:
            if args.action == "close":
                p = periods.close(conn, args.id, "cli")
            else:
                p = periods.reopen(conn, args.id, "cli")
        print(_period_line(p))
    except periods.PeriodError as exc:
        print(str(exc), file=sys.stderr)
        return 2
    return 0


def _review_line(row: reviews.SubmissionRow) -> str:
    status = ReviewStatus(row.status).label if row.status else "—"
    return "\t".join(
        [str(row.id), row.file_name, row.reporting_unit or "—", row.period or "—", status]
    )


def cmd_review(args: argparse.Namespace) -> int:
    """The review of stored returns: list, show, approve, return."""
    engine = service.open_engine(args.db)
    if args.action == "list":
        with db.reading(engine) as conn:
            for row in reviews.queue(conn, args.status, args.period):
                print(_review_line(row))
        return 0
    if args.id is None:
        print("Cần số hiệu báo cáo / submission id required", file=sys.stderr)
        return 2
    try:
        if args.action == "show":
            return _review_show(engine, args.id)
        with engine.begin() as conn:
            if args.action == "approve":
                reviews.approve(conn, args.id, "cli")
            else:
                reviews.return_(conn, args.id, "cli", args.comment or "")
    except reviews.ReviewError as exc:
        print(f"{exc.vi} / {exc.en}", file=sys.stderr)
        return 2
    word = "Đã duyệt" if args.action == "approve" else "Đã trả lại"
    print(f"{word} báo cáo số {args.id}.")
    return 0


def _review_show(engine: Engine, submission_id: int) -> int:
    """One return: what it is, its review history with comments, then every figure it would
    change against the approved ones (`etl.measures.review_diff`)."""
    with db.reading(engine) as conn:
        row = reviews.get(conn, submission_id)
        if row is None:
            raise reviews.ReviewError(
                "not-found",
                f"Không có báo cáo số {submission_id}",
                f"no submission {submission_id}",
            )
        history = reviews.history(conn, submission_id)
    print(f"Báo cáo số {row.id}: {row.file_name}")
    print(f"  Đơn vị báo cáo: {row.reporting_unit or '—'}")
    print(f"  Kỳ báo cáo: {row.period or '—'} (tính đến {fmt_date(row.as_of)})")
    print(f"  Người nộp: {row.uploader}, lúc {fmt_moment(row.uploaded_at)}")
    print(f"  Trạng thái: {ReviewStatus(row.status).label if row.status else '—'}")
    print("Lịch sử duyệt:")
    for h in history:
        comment = f" — «{h['comment']}»" if h["comment"] else ""
        label = ReviewStatus(h["status"]).label
        print(f"  {fmt_moment(h['at'])}  {label}  ({h['actor']}){comment}")
    from etl.measures.review_diff import UNIT_FIELD_LABELS, review_diff, unit_value_text

    diff = review_diff(engine, submission_id)
    print(f"Số liệu thay đổi so với số đã duyệt: {len(diff.rows)} (không đổi: {diff.unchanged})")
    if diff.baseline_rows:
        years = ", ".join(str(y) for y in sorted({r.year for r in diff.baseline_rows}))
        print(f"!! SỬA SỐ NĂM GỐC {years}: {len(diff.baseline_rows)} số")
    for d in diff.rows:
        mark = f"!! NĂM GỐC {d.year} " if d.baseline else ("! năm trước " if d.past_year else "")
        old = "—" if d.old is None else fmt_number(d.old)
        what = (
            f"{MEASURE_LABELS.get(d.measure, d.measure)} ({STATUS_LABELS.get(d.status, d.status)})"
        )
        print(
            f"  {mark}{d.unit_name} | {what} năm {d.year}: {old} → {fmt_number(d.new)}"
            f" ({d.sheet}!{d.cell})"
        )
    if diff.unit_changes:
        print(f"Thông tin đơn vị thay đổi so với số đã duyệt: {len(diff.unit_changes)}")
    for c in diff.unit_changes:
        label = UNIT_FIELD_LABELS.get(c.field, c.field)
        new_unit = " (đơn vị mới)" if c.new_unit else ""
        print(
            f"  {c.unit_name}{new_unit} | {label}: {unit_value_text(c.field, c.old)}"
            f" → {unit_value_text(c.field, c.new)} ({c.sheet}!{c.cell})"
        )
    return 0


def cmd_migrate(args: argparse.Namespace) -> int:
    service.migrate(args.db)
    return 0


def cut_off_date(text: str) -> dt.date:
    """A `--as-of` argument: a date written YYYY-MM-DD, not before the earliest cut-off the
    product accepts (01/01/2015, as for a period and a return); else argparse's usage error
    (exit 2) with a Vietnamese message."""
    try:
        value = dt.date.fromisoformat(text.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"«{text}» không phải ngày dạng YYYY-MM-DD (ví dụ 2024-06-30)"
        ) from None
    if value < periods.EARLIEST_AS_OF:
        raise argparse.ArgumentTypeError(
            f"ngày chốt số liệu {fmt_date(value)} trước {fmt_date(periods.EARLIEST_AS_OF)}, "
            "khi chưa có số liệu"
        )
    return value


def path_arg(text: str) -> str:
    """A file or directory argument: not empty and without NUL (no system takes one), else
    argparse's usage error (exit 2) with a Vietnamese message."""
    if not text.strip() or "\x00" in text:
        raise argparse.ArgumentTypeError(f"«{_shown_path(text)}» không phải đường dẫn tệp")
    return text


def stored_id(text: str) -> int:
    """An argument naming a stored row (a period, a return): a whole number the database can
    hold, else argparse's usage error (exit 2) with a Vietnamese message."""
    value = db.stored_key(int(text)) if text.strip().isdigit() else None
    if value is None:
        raise argparse.ArgumentTypeError(f"«{text}» không phải số hiệu hợp lệ (1, 2, 3 …)")
    return value


# argparse's own error messages (Python 3.11), in Vietnamese: (pattern, replacement)
_ARGPARSE_ERRORS = (
    (r"the following arguments are required: (.+)", r"thiếu tham số bắt buộc: \1"),
    (
        r"argument (\S+): invalid choice: (.+) \(choose from (.+)\)",
        r"tham số \1: \2 không phải lựa chọn hợp lệ (chọn một trong: \3)",
    ),
    (r"unrecognized arguments: (.+)", r"tham số không nhận ra: \1"),
    (r"argument (\S+): expected one argument", r"tham số \1 cần một giá trị"),
    (r"argument (\S+): expected at least one argument", r"tham số \1 cần ít nhất một giá trị"),
    (r"argument (\S+): invalid \S+ value: (.+)", r"tham số \1: giá trị \2 không hợp lệ"),
    (r"argument (\S+): ignored explicit argument (.+)", r"tham số \1 không nhận giá trị \2"),
    (r"ambiguous option: (\S+) could match (.+)", r"tùy chọn \1 không rõ, có thể là: \2"),
    (r"argument (\S+): (.+)", r"tham số \1: \2"),  # our own types' messages (Vietnamese)
)


def vietnamese_usage_error(message: str) -> str:
    """An argparse error message in Vietnamese (unknown ones are kept, in brackets)."""
    for pattern, replacement in _ARGPARSE_ERRORS:
        if re.fullmatch(pattern, message, flags=re.DOTALL):
            return re.sub(pattern, replacement, message, flags=re.DOTALL)
    return f"lệnh không hợp lệ ({message})"


class VietnameseParser(argparse.ArgumentParser):
    """argparse with Vietnamese usage, help headings and errors: a bad argument prints the
    usage, what is wrong and how to get help, then exits 2 (never a traceback)."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        kwargs.setdefault("add_help", False)
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self._positionals.title = "tham số"
        self._optionals.title = "tùy chọn"
        self.add_argument("-h", "--help", action="help", help="hiện hướng dẫn này rồi thoát")

    def format_usage(self) -> str:
        formatter = self._get_formatter()
        formatter.add_usage(
            self.usage, self._actions, self._mutually_exclusive_groups, prefix="Cách dùng: "
        )
        return formatter.format_help()

    def format_help(self) -> str:
        return super().format_help().replace("usage: ", "Cách dùng: ", 1)

    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        self.exit(
            2,
            f"{self.prog}: lỗi: {vietnamese_usage_error(message)}\n"
            f"Gõ «{self.prog} -h» để xem hướng dẫn.\n",
        )


def build_parser() -> argparse.ArgumentParser:
    parser = VietnameseParser(
        prog="python -m etl", description="Báo cáo tinh giản biên chế — công cụ dòng lệnh."
    )
    sub = parser.add_subparsers(
        dest="command", required=True, title="lệnh", metavar="LỆNH", parser_class=VietnameseParser
    )
    db_help = "DATABASE_URL (mặc định: biến môi trường hoặc SQLite trong data/)"

    p = sub.add_parser("ingest", help="nạp các tệp báo cáo (exit 2 nếu có tệp bị từ chối)")
    p.add_argument(
        "files", nargs="+", type=path_arg, metavar="TỆP", help="tệp báo cáo (.xlsx, .xls, .ods)"
    )
    p.add_argument("--db", help=db_help)
    p.add_argument(
        "--approve",
        action="store_true",
        help="duyệt ngay các báo cáo nạp được (mặc định: chờ duyệt)",
    )
    p.add_argument(
        "--mapping",
        type=_mapping_file,
        metavar="FILE.json",
        help="cách ghép cột cho tiêu đề không nhận ra (mặc định: cách ghép đã lưu của đơn vị)",
    )
    p.set_defaults(func=cmd_ingest)

    p = sub.add_parser("summary", help="số liệu tổng hợp")
    p.add_argument("--db", help=db_help)
    p.add_argument("--as-of", type=cut_off_date, help="ngày chốt số liệu YYYY-MM-DD")
    p.add_argument("--scope", help="Toàn thành phố, tên/mã đơn vị, quận huyện, lĩnh vực")
    p.add_argument("--commune", help="xã, phường (từ khi cấp huyện kết thúc)")
    p.add_argument("--province", help="tỉnh, thành phố (cũ), ví dụ «Tỉnh Hậu Giang (cũ)»")
    p.add_argument("--without-pending", action="store_true", help="không tính số chờ phê duyệt")
    p.add_argument(
        "--include-unreviewed",
        action="store_true",
        help="gồm cả báo cáo chưa được Sở Nội vụ duyệt (mặc định: chỉ số liệu đã duyệt)",
    )
    p.add_argument(
        "--programme",
        help="giai đoạn, ví dụ «2026 - 2031» (mặc định: giai đoạn đang thực hiện tại ngày chốt)",
    )
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_summary)

    p = sub.add_parser("template", help="biểu mẫu trống (00, 01, 02, 03)")
    p.add_argument("form", choices=["00", "01", "02", "03", "0", "1", "2", "3"])
    p.add_argument("--out", type=path_arg)
    p.set_defaults(func=cmd_template)

    sample_set: dict[str, Any] = {
        "choices": sorted(service.SAMPLE_SETS),
        "default": service.DEFAULT_SAMPLE_SET,
        "help": "bộ dữ liệu mẫu: 2024 (thành phố mẫu, data/sample) hoặc 2026 (thành phố "
        "hợp nhất từ ba tỉnh, data/sample_2026)",
    }
    p = sub.add_parser("demo", help="nạp dữ liệu mẫu qua đường nạp thông thường")
    p.add_argument("--db", help=db_help)
    p.add_argument("--if-empty", action="store_true", help="chỉ nạp khi chưa có số liệu")
    p.add_argument("--set", **sample_set)
    p.set_defaults(func=cmd_demo)

    p = sub.add_parser("sample", help="tạo lại các tệp mẫu (data/sample, data/sample_2026)")
    p.add_argument("--set", **sample_set)
    p.add_argument("--out", type=path_arg, help="thư mục ghi (mặc định: thư mục của bộ mẫu)")
    p.set_defaults(func=cmd_sample)

    p = sub.add_parser("export", help="xuất báo cáo (pdf, docx), biểu tổng hợp, dữ liệu (xlsx)")
    p.add_argument("what", choices=sorted(EXPORT_FORMATS))
    p.add_argument("--format", choices=["pdf", "docx", "xlsx"])
    p.add_argument("--out", type=path_arg, required=True)
    p.add_argument("--db", help=db_help)
    p.add_argument("--as-of", type=cut_off_date, help="ngày chốt số liệu YYYY-MM-DD")
    p.add_argument("--scope", help="Toàn thành phố, tên/mã đơn vị, quận huyện, lĩnh vực")
    p.add_argument("--commune", help="xã, phường (từ khi cấp huyện kết thúc)")
    p.add_argument("--province", help="tỉnh, thành phố (cũ), ví dụ «Tỉnh Hậu Giang (cũ)»")
    p.add_argument("--without-pending", action="store_true", help="không tính số chờ phê duyệt")
    p.add_argument(
        "--include-unreviewed",
        action="store_true",
        help="gồm cả báo cáo chưa được Sở Nội vụ duyệt (mặc định: chỉ số liệu đã duyệt)",
    )
    p.add_argument(
        "--programme",
        help="giai đoạn, ví dụ «2026 - 2031» (mặc định: giai đoạn đang thực hiện tại ngày chốt)",
    )
    p.set_defaults(func=cmd_export)

    p = sub.add_parser(
        "user",
        help="tài khoản: add, list, disable, enable, role, password, token, email, "
        "sessions (phiên đang mở; không tên: mọi tài khoản), end-sessions (kết thúc mọi phiên)",
    )
    p.add_argument(
        "action",
        choices=[
            "add",
            "list",
            "disable",
            "enable",
            "role",
            "password",
            "token",
            "email",
            "sessions",
            "end-sessions",
        ],
    )
    p.add_argument("username", nargs="?")
    roles = [role.value for role in Role]  # plain strings: argparse's errors show their repr
    p.add_argument("--role", choices=roles, default=Role.VIEWER.value)
    p.add_argument("--unit", action="append", help="mã hoặc tên đơn vị (lặp lại cho nhiều đơn vị)")
    p.add_argument("--password", help="mật khẩu (bỏ trống: hỏi, hoặc tạo ngẫu nhiên)")
    p.add_argument("--label", default="api", help="tên gợi nhớ của mã API")
    p.add_argument("--email", help="địa chỉ thư điện tử (user add, user email; trống: xóa)")
    p.add_argument("--db", help=db_help)
    p.set_defaults(func=cmd_user)

    p = sub.add_parser("period", help="kỳ báo cáo: add, list, close, open")
    p.add_argument("action", choices=["add", "list", "close", "open"])
    p.add_argument("id", nargs="?", type=stored_id, help="số hiệu kỳ (close, open)")
    p.add_argument("--name", help="tên kỳ, ví dụ «6 tháng đầu năm 2024»")
    p.add_argument("--as-of", help="ngày chốt số liệu YYYY-MM-DD")
    p.add_argument("--deadline", help="hạn nộp YYYY-MM-DD")
    p.add_argument("--db", help=db_help)
    p.set_defaults(func=cmd_period)

    p = sub.add_parser("rule", help="quy tắc sáp nhập tỉnh, thành phố: show, set")
    p.add_argument("action", choices=["show", "set"])
    p.add_argument("value", nargs="?", choices=list(MERGER_RULE_LABELS), help="quy tắc (set)")
    p.add_argument("--db", help=db_help)
    p.set_defaults(func=cmd_rule)

    p = sub.add_parser("review", help="duyệt báo cáo: list, show, approve, return")
    p.add_argument("action", choices=["list", "show", "approve", "return"])
    p.add_argument("id", nargs="?", type=stored_id, help="số hiệu báo cáo (show, approve, return)")
    p.add_argument("--status", choices=[s.value for s in ReviewStatus], help="lọc theo trạng thái")
    p.add_argument("--period", type=stored_id, help="lọc theo số hiệu kỳ báo cáo")
    p.add_argument("--comment", help="ý kiến khi trả lại (bắt buộc)")
    p.add_argument("--db", help=db_help)
    p.set_defaults(func=cmd_review)

    p = sub.add_parser("migrate", help="tạo/cập nhật lược đồ cơ sở dữ liệu")
    p.add_argument("--db", help=db_help)
    p.set_defaults(func=cmd_migrate)
    return parser


def os_reason(exc: OSError) -> str:
    """What went wrong with a file, in Vietnamese where the cause is a common one."""
    words = {
        FileNotFoundError: "không có tệp hoặc thư mục này",
        IsADirectoryError: "đây là một thư mục",
        NotADirectoryError: "một phần của đường dẫn không phải thư mục",
        PermissionError: "không có quyền",
        FileExistsError: "đã có một tệp cùng tên",
    }
    reason = next((w for kind, w in words.items() if isinstance(exc, kind)), None)
    return reason or f"lỗi hệ thống tệp ({exc.strerror or type(exc).__name__})"


def _first_line(exc: BaseException) -> str:
    text = str(getattr(exc, "orig", None) or exc).strip()
    return text.splitlines()[0][:300] if text else type(exc).__name__


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command. Exit 0 when done; 2 for a bad argument, a file or database that
    cannot be used, or a refused file (a Vietnamese message says why); 1 only for an
    unexpected error (a fault of the program: its message names it, without a traceback)."""
    args = build_parser().parse_args(None if argv is None else list(argv))
    try:
        return args.func(args)
    except service.SchemaNotCurrent as exc:  # no schema yet, or an older one
        print(str(exc), file=sys.stderr)
        return 2
    except BrokenPipeError:  # `… | head`: the reader has what it wanted
        sys.stderr.close()
        return 0
    except OSError as exc:  # a path that cannot be read or written
        where = f" «{_shown_path(exc.filename)}»" if exc.filename else ""
        print(f"Không đọc/ghi được{where}: {os_reason(exc)}.", file=sys.stderr)
        return 2
    except sa_exc.ArgumentError:
        print("Địa chỉ cơ sở dữ liệu (--db, DATABASE_URL) không hợp lệ.", file=sys.stderr)
        return 2
    except (sa_exc.OperationalError, sa_exc.InterfaceError) as exc:
        print(f"Không dùng được cơ sở dữ liệu: {_first_line(exc)}", file=sys.stderr)
        return 2
    except sa_exc.DBAPIError as exc:  # a value the database refuses
        print(f"Cơ sở dữ liệu từ chối thao tác: {_first_line(exc)}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("Đã dừng.", file=sys.stderr)
        return 130
    except Exception as exc:
        print(
            f"Lỗi không mong đợi của chương trình ({type(exc).__name__}): {_first_line(exc)}",
            file=sys.stderr,
        )
        return 1
