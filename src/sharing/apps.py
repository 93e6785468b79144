from django.apps import AppConfig


class SharingConfig(AppConfig):
    name = "sharing"
    verbose_name = "信息共享与端口授权"

    def ready(self) -> None:
        from events import hooks
        from notify import outbox
        from sharing import webhooks

        outbox.register(webhooks.KIND, "sharing.webhooks.WebhookHandler")
        hooks.on_step(webhooks.on_step, writes=webhooks.matches)
