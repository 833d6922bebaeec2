"""`manage.py roles_sync`: make the six role groups hold exactly the permissions in staff/roles.py.

Run by `make run` (before the demo seed), by CI and by each production deploy after `migrate`.
Idempotent; exits non-zero, changing nothing, when a role names a permission that does not exist.
"""

from django.core.management.base import BaseCommand, CommandError

from staff.errors import RoleDefinitionError
from staff.services import roles_sync


class Command(BaseCommand):
    help = "Create or update the role groups (Administrator, Fund accountant, ...) with exactly their permissions."

    def handle(self, *args, **options):
        try:
            roles_sync(stdout=self.stdout)
        except RoleDefinitionError as exc:
            raise CommandError(exc.message) from exc
