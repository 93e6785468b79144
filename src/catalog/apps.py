from django.apps import AppConfig


class CatalogConfig(AppConfig):
    name = "catalog"
    verbose_name = "权责清单"

    def ready(self) -> None:
        from catalog.selectors import home_figures, todo_sources
        from core import worklist

        worklist.register(*todo_sources())
        worklist.register_figures("catalog", home_figures)
