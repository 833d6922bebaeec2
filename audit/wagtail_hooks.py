from django.contrib import messages
from django.db import router
from django.db.models.deletion import Collector, ProtectedError
from django.shortcuts import redirect
from django.utils.translation import gettext
from wagtail import hooks


@hooks.register("before_delete_user")
def keep_users_who_acted(request, user):
    """A user named in the audit trail or the ledger stays: deactivate them instead.
    (Without this, the protected references would surface as a server error.)"""
    collector = Collector(using=router.db_for_write(type(user)))
    try:
        collector.collect([user])
    except ProtectedError:
        messages.error(
            request,
            gettext(
                "%(user)s has acted in the back office (audit trail, gifts or ledger) and cannot be deleted. "
                "Untick 'Active' on their account instead."
            )
            % {"user": user},
        )
        return redirect("wagtailusers_users:edit", user.pk)
    return None
