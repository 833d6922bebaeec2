"""Endpoints payment networks call: Stripe's webhook, the bank-notification webhook."""

from django.urls import path  # noqa: F401

from .bank_webhook import bank_webhook
from .stripe_webhook import stripe_webhook

app_name = "payments"

urlpatterns: list = [
    path("stripe/webhook/", stripe_webhook, name="stripe_webhook"),
    path("bank/webhook/", bank_webhook, name="bank_webhook"),
]
