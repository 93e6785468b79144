from django.apps import AppConfig


class MobileConfig(AppConfig):
    name = "mobile"
    verbose_name = "网格员手机端"
