"""`manage.py seed_demo`: a fictitious demo centre (funds, donors, gifts, case files, roles).

The work is in demo.centre.demo_seed; this command only guards production and reports.
"""

import logging
from contextlib import contextmanager

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from demo.centre import CPF_CODE, DEMO_PASSWORD, ROLES, SPF_CODE, demo_seed
from fund.models import Fund
from fund.money import money_display
from fund.selectors import fund_balances


@contextmanager
def _quiet(logger_name: str):
    """Wagtail indexes every saved gift and posting through django-tasks, which logs two INFO
    lines per task: about a thousand lines that would bury the report. Warnings still show."""
    logger = logging.getLogger(logger_name)
    level = logger.level
    logger.setLevel(max(level, logging.WARNING))
    try:
        yield
    finally:
        logger.setLevel(level)


class Command(BaseCommand):
    help = "Seed a fictitious demo centre through the services. Running it again changes nothing."

    def add_arguments(self, parser):
        parser.add_argument(
            "--allow-production",
            action="store_true",
            help="Seed even under production settings (creates users with a published password).",
        )

    def handle(self, *args, **options):
        # Production settings, or any settings with debug off (e.g. dev settings pointed at a
        # real server): demo logins with a published password must not appear there.
        looks_real = settings.SETTINGS_MODULE.endswith(".production") or not settings.DEBUG
        if looks_real and not options["allow_production"] and not settings.SETTINGS_MODULE.endswith(".test"):
            raise CommandError(
                "Refusing to seed demo data under production settings: it creates an admin with a "
                "published password. Pass --allow-production for a throwaway staging server."
            )
        try:
            with _quiet("django_tasks"):
                counts = demo_seed(stdout=self.stdout)
        except ValidationError as exc:
            raise CommandError(f"Nothing was seeded: {'; '.join(exc.messages)}") from exc

        self.stdout.write("")
        self.stdout.write("In the database now:")
        for name, count in counts.items():
            if name != "seeded":
                self.stdout.write(f"  {name:<20} {count:>6}")
        funds = list(Fund.objects.filter(code__in=[CPF_CODE, SPF_CODE]).order_by("code"))
        balances = fund_balances(funds)
        for fund in funds:
            self.stdout.write(f"  {fund.code} received      {money_display(balances[fund.pk].received):>20}")
        self.stdout.write("")
        users = ", ".join(["admin", *(role["username"] for role in ROLES.values())])
        self.stdout.write(
            f"Wagtail admin at /admin/: users {users}; password {DEMO_PASSWORD} (if created by this command)"
        )
        if counts["seeded"]:
            self.stdout.write(
                self.style.SUCCESS("Demo data seeded. Run `manage.py check_ledger` to verify the ledger.")
            )
        else:
            self.stdout.write(self.style.SUCCESS("Already seeded; nothing changed."))
