from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = "核心"

    def ready(self) -> None:
        from core import audit, auditchain, checks, partitions  # noqa: F401 - checks registers the system checks

        audit.connect_signals()
        # the audit log by month on PostgreSQL: archived only as a verified chain prefix, after 180 days at least
        partitions.register(partitions.Policy("core_auditlog", "审计日志", auditchain.retention_days,
                                              prepare=auditchain.archive_prepare, after_detach=auditchain.archive_prefix))
