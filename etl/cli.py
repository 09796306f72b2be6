"""Command line: ingest returns, print the summary, write templates, load the sample city."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from collections import Counter
from pathlib import Path

from etl import service
from etl.core.settings import load_settings
from etl.core.vocabulary import IngestStatus, Role
from etl.ingest.load import IngestResult
from etl.measures.cache import load_dataset
from etl.storage import db
from reporting import exports


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
        print(f"{r.file_name}: {word}{extra}")
        for p in r.problems:
            if brief and not p.is_error:
                continue
            level = "LỖI" if p.is_error else "cảnh báo"
            print(f"  {p.where} {p.code} [{level}] {p.message_vi}")
        warnings = Counter(p.code for p in r.problems if not p.is_error)
        if brief and warnings:
            counted = ", ".join(f"{code}: {n}" for code, n in sorted(warnings.items()))
            print(f"  cảnh báo: {counted}")
        refused += r.status == IngestStatus.REFUSED
    return 2 if refused else 0


def cmd_ingest(args: argparse.Namespace) -> int:
    settings = load_settings()
    engine = service.open_engine(args.db, settings)
    files = [Path(f) for f in args.files]  # audited as `ingest_as` does, read ahead in bulk
    return _print_results(service.ingest_files(engine, files, settings, "cli", audited=True))


def cmd_summary(args: argparse.Namespace) -> int:
    engine = service.open_engine(args.db)
    as_of = dt.date.fromisoformat(args.as_of) if args.as_of else None
    try:
        result = service.summary(
            engine,
            as_of=as_of,
            scope=args.scope,
            include_pending=not args.without_pending,
            include_unreviewed=args.include_unreviewed,
        )
    except service.ScopeNotFound:
        print(f"Không tìm thấy phạm vi «{args.scope}» (scope not found).", file=sys.stderr)
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
    write_template(code, out)
    print(out)
    return 0


def cmd_sample(args: argparse.Namespace) -> int:
    from devdata.sample import write_sample

    for path in write_sample(Path(args.out)):
        print(path)
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    """The sample city on a database that may be new: the schema is migrated first."""
    settings = load_settings()
    service.migrate(args.db, settings)
    engine = service.open_engine(args.db, settings)
    if args.if_empty and not db.is_empty(engine):
        print("Cơ sở dữ liệu đã có số liệu; không nạp lại dữ liệu mẫu.")
        return 0
    files = sorted(settings.sample_dir.glob("*.xlsx"))
    if not files:
        print(f"Không có tệp mẫu trong {settings.sample_dir}.", file=sys.stderr)
        return 2
    return _print_results(service.ingest_files(engine, files, settings, "demo"), brief=True)


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
        as_of=dt.date.fromisoformat(args.as_of) if args.as_of else None,
        scope=args.scope,
        include_pending=not args.without_pending,
        include_unreviewed=args.include_unreviewed,
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
    """Accounts: add, list, disable, enable, role, password, token."""
    import getpass
    import secrets

    from etl.storage import accounts

    engine = service.open_engine(args.db)
    try:
        if args.action == "list":
            names = {}
            if any(a.unit_ids for a in accounts.list_accounts(engine)):
                names = load_dataset(engine).units["name"].to_dict()
            for a in accounts.list_accounts(engine):
                units = "; ".join(names.get(u, str(u)) for u in sorted(a.unit_ids))
                state = "" if a.active else " [đã khóa]"
                print(f"{a.username}\t{a.role}{state}\t{units}")
            return 0
        if not args.username:
            print("Cần tên đăng nhập / username required", file=sys.stderr)
            return 2
        units = accounts.resolve_units(engine, args.unit) if args.unit else None
        if args.action == "add":
            password = args.password or (
                getpass.getpass("Mật khẩu: ") if sys.stdin.isatty() else None
            )
            shown = None
            if not password:
                password = shown = secrets.token_urlsafe(12)
            accounts.create_account(
                engine, args.username, password, args.role, unit_ids=units, actor="cli"
            )
            print(f"Đã tạo «{args.username}» ({args.role}).")
            if shown:
                print(f"Mật khẩu (chỉ hiện một lần): {shown}")
        elif args.action == "role":
            accounts.set_role(engine, args.username, args.role, units, actor="cli")
            print(f"«{args.username}»: {args.role}.")
        elif args.action in ("disable", "enable"):
            accounts.set_active(engine, args.username, args.action == "enable", actor="cli")
            print(f"«{args.username}»: {'đã mở khóa' if args.action == 'enable' else 'đã khóa'}.")
        elif args.action == "password":
            password = args.password or getpass.getpass("Mật khẩu mới: ")
            accounts.set_password(engine, args.username, password, actor="cli")
            print("Đã đổi mật khẩu.")
        elif args.action == "token":
            token = accounts.create_token(engine, args.username, args.label, actor="cli")
            print(token)
            print("Giữ mã này cẩn thận: hệ thống chỉ lưu bản băm, không hiện lại.", file=sys.stderr)
    except accounts.AccountError as exc:
        print(str(exc), file=sys.stderr)
        return 2
    return 0


def cmd_migrate(args: argparse.Namespace) -> int:
    service.migrate(args.db)
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m etl", description="Báo cáo tinh giản biên chế — công cụ dòng lệnh."
    )
    sub = parser.add_subparsers(dest="command", required=True)
    db_help = "DATABASE_URL (mặc định: biến môi trường hoặc SQLite trong data/)"

    p = sub.add_parser("ingest", help="nạp các tệp báo cáo (exit 2 nếu có tệp bị từ chối)")
    p.add_argument("files", nargs="+")
    p.add_argument("--db", help=db_help)
    p.set_defaults(func=cmd_ingest)

    p = sub.add_parser("summary", help="số liệu tổng hợp")
    p.add_argument("--db", help=db_help)
    p.add_argument("--as-of", help="ngày chốt số liệu YYYY-MM-DD")
    p.add_argument("--scope", help="Toàn thành phố, tên/mã đơn vị, quận huyện, lĩnh vực")
    p.add_argument("--without-pending", action="store_true", help="không tính số chờ phê duyệt")
    p.add_argument(
        "--include-unreviewed",
        action="store_true",
        help="gồm cả báo cáo chưa được Sở Nội vụ duyệt (mặc định: chỉ số liệu đã duyệt)",
    )
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_summary)

    p = sub.add_parser("template", help="biểu mẫu trống (00, 01, 02, 03)")
    p.add_argument("form", choices=["00", "01", "02", "03", "0", "1", "2", "3"])
    p.add_argument("--out")
    p.set_defaults(func=cmd_template)

    p = sub.add_parser("demo", help="nạp dữ liệu mẫu qua đường nạp thông thường")
    p.add_argument("--db", help=db_help)
    p.add_argument("--if-empty", action="store_true", help="chỉ nạp khi chưa có số liệu")
    p.set_defaults(func=cmd_demo)

    p = sub.add_parser("sample", help="tạo lại các tệp mẫu trong data/sample")
    p.add_argument("--out", default=str(load_settings().sample_dir))
    p.set_defaults(func=cmd_sample)

    p = sub.add_parser("export", help="xuất báo cáo (pdf, docx), biểu tổng hợp, dữ liệu (xlsx)")
    p.add_argument("what", choices=sorted(EXPORT_FORMATS))
    p.add_argument("--format", choices=["pdf", "docx", "xlsx"])
    p.add_argument("--out", required=True)
    p.add_argument("--db", help=db_help)
    p.add_argument("--as-of", help="ngày chốt số liệu YYYY-MM-DD")
    p.add_argument("--scope", help="Toàn thành phố, tên/mã đơn vị, quận huyện, lĩnh vực")
    p.add_argument("--without-pending", action="store_true", help="không tính số chờ phê duyệt")
    p.add_argument(
        "--include-unreviewed",
        action="store_true",
        help="gồm cả báo cáo chưa được Sở Nội vụ duyệt (mặc định: chỉ số liệu đã duyệt)",
    )
    p.set_defaults(func=cmd_export)

    p = sub.add_parser("user", help="tài khoản: add, list, disable, enable, role, password, token")
    p.add_argument(
        "action", choices=["add", "list", "disable", "enable", "role", "password", "token"]
    )
    p.add_argument("username", nargs="?")
    roles = [role.value for role in Role]  # plain strings: argparse's errors show their repr
    p.add_argument("--role", choices=roles, default=Role.VIEWER.value)
    p.add_argument("--unit", action="append", help="mã hoặc tên đơn vị (lặp lại cho nhiều đơn vị)")
    p.add_argument("--password", help="mật khẩu (bỏ trống: hỏi, hoặc tạo ngẫu nhiên)")
    p.add_argument("--label", default="api", help="tên gợi nhớ của mã API")
    p.add_argument("--db", help=db_help)
    p.set_defaults(func=cmd_user)

    p = sub.add_parser("migrate", help="tạo/cập nhật lược đồ cơ sở dữ liệu")
    p.add_argument("--db", help=db_help)
    p.set_defaults(func=cmd_migrate)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except service.SchemaNotCurrent as exc:  # no schema yet, or an older one
        print(str(exc), file=sys.stderr)
        return 2
