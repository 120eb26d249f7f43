"""The command line: ingest, check, demo, projections, brief, versions and users."""

import argparse
import sys
from pathlib import Path

from digiskills.ingest import load as ingest
from digiskills.privacy import masking
from digiskills.reference import units
from digiskills.warehouse import versions, store as warehouse


def _print(*lines: str, **options) -> None:
    """Everything the ingest commands print goes through the masking function (a phone or an ID that reached a
    file name, a reason or a value is never printed in clear)."""
    print(*(masking.mask(str(line)) for line in lines), **options)


def _print_reports(reports: list[ingest.FileReport], lang: str) -> None:
    header = ("file", "table", "read", "loaded", "rejected", "duplicates", "outcome")
    rows = [(r.file, r.table or "-", r.rows_read, r.rows_loaded, r.rows_rejected, r.rows_duplicate, r.outcome)
            for r in reports]
    widths = [max(len(str(x)) for x in col) for col in zip(header, *rows)] if rows else [len(h) for h in header]
    for row in (header, *rows):
        _print("  ".join(str(v).rjust(w) if isinstance(v, int) else str(v).ljust(w) for v, w in zip(row, widths)))
    totals = [sum(r[i] for r in rows) for i in range(2, 6)]
    _print(f"total: read {totals[0]:,}, loaded {totals[1]:,}, rejected {totals[2]:,} "
          f"(duplicates {totals[3]:,}); read = loaded + rejected: {totals[0] == totals[1] + totals[2]}")
    for r in reports:
        # The report carries its messages in both interface languages; the rest of this output is English.
        _print(f"\n{r.file}: {getattr(r, f'message_{lang}')}")
        for reject in r.rejects:
            _print(f"  line {reject['line']}: {reject[f'reason_{lang}']}")
        shown = len(r.rejects)
        if r.rows_rejected > shown and shown:
            _print(f"  … {r.rows_rejected - shown:,} more in the quarantine table")


def _print_projections(goal_id: str, month_text: str | None, geography: str, level: str) -> int:
    import pandas as pd

    from digiskills.analytics import projections
    from digiskills.display import formatting
    from digiskills.reference import goals
    from digiskills.warehouse import db

    goal = {g.id: g for g in goals.load()}.get(goal_id)
    if goal is None:
        print(f"error: no goal {goal_id!r} in goals.yaml", file=sys.stderr)
        return 2
    wh = db.Warehouse()
    months = wh.run("shared/reporting_months")["month"]
    month = formatting.parse_month(month_text) if month_text else pd.Timestamp(months.iloc[0]).date()
    frames = [wh.run("projections/goal_share_by_unit_month", geography=geography, level=shown, district_code=None,
                     metric=goal.metric, population=goal.population, month=month) for shown in ("province", level)]
    table = projections.project_units(pd.concat(frames), goal.target, goal.baseline_date, goal.deadline, month)
    print(f"{goal.label_en} — target {goal.target:.0%} by {goal.deadline}; reporting month {month:%Y-%m}; "
          f"geography {geography}, {level} level")
    deadline_passed = table["value_at_deadline_pct"].notna().any()
    # status is projections.verdict, as on every page; low/high the range of the methods at the deadline.
    columns = ["name", "current_pct", "status", *(["value_at_deadline_pct"] if deadline_passed else
                                                  ["method", "projected_pct", "low_pct", "high_pct",
                                                   "required_monthly_gain_pct", "best_pace_pct",
                                                   "backtest_error_pct", "backtest_horizon",
                                                   *[f"{m}_{k}" for m in projections.METHODS
                                                     for k in ("projected_pct", "status")]])]
    shown = table[columns].copy()
    for c in shown.columns:
        if c in ("required_monthly_gain_pct", "best_pace_pct", "backtest_error_pct"):  # percentage points
            shown[c] = shown[c].map(lambda v: "-" if pd.isna(v) else f"{100 * v:.2f}pp")
        elif c.endswith("_pct"):
            shown[c] = shown[c].map(lambda v: "-" if pd.isna(v) else f"{v:.1%}")
    shown = shown.rename(columns={"required_monthly_gain_pct": "required_per_month", "best_pace_pct":
                                  "best_12m_pace_per_month", "backtest_error_pct": "backtest_error"})
    print(shown.to_string(index=False))
    return 0


def _write_brief(args) -> int:
    """brief: the monthly brief as PDF and PPTX in args.out (digiskills.brief.files)."""
    from digiskills.brief import documents as brief_documents, files as brief_files
    from digiskills.display import formatting

    month = formatting.parse_month(args.month) if args.month else None
    if args.month and month is None:
        print(f"error: --month {args.month!r} is not a month like 2026-10", file=sys.stderr)
        return 2
    try:
        documents = brief_files.build(month, args.unit, args.geography, args.lang, args.goal)
    except (ValueError, brief_documents.FontMissing) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    for path in documents.save(args.out):
        print(path)
    return 0


