"""Towns get their bodies from the editable templates, plus 综合服务中心 and 指挥调度中心."""
import pytest

from core.errors import PlatformError
from core.models import AuditLog
from divisions.models import Division
from org import services
from org.models import Unit, UnitTemplateEntry

pytestmark = pytest.mark.django_db


def _town(code: str, name: str, kind: str) -> Division:
    city = Division.objects.get_or_create(code="321000000000", defaults=dict(name="扬州市", level="city", kind="市"))[0]
    county = Division.objects.get_or_create(code="321002000000", defaults=dict(name="广陵区", level="county",
                                                                               kind="县级", parent=city))[0]
    return Division.objects.create(code=code, name=name, level="town", kind=kind, parent=county)


@pytest.mark.parametrize(("kind", "bodies"), [("镇", 9), ("乡", 9), ("街道", 8), ("开发区", 6), ("农场", 6)])
def test_each_kind_gets_its_template_plus_the_two_centres(kind: str, bodies: int) -> None:
    town = _town("321002106000", "某地", kind)
    created = services.units_provision_town(town=town)
    names = {u.name for u in created}
    assert len(created) == bodies + 2
    assert {"综合服务中心", "指挥调度中心", "党政办公室", "行政审批局", "综合执法局"} <= names


def test_provisioning_is_idempotent_and_audited() -> None:
    town = _town("321002001000", "东关街道", "街道")
    services.units_provision_town(town=town)
    assert services.units_provision_town(town=town) == []
    assert Unit.objects.filter(division=town).count() == 10
    assert AuditLog.objects.filter(model="org.Unit", action="create", division_code=town.code).count() == 10


def test_template_edits_apply_to_towns_provisioned_later() -> None:
    entry = UnitTemplateEntry.objects.get(template__applies_to="town", name="经济发展局")
    entry.name = "经济发展和招商局"
    entry.save()
    town = _town("321002106000", "湾头镇", "镇")
    names = {u.name for u in services.units_provision_town(town=town)}
    assert "经济发展和招商局" in names and "经济发展局" not in names


def test_a_village_cannot_be_provisioned() -> None:
    town = _town("321002106000", "湾头镇", "镇")
    village = Division.objects.create(code="321002106001", name="村", level="village", kind="村委会", parent=town)
    with pytest.raises(PlatformError, match="不是乡镇"):
        services.units_provision_town(town=village)


def test_stationed_body_belongs_to_its_host_and_its_home_department() -> None:
    town = _town("321002106000", "湾头镇", "镇")
    dept = Unit.objects.create(division_id="321002000000", name="广陵区公安局", kind="county_department")
    body = services.stationed_body_create(town=town, name="湾头派出所", home_department=dept)
    assert body.division_id == town.code and body.home_department == dept
    other = Division.objects.create(code="321003000000", name="邗江区", level="county", kind="县级",
                                    parent_id="321000000000")
    other_dept = Unit.objects.create(division=other, name="邗江区公安局", kind="county_department")
    with pytest.raises(PlatformError, match="本县"):
        services.stationed_body_create(town=town, name="越县派出所", home_department=other_dept)
    with pytest.raises(PlatformError, match="县级部门"):
        services.stationed_body_create(town=town, name="错", home_department=body)
