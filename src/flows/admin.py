from django.contrib import admin

from core.admin import ScopedAdmin, ScopedRelatedFilter, ScopedTabularInline
from flows.models import Case, CaseAttachment, CaseStep, LaneMapping, ProcessMap


@admin.register(LaneMapping)
class LaneMappingAdmin(ScopedAdmin):
    """The documented mapping table (global): platform administrators edit it."""

    list_display = ("name", "roles", "unit_kinds", "unit_names", "limit_amount", "limit_unit", "note")
    search_fields = ("name",)
    write_roles = ()

    def save_model(self, request, obj, form, change):  # noqa: ANN001, ANN201
        from flows.services import lanemapping_changed

        super().save_model(request, obj, form, change)
        lanemapping_changed()


@admin.register(ProcessMap)
class ProcessMapAdmin(ScopedAdmin):
    list_display = ("item", "division", "version", "status", "published_at")
    list_filter = ("status", ("division", ScopedRelatedFilter))
    search_fields = ("item__code", "item__name", "name")
    raw_id_fields = ("item",)
    readonly_fields = ("document", "process_id", "version", "status", "published_at", "published_by", "created_by")
    write_roles = ()  # maps change through the modeler/API services (validation before publishing)


class CaseStepInline(ScopedTabularInline):
    model = CaseStep
    extra = 0
    can_delete = False
    fields = ("seq", "task_name", "lane", "actor_name", "completed_at", "due_at", "overdue", "inputs")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):  # noqa: ANN001, ANN201
        return False


@admin.register(Case)
class CaseAdmin(ScopedAdmin):
    list_display = ("number", "item", "division", "state", "current_step", "due_at", "overdue")
    list_filter = ("state", "overdue", ("division", ScopedRelatedFilter))
    search_fields = ("number", "title", "applicant")
    raw_id_fields = ("item", "process_map")
    exclude = ("workflow_state",)
    readonly_fields = ("number", "item", "division", "process_map", "state", "revision", "ready_tasks", "ready_lanes",
                       "current_step", "data", "due_at", "overdue", "started_by", "started_at", "completed_at",
                       "end_event", "idempotency_key")
    inlines = [CaseStepInline]
    write_roles = ()  # a case changes only by completing its tasks (按图行权)


@admin.register(CaseStep)
class CaseStepAdmin(ScopedAdmin):
    list_display = ("case", "seq", "task_name", "lane", "actor_name", "completed_at", "overdue")
    list_filter = ("overdue", ("division", ScopedRelatedFilter))
    raw_id_fields = ("case", "actor")
    write_roles = ()  # append-only history


@admin.register(CaseAttachment)
class CaseAttachmentAdmin(ScopedAdmin):
    list_display = ("name", "case", "size", "uploaded_at")
    list_filter = (("division", ScopedRelatedFilter),)
    raw_id_fields = ("case", "step", "uploaded_by")
    write_roles = ()
