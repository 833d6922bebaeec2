"""Endpoints payment networks call: Stripe's webhook, the bank-notification webhook."""

from django.urls import path  # noqa: F401

app_name = "payments"

urlpatterns: list = []
