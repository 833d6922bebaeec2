"""`make bench` / `make bench-quick`: every benchmark against a throwaway database, each figure next
to a baseline measured in the same run (the machine is shared and noisy: absolute times mislead),
printed as one table; exits 1 if any row misses its target.

    python -m bench                      full scale (make bench)
    python -m bench --quick              small scale, under two minutes (make bench-quick)
    python -m bench --only web,receipts  a selection

The database is migrated once into a template, kept between runs (named after the migrations'
leaf nodes, so a branch with other migrations gets its own, and older ones are dropped; --fresh-db
rebuilds it); every benchmark then gets its own copy of it (CREATE DATABASE ... TEMPLATE), so
what one seeds never shows in another's figures. docs/performance.md explains each figure, its
baseline and its target.
"""

import argparse
import os
import sys
import time
import traceback
from contextlib import contextmanager

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
os.environ.setdefault("TEST_DATABASE_NAME", "bench_chungtay")

BENCHMARKS = ("ledger", "ledger_size", "bank_import", "receipts", "statements", "web", "webhooks", "csp")


def _template_name() -> str:
    """The template database's name: the base name and a digest of the migration graph's leaves."""
    import hashlib

    from django.db.migrations.loader import MigrationLoader

    leaves = sorted(f"{app}.{name}" for app, name in MigrationLoader(None).graph.leaf_nodes())
    digest = hashlib.sha256("\n".join(leaves).encode()).hexdigest()[:10]
    return f"{os.environ['TEST_DATABASE_NAME']}_tpl_{digest}"


def _migrated_template(*, fresh: bool) -> str:
    """Create or bring up to date the template database, drop templates of other migration
    graphs, and return the name the connection had before (to restore at the end)."""
    from django.db import connection

    template = _template_name()
    base = os.environ["TEST_DATABASE_NAME"]
    with connection.creation._nodb_cursor() as cursor:
        cursor.execute(
            "SELECT datname FROM pg_database WHERE datname LIKE %s AND datname <> %s",
            [base.replace("_", "\\_") + "\\_tpl\\_%", "" if fresh else template],
        )
        for (stale,) in cursor.fetchall():
            cursor.execute(f'DROP DATABASE IF EXISTS "{stale}" WITH (FORCE)')
    connection.settings_dict["TEST"] = {**connection.settings_dict.get("TEST", {}), "NAME": template}
    return connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False, keepdb=True)


@contextmanager
def _fresh_database(template: str):
    """A copy of the migrated template database, current for this process while the block runs."""
    from django.conf import settings
    from django.core.cache import cache
    from django.db import connection

    work = f"{os.environ['TEST_DATABASE_NAME']}_run"

    def recreate(create: bool) -> None:
        connection.close()
        with connection.creation._nodb_cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{work}" WITH (FORCE)')
            if create:
                cursor.execute(f'CREATE DATABASE "{work}" TEMPLATE "{template}"')

    recreate(create=True)
    connection.settings_dict["NAME"] = settings.DATABASES["default"]["NAME"] = work
    cache.clear()  # Wagtail keeps site root paths in the cache: never the previous copy's
    try:
        yield
    finally:
        connection.settings_dict["NAME"] = settings.DATABASES["default"]["NAME"] = template
        recreate(create=False)


def _arguments(argv):
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="a small scale that finishes in under two minutes")
    parser.add_argument(
        "--only", default=",".join(BENCHMARKS), help=f"comma-separated, from {', '.join(BENCHMARKS)} (default: all)"
    )
    parser.add_argument("--fresh-db", action="store_true", help="migrate the template database from scratch")
    args = parser.parse_args(argv)
    args.only = [name.strip() for name in args.only.split(",") if name.strip()]
    unknown = sorted(set(args.only) - set(BENCHMARKS))
    if unknown or not args.only:
        parser.error(f"unknown benchmark {', '.join(unknown)}; choose from {', '.join(BENCHMARKS)}")
    return args


def main(argv=None) -> int:
    args = _arguments(argv)
    sys.stdout.reconfigure(line_buffering=True)  # progress shows as it happens, also in a log file
    import importlib

    import django

    django.setup()
    from django.db import connection
    from django.test.utils import setup_test_environment

    from bench.table import Row, format_table

    setup_test_environment()
    began = time.monotonic()
    old_name = _migrated_template(fresh=args.fresh_db)
    template = connection.settings_dict["NAME"]
    print(f"template database {template} ready in {time.monotonic() - began:.0f} s", file=sys.stderr)
    rows = []
    try:
        for name in (name for name in BENCHMARKS if name in args.only):  # a fixed order
            module = importlib.import_module(f"bench.{name}")
            started = time.monotonic()
            print(f"{name}: running{' (quick)' if args.quick else ''}", file=sys.stderr)
            try:
                with _fresh_database(template):
                    rows += list(module.run(quick=args.quick))
            except Exception as exc:  # the others still run; the table shows this one as missed
                traceback.print_exc()
                rows.append(
                    Row(
                        name=f"{name}: did not finish ({type(exc).__name__})",
                        figure=0,
                        unit="",
                        target=1,
                        direction=">=",
                        absolute=True,
                    )
                )
            print(f"{name}: done in {time.monotonic() - started:.0f} s", file=sys.stderr)
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0, keepdb=True)  # the template stays
    print()
    print(format_table(rows))
    missed = [row.name for row in rows if row.missed]
    print(f"\n{len(rows)} rows, {len(missed)} missed; {time.monotonic() - began:.0f} s in all")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
