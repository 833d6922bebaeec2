"""The site's URLs plus one trivial view, for the web benchmark only (bench/web_settings.py)."""

from django.http import HttpResponse
from django.urls import path

from config.urls import urlpatterns as site_urlpatterns

TRIVIAL_PATH = "/bench/trivial"


def trivial(request):
    """A response through the whole middleware stack, with no query and no template."""
    return HttpResponse(b"ok\n", content_type="text/plain")


urlpatterns = [path(TRIVIAL_PATH.lstrip("/"), trivial), *site_urlpatterns]
