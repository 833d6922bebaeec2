"""`manage.py journal_accounts_default`: give every account role without a code in the official
chart the suggested one (fund.services.journal.DEFAULT_CODES), for every fund. Never changes a
code the accountant has set, so it is safe to run again, and a demo set-up can run it to have codes."""

from django.core.management.base import BaseCommand

from fund.services.journal import account_mappings_default


class Command(BaseCommand):
    help = "Fill in the suggested official account codes for roles that have none."

    def handle(self, *args, **options):
        added = account_mappings_default()
        if not added:
            self.stdout.write("Every role already has a code; nothing changed.")
            return
        for mapping in added:
            self.stdout.write(f"{mapping.get_role_display()}: {mapping.code} {mapping.name}")
