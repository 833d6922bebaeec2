"""`manage.py demo_otp_code [USERNAME]`: the code a demo user's authenticator app shows now.

Only for accounts set up with the demo's published key (demo/roles.py): a real account's key
is never read out, whatever the command is asked."""

import time

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django_otp.plugins.otp_totp.models import TOTPDevice

from demo.roles import DEMO_TOTP_KEY, DEMO_TOTP_SECRET
from staff.two_factor import totp_code


class Command(BaseCommand):
    help = "Print the current second-step code of a demo user (admin, accountant, caseworker, ...)."

    def add_arguments(self, parser):
        parser.add_argument("username", nargs="?", default="admin")

    def handle(self, *args, username, **options):
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"No user {username!r}. Run `manage.py seed_demo` first.")
        device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
        if device is None or device.key != DEMO_TOTP_KEY:
            raise CommandError(
                f"{username} does not use the demo's authenticator key, so there is no code to print here."
            )
        seconds_left = device.step - int(time.time() - device.t0) % device.step
        self.stdout.write(totp_code(device.key))
        self.stderr.write(f"(valid for {seconds_left} more seconds; key {DEMO_TOTP_SECRET} in any authenticator app)")
