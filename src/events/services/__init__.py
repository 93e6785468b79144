"""Writes for events: the one intake (`event_report`) and the one way to act (`event_act`).

`event_report` is the only way an event is born, whatever the channel (grid worker, patrol
finding, citizen, 12345 hotline, another system, a device alarm): check and clean the photos,
return the first event for a repeated `(channel, client_id)`, locate (point through the grid
index limited to what the reporter may see, or address through the division parser), route
(class → matter → responsibility in the town today → unit and level), compute the deadline on
the working calendar, and write the event, its first step and its photos in one transaction.

`event_act` is the only way an event changes: it takes the row of `events.lifecycle.TABLE` for the
action from the current state (409 with the actions allowed now otherwise), checks who may act
(403 naming 巡办分离 when the reporter tries to handle their own event), refuses a step without
what the row needs (400 naming the field: a reason, the handling note and photo, a new deadline, a
rating, a merge target, the departments called — `lifecycle.NEEDS`), applies the action's
effects and writes with a compare-and-set on `version` (`UPDATE … WHERE id = … AND version = …`):
of two people acting at the same moment exactly one succeeds, the other gets a 409. Every action
appends a `Step` (seq = the new version) and an audit entry.
"""

from events.services._common import event_class_for, working_hours_between  # noqa: F401
from events.services.act import EFFECTS, Params, event_act  # noqa: F401
from events.services.intake import ReportResult, event_from_finding, event_report  # noqa: F401
