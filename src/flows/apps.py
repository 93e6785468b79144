from django.apps import AppConfig


class FlowsConfig(AppConfig):
    name = "flows"
    verbose_name = "流程图与办件"

    def ready(self) -> None:
        from catalog.hooks import register_open_work
        from flows.selectors import open_cases

        register_open_work(open_cases)
