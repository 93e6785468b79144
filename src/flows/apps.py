from django.apps import AppConfig


class FlowsConfig(AppConfig):
    name = "flows"
    verbose_name = "流程图与办件"

    def ready(self) -> None:
        from catalog.hooks import register_open_work
        from core import worklist
        from flows.selectors import home_figures, open_cases, todo_sources

        register_open_work(open_cases)
        worklist.register(*todo_sources())
        worklist.register_figures("flows", home_figures)
