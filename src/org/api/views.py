from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework.response import Response

from core.api.fields import validated_query
from core.api.personal import RevealPersonalMixin
from core.api.schema import page_of
from core.api.views import PlatformAPIView, ScopedModelViewSet
from core.roles import Role
from divisions.models import Division
from org import selectors
from org.api import serializers as s
from org.filtersets import AbsenceFilterSet, PostFilterSet, StaffFilterSet, UnitFilterSet
from org.models import Absence, Post, Staff, Unit, UnitTemplate, UnitTemplateEntry

ORG_WRITERS = (Role.REFORM_OFFICE, Role.TOWN_COMMAND, Role.COUNTY_COMMAND, Role.CITY_COMMAND)


class UnitTemplateViewSet(ScopedModelViewSet):
    """Unit templates (一办八局 …): readable by all; edited by platform administrators."""

    queryset = UnitTemplate.objects.prefetch_related("entries").order_by("pk")  # stable pages
    serializer_class = s.UnitTemplateSerializer


class UnitTemplateEntryViewSet(ScopedModelViewSet):
    queryset = UnitTemplateEntry.objects.order_by("template_id", "order", "pk")
    serializer_class = s.UnitTemplateEntrySerializer


class UnitViewSet(ScopedModelViewSet):
    """Bodies: the unit directory (reference data: your subtree and your ancestors)."""

    queryset = Unit.objects.all()
    serializer_class = s.UnitSerializer
    filterset_class = UnitFilterSet
    write_roles = (Role.REFORM_OFFICE,)


class StaffViewSet(RevealPersonalMixin, ScopedModelViewSet):
    """Staff; `phone` and `id_number` are masked, `reveal/` answers one unmasked (audited)."""

    queryset = Staff.objects.select_related("unit")
    serializer_class = s.StaffSerializer
    filterset_class = StaffFilterSet
    write_roles = ORG_WRITERS


class PostViewSet(ScopedModelViewSet):
    """Posts with A and B holders; `acting_holder` answers who acts today."""

    queryset = Post.objects.select_related("unit", "holder_a", "holder_b")
    serializer_class = s.PostSerializer
    filterset_class = PostFilterSet
    write_roles = ORG_WRITERS


class AbsenceViewSet(ScopedModelViewSet):
    queryset = Absence.objects.select_related("staff")
    serializer_class = s.AbsenceSerializer
    filterset_class = AbsenceFilterSet
    write_roles = ORG_WRITERS


class LeadershipCheckView(PlatformAPIView):
    """The ≥30% village/community-secretary check for every town in your scope."""

    @extend_schema(parameters=[s.LeadershipQuerySerializer], responses=page_of("LeadershipCheckPage", s.LeadershipCheckSerializer))
    def get(self, request: Any) -> Response:
        q = validated_query(s.LeadershipQuerySerializer, request)
        towns = Division.objects.visible_to(request.user)
        if q.get("town"):
            towns = towns.filter(code=q["town"])
        checks = selectors.leadership_checks(towns)
        if q["failing"]:
            checks = [c for c in checks if not c.ok]
        data = s.LeadershipCheckSerializer(checks, many=True).data
        return Response({"count": len(data), "results": data})
