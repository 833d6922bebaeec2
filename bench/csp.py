"""What the browser policies cost on the hottest path: a donation form served from the page cache.

Both figures in one process, interleaved, through the whole middleware stack (django.test.Client,
the page cache on the local-memory cache): a cached hit as served (Content-Security-Policy with a
fresh nonce put into the stored copy, Permissions-Policy, Reporting-Endpoints), against the same
hit through the same stack without the two policy middlewares (the baseline). Their ratio is the
policies' price per cached page.

Target (docs/performance.md): at most 1.25x: the cached donation form must keep its place in the
web benchmark (0.3x a static file's requests/s).
"""

from __future__ import annotations

import time

from django.conf import settings
from django.core.cache import cache
from django.test import Client, override_settings
from wagtail.models import Site

from .support import median_ms
from .table import Row

REQUESTS = {"full": 3000, "quick": 300}
POLICY_MIDDLEWARE = (
    "config.csp.ContentSecurityPolicyMiddleware",
    "django_permissions_policy.PermissionsPolicyMiddleware",
)
TARGET_RATIO = 1.25


def _donate_page_url() -> str:
    from cms.models import DonatePage, FundPage
    from fund.services import fund_create

    fund = fund_create(name="Bench Fund", code="BCS")
    home = Site.objects.get(is_default_site=True).root_page.specific
    fund_page = FundPage(title="Quỹ", slug="bench-csp", fund=fund)
    home.add_child(instance=fund_page)
    fund_page.save_revision().publish()
    donate = DonatePage(title="Ủng hộ", slug="ung-ho")
    fund_page.add_child(instance=donate)
    donate.save_revision().publish()
    return donate.url


def _warm(client: Client, url: str, *, policy: bool) -> None:
    response = client.get(url)  # loads this client's middleware chain, fills or hits the cache
    assert response.status_code == 200, response.status_code
    assert response.has_header("Content-Security-Policy") is policy


def run(*, quick: bool = False):
    count = REQUESTS["quick" if quick else "full"]
    url = _donate_page_url()
    cache.clear()
    with override_settings(PUBLIC_PAGE_CACHE_SECONDS=600):
        with_policy = Client()
        _warm(with_policy, url, policy=True)
        with override_settings(MIDDLEWARE=[name for name in settings.MIDDLEWARE if name not in POLICY_MIDDLEWARE]):
            without = Client()
            _warm(without, url, policy=False)
        assert with_policy.get(url)["X-Page-Cache"] == without.get(url)["X-Page-Cache"] == "hit"

        timed = {True: [], False: []}
        for _ in range(count):  # interleaved: both see the same machine
            for policy, client in ((True, with_policy), (False, without)):
                client.cookies.clear()  # a new visitor each time, as in an appeal
                start = time.perf_counter()
                client.get(url)
                timed[policy].append(time.perf_counter() - start)

    yield Row(
        name=f"csp: cached donation form hit with the policies, median of {count}",
        figure=median_ms(timed[True]),
        unit="ms",
        baseline=median_ms(timed[False]),
        baseline_unit="ms",
        baseline_name="without the policies",
        target=TARGET_RATIO,
    )
