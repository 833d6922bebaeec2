from django.core.management.base import BaseCommand

from demo.letterhead import receipt_settings_seed


class Command(BaseCommand):
    help = "Fill Settings > Receipts with the demo letterhead (before seed_demo, so demo receipts carry it)."

    def handle(self, *args, **options):
        if receipt_settings_seed():
            self.stdout.write("Receipt letterhead and wording set (Settings > Receipts).")
        else:
            self.stdout.write("Receipt settings already filled in; left unchanged.")
