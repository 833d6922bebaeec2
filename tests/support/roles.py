"""Staff signed in with one of the real roles (staff.roles, synced by roles_sync)."""

from django.contrib.auth.models import Group, User
from django.test import Client


def role_user(role: str, username: str) -> User:
    """A new user in one of staff/roles.py's groups (roles_sync must have run)."""
    user = User.objects.create_user(username, f"{username}@example.org", "pw")
    user.groups.add(Group.objects.get(name=role))
    return User.objects.get(pk=user.pk)  # no permission cache from before the group


def role_client(role: str, username: str) -> tuple[Client, User]:
    """A test client signed in as a new user holding ``role``, and that user."""
    user = role_user(role, username)
    client = Client()
    client.force_login(user)
    return client, user


def role_only_client(role: str, username: str) -> Client:
    return role_client(role, username)[0]
