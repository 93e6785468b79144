from django.apps import AppConfig


class GridsConfig(AppConfig):
    name = "grids"
    verbose_name = "网格化管理"

    def ready(self) -> None:
        from core import worklist
        from grids.selectors import home_figures, todo_sources

        worklist.register(*todo_sources())
        worklist.register_figures("grids", home_figures)
