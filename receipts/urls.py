"""Public receipt pages: verification by token and the donor portal. Mounted inside
i18n_patterns, so /receipts/... is Vietnamese and /en/receipts/... English."""

from django.urls import path

from .views import portal, portal_choices, verify

app_name = "receipts"

urlpatterns = [
    path("verify/<str:token>/", verify.receipt_verify, name="verify"),
    path("portal/", portal.portal_start, name="portal"),
    path("portal/sign-in/<str:token>/", portal.portal_sign_in, name="portal_sign_in"),
    path("portal/receipts/", portal.portal_receipts, name="portal_receipts"),
    path("portal/receipt/<str:number>.pdf", portal.portal_receipt_pdf, name="portal_receipt_pdf"),
    path("portal/sign-out/", portal.portal_sign_out, name="portal_sign_out"),
    path("portal/choices/", portal_choices.portal_choices, name="portal_choices"),
    path("portal/email/", portal_choices.portal_email_change, name="portal_email_change"),
    path("portal/email/confirm/<str:token>/", portal_choices.portal_email_confirm, name="portal_email_confirm"),
    path("portal/my-data.<str:file_format>", portal_choices.portal_data_download, name="portal_data"),
]
