from django.apps import AppConfig


class AssessConfig(AppConfig):
    name = "assess"
    verbose_name = "考核评价"
