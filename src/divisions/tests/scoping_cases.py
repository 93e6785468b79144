from core.testing.cases import ScopeCase
from divisions.models import Division


def make_village(world):  # noqa: ANN001, ANN201
    return Division.objects.create(code="321002106002", name="湾头村村委会", level="village", kind="村委会",
                                   parent=world.town_b)


CASES = [
    ScopeCase(model=Division, make=make_village, api_list="division-list", api_detail="division-detail",
              lookup_kwarg="code", lookup_attr="code", writable=False, pages=["web:division"]),
]
