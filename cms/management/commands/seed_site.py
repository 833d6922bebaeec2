"""`manage.py seed_site`: the demo public site (run after seed_demo, which creates the funds)."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from cms.demo import site_seed


class Command(BaseCommand):
    help = "Create the demo public site's pages and organisation settings. Running it again changes nothing."

    def add_arguments(self, parser):
        parser.add_argument("--allow-production", action="store_true", help="Seed even under production settings.")

    def handle(self, *args, **options):
        if settings.SETTINGS_MODULE.endswith(".production") and not options["allow_production"]:
            raise CommandError("Refusing to seed demo pages under production settings.")
        pages = site_seed()
        self.stdout.write(self.style.SUCCESS(f"Demo site ready: {pages} live pages."))
