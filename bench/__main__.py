"""`make bench`: run every benchmark against a throwaway database and report ratios to a
baseline measured in the same run (the machine is shared and noisy: absolute times mislead).

Each benchmark returns rows of (name, value, baseline, ratio, target); the run fails if a ratio
misses its target.
"""

import os
import sys

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
os.environ.setdefault("TEST_DATABASE_NAME", "bench_chungtay")


def main() -> int:
    import django

    django.setup()
    from django.db import connection
    from django.test.utils import setup_test_environment

    from bench import ledger, receipts

    setup_test_environment()
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    failed = False
    try:
        for row in (row for module in (ledger, receipts) for row in module.run()):
            ok = row["ratio"] <= row["target"]
            failed |= not ok
            print(
                f"{row['name']:<48} {row['value']:>10.2f} ms  baseline {row['baseline']:>8.2f} ms  "
                f"ratio {row['ratio']:>6.2f}  target <= {row['target']:<5}  {'ok' if ok else 'MISSED'}"
            )
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
