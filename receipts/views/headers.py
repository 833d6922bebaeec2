from functools import wraps

from django.views.decorators.cache import never_cache


def private_page(view):
    """Pages that carry a secret in their address (a receipt's token, a sign-in link) or a
    donor's own receipts: never cached anywhere, never indexed, and the address is never sent
    on as a Referer to another page."""

    @never_cache
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        response["X-Robots-Tag"] = "noindex, nofollow"
        response["Referrer-Policy"] = "no-referrer"
        return response

    return wrapped
