"""Event pages: the list and queue with its export (`lists`), one event with its actions
(`detail`), the town-call inbox (`calls`) and the routing gaps (`gaps`)."""
from events.views.calls import CALL_READERS, call_inbox, call_step
from events.views.detail import event_act, event_detail
from events.views.gaps import GAP_READERS, routing_gaps
from events.views.lists import event_export, event_list

__all__ = ["CALL_READERS", "GAP_READERS", "call_inbox", "call_step", "event_act", "event_detail", "event_export",
           "event_list", "routing_gaps"]