def _print_review(db_path: Path) -> None:
    review = versions.pending_review(db_path)
    if review is None:
        return
    print(f"\nThe import is waiting for review ({versions.pending_path(db_path)}): "
          f"{len(review.flags)} flag(s). Publish with `python -m digiskills publish` or drop it with "
          "`python -m digiskills discard`.")
    for flag in review.flags[:20]:
        print(f"  {flag['en']}")


def _versions_command(command: str, db_path: Path) -> int:
    try:
        if command == "publish":
            versions.publish(db_path)
            print(f"published: {db_path}")
        elif command == "discard":
            versions.discard(db_path)
            print("the waiting version was dropped")
        elif command == "rollback":
            restored = versions.rollback(db_path)
            print(f"rolled back: version {restored.stem} is live again")
        else:
            print(f"live: {db_path} ({'opens' if versions.readable(db_path) else 'DOES NOT OPEN'})")
            waiting = versions.pending_review(db_path)
            if waiting is not None:
                print(f"waiting for review: {versions.pending_path(db_path)} ({len(waiting.flags)} flag(s))")
            for kept in versions.versions(db_path):
                print(f"kept: {kept}")
    except FileNotFoundError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


def _users_command(args) -> int:
    """users add|list|remove: the local log-in fallback's users file (digiskills.app.auth, docs/security.md)."""
    import getpass

    from digiskills.app import auth

    path = auth.users_file()
    try:
        if args.action == "add":
            if args.password_stdin:
                password = sys.stdin.readline().rstrip("\r\n")
            else:
                password = getpass.getpass(f"Password for {args.name}: ")
                if getpass.getpass("Again: ") != password:
                    print("error: the passwords differ", file=sys.stderr)
                    return 2
            auth.add_user(args.name, args.role, password, path, replace=args.replace)
            print(f"{args.name}: {args.role} ({path})")
        elif args.action == "email":
            auth.set_email_role(args.email, args.role, path)
            print(f"{args.email.lower()}: {args.role} (OpenID Connect; {path})")
        elif args.action == "remove":
            if not auth.remove(args.name, path):
                print(f"error: no user or e-mail {args.name!r} in {path}", file=sys.stderr)
                return 1
            print(f"removed {args.name}")
        else:
            users, emails = auth.load(path)
            for user in users.values():
                print(f"{user.name}\t{user.role}" + ("\t(demo)" if user.is_demo else ""))
            for email, role in emails.items():
                print(f"{email}\t{role}\t(OpenID Connect)")
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0


def _add_lake_commands(sub) -> None:
    """export-lake and build: the models over a Parquet lake, on DuckDB or Spark (docs/scaling.md)."""
    p = sub.add_parser("export-lake", help="write the warehouse's base tables as a Hive-partitioned Parquet lake")
    p.add_argument("lake", type=Path, help="the lake's folder (created; other provinces in it are kept)")
    p.add_argument("--db", type=Path, help="warehouse file (default DIGISKILLS_DB or data/warehouse.duckdb)")
    p.add_argument("--demo-province", metavar="CODE",
                   help="instead: a sample of the demo warehouse (--db) moved onto this province's 2025 units, an "
                        "illustrative second province for the national roll-up (e.g. 91, An Giang)")
    p = sub.add_parser("build", help="run the models (queries/models) and the national roll-up over a lake, "
                                     "on DuckDB or Spark")
    p.add_argument("--engine", choices=("duckdb", "spark"), default="duckdb")
    p.add_argument("--lake", type=Path, required=True, help="a folder written by export-lake")
    p.add_argument("--master", default="local[2]", help="Spark master URL (spark engine; default local[2])")
    p.add_argument("--out", type=Path, help="output folder (default <lake>/models-<engine>): Spark writes one "
                                            "Parquet folder per table, DuckDB a file models.duckdb")


