from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = "核心"

    def ready(self) -> None:
        from core import audit, checks  # noqa: F401 - registers the system checks

        audit.connect_signals()
