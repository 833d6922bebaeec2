"""`manage.py seed_site`: the demo public site (run after seed_demo, which creates the funds)."""

import logging

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from demo.site import site_seed


class Command(BaseCommand):
    help = "Create the demo public site's pages and organisation settings. Running it again changes nothing."

    def add_arguments(self, parser):
        parser.add_argument("--allow-production", action="store_true", help="Seed even under production settings.")

    def handle(self, *args, **options):
        if settings.SETTINGS_MODULE.endswith(".production") and not options["allow_production"]:
            raise CommandError("Refusing to seed demo pages under production settings.")
        # Wagtail logs every page created, edited and published: some eighty lines that would
        # bury the one that matters. Warnings still show.
        logger = logging.getLogger("wagtail")
        level = logger.level
        logger.setLevel(max(level, logging.WARNING))
        try:
            pages = site_seed()
        finally:
            logger.setLevel(level)
        self.stdout.write(self.style.SUCCESS(f"Demo site ready: {pages} live pages."))
