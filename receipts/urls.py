"""Public receipt pages: verification by token and the donor portal. Mounted inside
i18n_patterns, so /receipts/... is Vietnamese and /en/receipts/... English."""

from django.urls import path

from .views import verify

app_name = "receipts"

urlpatterns = [
    path("verify/<str:token>/", verify.receipt_verify, name="verify"),
]
