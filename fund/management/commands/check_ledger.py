"""`manage.py check_ledger`: verify the whole ledger, record the run, print each fund's position.

Exit status 0 and "Ledger OK" when every check passes; otherwise every problem on its own line
and a non-zero exit, so cron, CI or a deploy script can act on it.
"""

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from fund.models import Fund
from fund.money import money_display
from fund.selectors import fund_balances
from fund.services import ledger_check_run


class Command(BaseCommand):
    help = "Check the ledger (balance, digests, postings, append-only guards) and print each fund's balance."

    def handle(self, *args, **options):
        try:
            check = ledger_check_run()
        except Exception as exc:  # a check that cannot finish must still fail loudly
            raise CommandError(f"The ledger check could not run to the end: {type(exc).__name__}: {exc}") from exc
        self.stdout.write(
            f"Ledger check #{check.pk} at {timezone.localtime(check.started_at):%Y-%m-%d %H:%M:%S %Z}: "
            f"{check.transactions_checked} transaction(s) checked."
        )
        self._balances()
        if check.ok:
            self.stdout.write(self.style.SUCCESS("Ledger OK"))
            return
        for problem in check.problems:
            self.stdout.write(self.style.ERROR(f"PROBLEM: {problem}"))
        raise CommandError(f"{len(check.problems)} ledger problem(s) found")

    def _balances(self) -> None:
        funds = list(Fund.objects.order_by("code"))
        if not funds:
            self.stdout.write("No funds yet.")
            return
        balances = fund_balances(funds)
        columns = ("received", "allocated", "lost", "cash", "goods", "balance")
        rows = []
        for fund in funds:
            balance = balances[fund.pk]
            values = (balance.received, balance.allocated, balance.lost, balance.cash, balance.goods, balance.total)
            rows.append((f"{fund.code}  {fund.name}", [money_display(v) for v in values]))
        name_width = max(len("Fund"), *(len(name) for name, _ in rows))
        widths = [max(len(column), *(len(values[i]) for _, values in rows)) for i, column in enumerate(columns)]
        header = "  ".join([f"{'Fund':<{name_width}}", *(f"{c:>{w}}" for c, w in zip(columns, widths, strict=True))])
        self.stdout.write(header)
        self.stdout.write("-" * len(header))
        for name, values in rows:
            cells = (f"{v:>{w}}" for v, w in zip(values, widths, strict=True))
            self.stdout.write("  ".join([f"{name:<{name_width}}", *cells]))
