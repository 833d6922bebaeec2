from django.apps import AppConfig


class FundConfig(AppConfig):
    name = "fund"
    verbose_name = "Funds"
