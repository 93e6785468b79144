from django.apps import AppConfig


class NotifyConfig(AppConfig):
    name = "notify"
    verbose_name = "消息与后台投递"

    def ready(self) -> None:
        from notify import outbox

        # The one handler this app owns; higher apps register theirs in their own ready().
        outbox.register("notify.send", "notify.notifiers.SendHandler")
