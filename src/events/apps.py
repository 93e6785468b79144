from django.apps import AppConfig


class EventsConfig(AppConfig):
    name = "events"
    verbose_name = "事件指挥调度"

    def ready(self) -> None:
        from core import partitions, worklist
        from events import hooks, notices
        from events.partitions import POLICY
        from events.selectors import home_figures, todo_sources
        from events.services import duplicates
        from notify import outbox

        # Who is told what (deadline marks, escalations, dispatch, calls, outcome): events/notices.py.
        outbox.register("events.notify", "events.notices.EventNotifyHandler")
        hooks.on_step(notices.enqueue_for_step, writes=notices.notifies)
        hooks.duplicate_candidates(duplicates.flagged)
        worklist.register(*todo_sources())
        worklist.register_figures("events", home_figures)
        partitions.register(POLICY)  # steps by month on PostgreSQL: retention and archiving
