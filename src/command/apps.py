from django.apps import AppConfig


class CommandConfig(AppConfig):
    name = "command"
    verbose_name = "指挥调度大屏"
