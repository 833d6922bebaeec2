from django.core.management.base import BaseCommand

from demo.letterhead import receipt_settings_seed


class Command(BaseCommand):
    help = (
        "Fill Settings > Organisation and Settings > Receipts with the demo identity, signature and wording "
        "(before seed_demo, so demo receipts carry them)."
    )

    def handle(self, *args, **options):
        if receipt_settings_seed():
            self.stdout.write("Organisation, receipt signature and wording set (Settings > Organisation, Receipts).")
        else:
            self.stdout.write("Receipt settings already filled in; left unchanged.")
