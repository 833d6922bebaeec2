"""Sign-in events from Django and django-axes, into the session and the audit trail."""

from axes.signals import user_locked_out
from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.dispatch import receiver

from .lockout import lock_recorded_recently, sign_in_record
from .sessions import session_mark_signed_in


def _user_named(username):
    if not username:
        return None
    return get_user_model().objects.filter(username=username).first()


@receiver(user_logged_in, dispatch_uid="staff_session_signed_in")
def mark_session(sender, request, user, **kwargs):
    # When this session began: 'sign out everywhere' ends sessions that began before it.
    if request is not None and hasattr(request, "session"):
        session_mark_signed_in(request.session)


@receiver(user_login_failed, dispatch_uid="staff_password_refused")
def record_password_refused(sender, credentials, request=None, **kwargs):
    # Django has already replaced the password in ``credentials`` with stars; only the name is read.
    user = _user_named(credentials.get("username"))
    if user is None:
        return  # no such account: axes still counts the failure against the address
    # locked_out: refused by the lock (the attempt that reached the limit, and any during it).
    locked = bool(getattr(request, "axes_locked_out", False))
    sign_in_record(user=user, action="staff.sign_in.password_refused", request=request, locked_out=locked)


@receiver(user_locked_out, dispatch_uid="staff_locked_out")
def record_lock(sender, request=None, username=None, ip_address=None, **kwargs):
    # Axes signals a lock both when it begins and at each attempt refused during it: the trail
    # keeps one entry per lock (the refused attempts are password_refused with locked_out).
    user = _user_named(username)
    if user is not None and not lock_recorded_recently(user):
        sign_in_record(user=user, action="staff.lockout.locked", request=request)
