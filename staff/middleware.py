"""Every request of a signed-in user passes here (after authentication and messages).

1. A session that has been idle too long, or was ended by 'sign out everywhere' or a reset of
   the second factor, is signed out.
2. A user who must have a second factor (staff/two_factor.py) and whose session has not passed
   it reaches only the sign-in steps of /admin/: every other admin page sends them to enter a
   code (or to set up their app first), the admin's JSON and chooser endpoints answer 403, and
   outside the admin they are nobody (a password alone signs no one in anywhere).

django-otp's own middleware is the base: it finds the device that verified this session."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.models import AnonymousUser
from django.contrib.auth.views import redirect_to_login
from django.http import JsonResponse
from django.urls import Resolver404, resolve, reverse
from django.utils.translation import gettext as _
from django_otp.middleware import OTPMiddleware

from .sessions import session_ended_reason, session_touch
from .two_factor import two_factor_enrolled, two_factor_required

# The pages a session that has passed only the password may open.
OPEN_BEFORE_SECOND_STEP = frozenset(
    {
        "wagtailadmin_login",
        "wagtailadmin_logout",
        "wagtailadmin_javascript_catalog",  # the sign-in pages' own scripts
        "wagtailadmin_sprite",  # and icons
        "staff_two_factor_verify",
        "staff_two_factor_enrol",
    }
)


def _wants_json(request) -> bool:
    return (
        request.headers.get("x-requested-with") == "XMLHttpRequest"
        or "application/json" in request.headers.get("accept", "")
        or request.path_info.startswith(reverse("wagtailadmin_home") + "api/")
    )


class StaffSignInMiddleware(OTPMiddleware):
    def __call__(self, request):
        self._install_lazy_accessors(request)  # request.user.is_verified(), from django-otp
        return self._gate(request) or self.get_response(request)

    def _gate(self, request):
        # No session cookie, nobody signed in: return before reading request.user, which would
        # load the session and mark the response as varying by cookie (the public page cache
        # then stores nothing; cms/page_cache.py).
        if settings.SESSION_COOKIE_NAME not in request.COOKIES:
            return None
        # Violation reports come from anyone's browser, cookies and all, and by the hundred when
        # something goes wrong: they are answered without a session or the database.
        if request.path_info == settings.CSP_REPORT_PATH:
            return None
        user = request.user
        if not user.is_authenticated:
            return None
        in_admin = request.path_info.startswith(reverse("wagtailadmin_home"))
        reason = session_ended_reason(request.session, user)
        if reason is not None:
            logout(request)
            if reason == "idle":
                messages.info(request, _("You were signed out after a while without activity. Sign in again."))
            else:
                messages.info(request, _("Your sessions were ended. Sign in again."))
            if in_admin:
                return redirect_to_login(request.get_full_path(), reverse("wagtailadmin_login"))
            return None
        session_touch(request.session)
        if not two_factor_required(user) or user.is_verified():
            return None
        if not in_admin:
            request.user = AnonymousUser()
            return None
        try:
            name = resolve(request.path_info).url_name
        except Resolver404:
            name = None
        if name in OPEN_BEFORE_SECOND_STEP:
            return None
        if _wants_json(request):
            return JsonResponse({"error": _("Enter your sign-in code first.")}, status=403)
        step = "staff_two_factor_verify" if two_factor_enrolled(user) else "staff_two_factor_enrol"
        return redirect_to_login(request.get_full_path(), reverse(step))
