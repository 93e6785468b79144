from core.models import AuditAnchor, AuditLog, CacheGeneration, CalendarDay, CalendarYear
from core.testing.cases import ScopeCase


def make_audit(world):  # noqa: ANN001, ANN201
    return AuditLog.objects.create(action="create", model="org.Unit", object_id="1", object_repr="湾头镇某机构",
                                   division_code=world.town_b.code)


CASES = [
    ScopeCase(model=AuditLog, make=make_audit, api_list="audit-list", api_detail="audit-detail", writable=False),
]
EXEMPT_MODELS = {
    AuditAnchor._meta.label: "audit chain checkpoints (hashes and chain positions only, no division); no endpoint, "
                             "page or admin exposes them; read by verify_audit",
    CacheGeneration._meta.label: "internal counters, no division, never exposed",
    CalendarDay._meta.label: "global reference (the national calendar), read-only below administrators",
    CalendarYear._meta.label: "global reference (the national calendar), read-only below administrators",
}
EXEMPT_URLS = {
    "schema": "the OpenAPI document, no data",
    "api-docs": "the Swagger page, no data",
}
