"""A plug-in that forgets the one method its base leaves to it fails when it is created, not on its
first delivery (the bases are abstract: `Notifier.send`, `Transport.send`, `Handler.handle`)."""
from __future__ import annotations

import pytest

from notify.notifiers import InboxNotifier, Notifier
from notify.outbox import Handler
from notify.transports import RecordingTransport, Transport


@pytest.mark.parametrize(("base", "method"), [(Notifier, "send"), (Transport, "send"), (Handler, "handle")])
def test_a_plugin_without_its_method_cannot_be_created(base: type, method: str) -> None:
    forgetful = type("Forgetful", (base,), {"channel": "forgetful"})
    with pytest.raises(TypeError, match=method):
        forgetful()


def test_the_built_in_plugins_are_complete() -> None:
    InboxNotifier()
    RecordingTransport()
