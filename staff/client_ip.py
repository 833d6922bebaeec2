"""The client's address for the lockout, read as the rate limits read it.

Behind the reverse proxy (docs/deploy.md) the peer is the proxy itself: REMOTE_ADDR would lock
out every staff member at once. RATELIMIT_IP_META_KEY names the header the proxy sets (nginx:
X-Real-IP, overwritten on every request so a client cannot choose it). For a chain of proxies
that append to X-Forwarded-For, TRUSTED_PROXY_COUNT says how many of the rightmost entries our
own proxies wrote: the address before them is the client's; anything further left is the
client's own claim and never trusted."""

from django.conf import settings


def client_ip(request) -> str:
    key = settings.RATELIMIT_IP_META_KEY
    value = request.META.get(key) or request.META.get("REMOTE_ADDR", "")
    if key == "HTTP_X_FORWARDED_FOR":
        hops = [hop.strip() for hop in value.split(",") if hop.strip()]
        count = max(settings.TRUSTED_PROXY_COUNT, 1)
        # The proxy nearest us appended the address it saw; with N proxies of ours, that is the
        # N-th entry from the right. Fewer entries than proxies: the request bypassed one.
        value = hops[-count] if len(hops) >= count else request.META.get("REMOTE_ADDR", "")
    return value.strip()
