"""`load_demo` loads every app that has a demo module (assess was once left out: an empty dashboard)."""
from django.conf import settings

from core.conventions import optional_module
from web.management.commands.load_demo import ORDER


def test_every_app_with_a_demo_module_is_loaded_in_order() -> None:
    with_demo = {app for app in settings.PLATFORM_APPS if optional_module(app, "demo") is not None}
    assert with_demo <= set(ORDER), sorted(with_demo - set(ORDER))
    # each after the apps it reads: assess computes from events, events route through the catalog
    assert ORDER.index("accounts") < ORDER.index("catalog") < ORDER.index("events") < ORDER.index("assess")
