from django.conf import settings
from django.conf.urls.i18n import i18n_patterns
from django.urls import include, path
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.documents import urls as wagtaildocs_urls

from config.csp_report import csp_report
from config.health import healthz

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("csp-report/", csp_report, name="csp_report"),  # settings.CSP_REPORT_PATH
    path("admin/", include(wagtailadmin_urls)),
    path("documents/", include(wagtaildocs_urls)),
    path("payments/", include("payments.urls")),
]

if settings.DEBUG:
    from django.conf.urls.static import static
    from django.contrib.staticfiles.urls import staticfiles_urlpatterns

    urlpatterns += staticfiles_urlpatterns()
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

# Wagtail serves every other path as a page: keep this last. Vietnamese pages have no prefix,
# English ones live under /en/ (and Arabic under /ar/); receipt pages are routed before them.
urlpatterns += i18n_patterns(
    path("receipts/", include("receipts.urls")),
    path("", include(wagtail_urls)),
    prefix_default_language=False,
)
