from functools import wraps

from django.views.decorators.cache import never_cache


def private_page(view=None, *, referrer_policy: str = "same-origin"):
    """Pages that carry a secret in their address (a receipt's token, a sign-in link) or a
    donor's own receipts: never cached anywhere, never indexed, and the address never sent on
    as a Referer to another site.

    Pages with a form keep "same-origin": under "no-referrer" browsers send ``Origin: null``
    with the form, and Django's CSRF check refuses it."""

    def decorate(view):
        @never_cache
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            response = view(request, *args, **kwargs)
            response["X-Robots-Tag"] = "noindex, nofollow"
            response["Referrer-Policy"] = referrer_policy
            return response

        return wrapped

    return decorate(view) if view is not None else decorate