def _lake_command(args) -> int:
    from digiskills.warehouse import lake, national

    try:
        if args.command == "export-lake":
            source = args.db or warehouse.warehouse_path()
            if args.demo_province:
                from digiskills.demo import province

                manifest = province.export(source, args.lake, args.demo_province)
            else:
                manifest = lake.export(source, args.lake)
            for table, entry in manifest["tables"].items():
                print(f"{table:<20} {sum(entry['rows'].values()):>12,} rows  "
                      f"{sum(len(p) for p in entry['partitions'].values()):>4} partition(s)")
            print(f"{args.lake / lake.MANIFEST}")
            return 0
        lake.read_manifest(args.lake)  # a clear message before any engine starts
        out = args.out or args.lake / f"models-{args.engine}"
        if args.engine == "duckdb":
            seconds = lake.build_duckdb(args.lake, out / "models.duckdb")
            print(f"{out / 'models.duckdb'}: the models built by DuckDB in {seconds:.1f} s")
            rows, seconds = national.build_duckdb(out / "models.duckdb", out)
            print(f"{out / national.TABLE}: the national roll-up, {rows:,} rows, in {seconds:.2f} s")
            return 0
        from digiskills.warehouse import spark

        missing = spark.missing_requirements()
        if missing:
            print(f"error: the Spark engine needs {missing}", file=sys.stderr)
            return 2
        session = spark.session(args.master)
        try:
            runs = spark.build(session, args.lake, out, progress=spark.print_run)
            rows, seconds = national.build_spark(session, out)
        finally:
            session.stop()
        print(f"{out}: {sum(r.outcome == 'built' for r in runs)} statements built on Spark in "
              f"{sum(r.seconds for r in runs):.1f} s, {sum(r.outcome == 'skipped' for r in runs)} skipped")
        print(f"{out / national.TABLE}: the national roll-up, {rows:,} rows, on Spark in {seconds:.2f} s")
        return 0
    except (lake.LakeError, ValueError) as exc:  # ValueError: an unknown province, a source that is not a demo
        print(f"error: {exc}", file=sys.stderr)
        return 2


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m digiskills", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    for name, help_text in (("ingest", "load export files into the warehouse"),
                            ("check", "check export files and print the same report, writing nothing")):
        p = sub.add_parser(name, help=help_text)
        p.add_argument("paths", nargs="+", type=Path, help="files or folders (CSV, XLSX, Parquet)")
        p.add_argument("--table", choices=sorted(ingest.TARGETS), help="skip detection: the files hold this table")
        p.add_argument("--aliases", type=Path, help="header/value aliases file (default data/header_aliases.yaml)")
        p.add_argument("--lang", choices=("vi", "en"), default="en", help="language of the messages")
        if name == "ingest":
            p.add_argument("--review", action="store_true",
                           help="leave the new version waiting for `publish` even if nothing is flagged")
    p = sub.add_parser("rebuild", help="rebuild every derived table from the whole history (an import updates only "
                                       "what its rows touch)")
    p.add_argument("--review", action="store_true",
                   help="leave the rebuilt version waiting for `publish` even if nothing is flagged")
    p = sub.add_parser("import-batch", help="import an upload batch staged by the Data page (the import worker)")
    p.add_argument("batch", help="the batch id (a folder of the staging area)")
    p.add_argument("--db", type=Path, help="warehouse file (default DIGISKILLS_DB or data/warehouse.duckdb)")
    p = sub.add_parser("clean-staging", help="delete uploads and scratch files left by finished or killed imports")
    sub.add_parser("docs", help="regenerate docs/reference.md from the SQL files' headers and schema.sql")
    p = sub.add_parser("demo", help="write realistic demo exports under data/demo/ and build the warehouse")
    p.add_argument("--scale", type=float, help="volume multiplier (1: the merged province's real size, the "
                   "default; with --sample, DIGISKILLS_SAMPLE_SCALE or 0.02)")
    p.add_argument("--seed", type=int, default=2022)
    p.add_argument("--out", type=Path, default=Path("data") / "demo")
    first = p.add_mutually_exclusive_group()
    first.add_argument("--sample", action="store_true",
                       help="the first start: build a sample at --scale only if there is no warehouse, labelled as "
                            "a sample of the full demo (DIGISKILLS_FULL_SCALE, default 1)")
    first.add_argument("--full-after-sample", action="store_true",
                       help="build the full demo aside and swap it in only if the live warehouse is still the "
                            "untouched sample (what the app starts in the background)")
    p.add_argument("--lock-fd", type=int, help=argparse.SUPPRESS)
    for name, help_text in (("publish", "make the imported version waiting for review live"),
                            ("discard", "drop the imported version waiting for review"),
                            ("rollback", "undo the latest publish: the previous version becomes live again"),
                            ("versions", "list the live, waiting and kept versions of the warehouse")):
        sub.add_parser(name, help=help_text)
    p = sub.add_parser("users", help="local log-in: add, list or remove users (file: DIGISKILLS_USERS)")
    users_sub = p.add_subparsers(dest="action", required=True)
    q = users_sub.add_parser("add", help="add a user (the password is asked, or read from stdin)")
    q.add_argument("name")
    q.add_argument("--role", required=True, choices=("viewer", "analyst", "data_admin"))
    q.add_argument("--password-stdin", action="store_true", help="read the password from the first line of stdin")
    q.add_argument("--replace", action="store_true", help="change an existing user's password and role")
    q = users_sub.add_parser("email", help="give an OpenID Connect user (by e-mail) a role")
    q.add_argument("email")
    q.add_argument("--role", required=True, choices=("viewer", "analyst", "data_admin"))
    users_sub.add_parser("list", help="list the users and their roles")
    q = users_sub.add_parser("remove", help="remove a user or an e-mail")
    q.add_argument("name")
    p = sub.add_parser("projections", help="print the status and projections of a goal for the province and its units")
    p.add_argument("--goal", default="qd146_2030", help="goal id in goals.yaml")
    p.add_argument("--geography", choices=units.GEOGRAPHIES, default=units.GEOGRAPHIES[0],
                   help="2025: the 64 communes of the new province (default); pre2025: the former districts/communes")
    p.add_argument("--level", choices=("district", "commune"), default=None,
                   help="units listed under the province (default: communes in 2025, districts in pre2025)")
    p.add_argument("--month", help="reporting month YYYY-MM (default: the latest with data)")
    p = sub.add_parser("brief", help="write the monthly brief (PDF for circulation, PowerPoint for the meeting)")
    p.add_argument("--month", help="reporting month YYYY-MM (default: the latest with data)")
    p.add_argument("--unit", help="a district or commune code of the geography (default: the province)")
    p.add_argument("--geography", choices=units.GEOGRAPHIES, default=units.GEOGRAPHIES[0],
                   help="2025: the 64 communes of the new province (default); pre2025: the former districts/communes")
    p.add_argument("--lang", choices=("vi", "en"), default="vi", help="language of the brief")
    p.add_argument("--goal", help="goal id in goals.yaml (default: the nearest deadline not yet passed)")
    p.add_argument("--out", type=Path, default=Path("."), help="folder for brief_<YYYY-MM>_<unit>.pdf and .pptx")
    _add_lake_commands(sub)
    args = parser.parse_args(argv)

    if args.command in ("ingest", "check"):
        try:
            reports = ingest.ingest_paths(args.paths, table=args.table, aliases_file=args.aliases,
                                          check_only=args.command == "check",
                                          publish="review" if getattr(args, "review", False) else "auto")
        except (warehouse.KeyMismatch, ValueError) as exc:
            _print(f"error: {exc}", file=sys.stderr)
            return 2
        if not reports:
            print("no export files found in " + ", ".join(map(str, args.paths)), file=sys.stderr)
            return 1
        _print_reports(reports, args.lang)
        if args.command == "ingest":
            _print_review(warehouse.warehouse_path())
        return 1 if any(r.is_failure for r in reports) else 0
    if args.command == "rebuild":
        db_path = warehouse.warehouse_path()
        if not db_path.exists():
            _print(f"error: no warehouse at {db_path}", file=sys.stderr)
            return 1
        with warehouse.writing(db_path, publish="review" if args.review else "auto", rebuild=True):
            pass
        print(f"rebuilt the models of {db_path}")
        _print_review(db_path)
        return 0
    if args.command in ("publish", "discard", "rollback", "versions"):
        return _versions_command(args.command, warehouse.warehouse_path())
    if args.command == "users":
        return _users_command(args)
    if args.command == "import-batch":
        from digiskills.ingest import worker
        return worker.run(args.batch, args.db or warehouse.warehouse_path())
    if args.command == "clean-staging":
        from digiskills.ingest import staging
        for path in staging.clean_stale():
            print(f"removed {path}")
        return 0
    if args.command == "projections":
        level = args.level or ("commune" if args.geography == "2025" else "district")
        return _print_projections(args.goal, args.month, args.geography, level)
    if args.command == "brief":
        return _write_brief(args)
    if args.command in ("export-lake", "build"):
        return _lake_command(args)
    if args.command == "docs":
        from digiskills.warehouse import reference_doc
        print(reference_doc.write())
        return 0
    if args.command == "demo" and (args.sample or args.full_after_sample):
        from digiskills.demo import firststart
        if args.sample:
            firststart.build_sample(warehouse.warehouse_path(), args.out, scale=args.scale)
            return 0
        state = firststart.build_full(warehouse.warehouse_path(), args.out, lock_fd=args.lock_fd)
        print(f"full demo: {state}", file=sys.stderr)
        return 1 if state == "failed" else 0
    if args.command == "demo":
        from digiskills.demo import builder as demo
        demo.build(out=args.out, scale=args.scale or 1.0, seed=args.seed, db_path=warehouse.warehouse_path(),
                   progress=demo.print_progress)
        return 0
    return 2
