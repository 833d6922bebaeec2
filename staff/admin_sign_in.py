"""Back-office screens for signing in: one's own (recovery codes, sign out everywhere) and the
administrator's (who has set up a second factor, who is locked out; reset, unlock, end sessions).

The administrator's screens need ``auth.change_user``, which only the Administrator role holds
(with superusers): whoever may edit an account may reset how it signs in."""

from __future__ import annotations

from django.contrib.auth import get_user_model, logout
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import TemplateView
from wagtail.admin import messages
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin

from .lockout import failures_for, locked_addresses, locked_usernames, lockout_clear
from .roles import ADMIN_ACCESS
from .sessions import sessions_end
from .two_factor import (
    recovery_codes_left,
    recovery_codes_renew,
    staff_with_second_factor,
    two_factor_enrolled,
    two_factor_reset,
)
from .views_sign_in import NEW_CODES_KEY

MANAGE_PERMISSION = "auth.change_user"


class _Screen(WagtailAdminTemplateMixin, TemplateView):
    header_icon = "lock"
    permission: str | None = None

    def dispatch(self, request, *args, **kwargs):
        if self.permission and not request.user.has_perm(self.permission):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_breadcrumbs_items(self):
        return self.breadcrumbs_items + [{"url": "", "label": self.get_page_title()}]


class AccountSecurityView(_Screen):
    """Account > Sign-in and sessions: new recovery codes, sign out everywhere."""

    template_name = "staff/admin/account_security.html"
    page_title = gettext_lazy("Sign-in and sessions")

    def get_context_data(self, **kwargs):
        user = self.request.user
        return super().get_context_data(
            enrolled=two_factor_enrolled(user), recovery_left=recovery_codes_left(user), **kwargs
        )

    def post(self, request):
        action = request.POST.get("action")
        if action == "recovery_renew":
            request.session[NEW_CODES_KEY] = recovery_codes_renew(user=request.user)
            return redirect(f"{reverse('staff_recovery_codes')}?next={reverse('staff_account_security')}")
        if action == "sessions_end":
            sessions_end(user=request.user, actor=request.user)
            logout(request)
            messages.success(request, _("You are signed out everywhere, here too."))
            return redirect("wagtailadmin_login")
        raise Http404


class SignInIndexView(_Screen):
    """Settings > Staff sign-in: every staff account's second factor, and what is locked now."""

    template_name = "staff/admin/sign_in_index.html"
    page_title = gettext_lazy("Staff sign-in")
    permission = MANAGE_PERMISSION

    def get_context_data(self, **kwargs):
        locked = {lock.value: lock for lock in locked_usernames()}
        users = list(staff_with_second_factor())
        for user in users:
            user.lock = locked.get(user.username)
        return super().get_context_data(
            users=users, locked_usernames=list(locked.values()), locked_addresses=locked_addresses(), **kwargs
        )

    def post(self, request):
        address = request.POST.get("ip_address", "")
        if request.POST.get("action") != "unlock_address" or not address:
            raise Http404
        lockout_clear(actor=request.user, ip_address=address)
        messages.success(request, _("Signing in from %(address)s is unlocked.") % {"address": address})
        return redirect("staff_sign_in_index")


class SignInUserView(_Screen):
    """One account: its second factor, its failed sign-ins; reset, unlock, end its sessions."""

    template_name = "staff/admin/sign_in_user.html"
    permission = MANAGE_PERMISSION

    def setup(self, request, *args, **kwargs):
        super().setup(request, *args, **kwargs)
        self.object = get_object_or_404(get_user_model(), pk=kwargs["user_id"])

    def get_page_title(self):
        return _("Sign-in: %(user)s") % {"user": self.object.get_username()}

    def get_context_data(self, **kwargs):
        user = self.object
        return super().get_context_data(
            object=user,
            enrolled=two_factor_enrolled(user),
            recovery_left=recovery_codes_left(user),
            failures=failures_for(user.get_username()),
            needs_second_factor=user.is_superuser or user.has_perm(ADMIN_ACCESS),
            **kwargs,
        )

    def post(self, request, user_id):
        user, action = self.object, request.POST.get("action")
        name = user.get_username()
        if action == "two_factor_reset":
            two_factor_reset(user=user, actor=request.user)
            messages.success(
                request,
                _("%(user)s's second factor is reset: they set up their app again at the next sign-in.")
                % {"user": name},
            )
        elif action == "unlock":
            lockout_clear(actor=request.user, username=name)
            messages.success(request, _("%(user)s can sign in again.") % {"user": name})
        elif action == "sessions_end":
            sessions_end(user=user, actor=request.user)
            messages.success(request, _("Every session of %(user)s has ended.") % {"user": name})
        else:
            raise Http404
        if user.pk == request.user.pk and action != "unlock":
            logout(request)
            return redirect("wagtailadmin_login")
        return redirect("staff_sign_in_user", user_id=user.pk)


urlpatterns = [
    path("account/sign-in/", AccountSecurityView.as_view(), name="staff_account_security"),
    path("staff/sign-in/", SignInIndexView.as_view(), name="staff_sign_in_index"),
    path("staff/sign-in/<int:user_id>/", SignInUserView.as_view(), name="staff_sign_in_user"),
]
