from django.apps import AppConfig


class AssessConfig(AppConfig):
    name = "assess"
    verbose_name = "考核评价"

    def ready(self) -> None:
        from assess.selectors import home_figures
        from core import worklist

        worklist.register_figures("assess", home_figures)
