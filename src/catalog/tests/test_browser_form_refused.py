"""Issue 13 acceptance: a browser fills the power-return form with one field missing, gets the
message beside that field, and finds every other value still there; the town, the item and the
unit are chosen by name in searchable selects, never typed as codes."""
import datetime as dt

import pytest
from django.utils import timezone
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

from catalog.models import ChangeEvidence, PowerChange
from catalog.tests.browser import choose, fill, login, set_date, submit, wait_for_text, wait_for_url
from catalog.tests.factory import PDF_BYTES, build_catalog
from core.testing.world import build_world

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]


def _value(driver, name: str) -> str:  # noqa: ANN001
    return driver.execute_script("return document.querySelector('#file-change [name=' + arguments[0] + ']').value",
                                 name)


def test_refused_return_keeps_every_value_and_shows_the_message_beside_the_field(
        live_server, chromium, tmp_path, settings) -> None:  # noqa: ANN001
    settings.MEDIA_ROOT = tmp_path / "media"
    build_catalog(build_world())
    scan = tmp_path / "执法人员花名册.pdf"
    scan.write_bytes(PDF_BYTES)
    today = timezone.localdate()
    effective = (today + dt.timedelta(days=14)).isoformat()
    d = chromium
    login(d, live_server.url, "town-b")
    d.get(f"{live_server.url}/catalog/changes/")
    form = d.find_element(By.ID, "file-change")
    Select(form.find_element(By.NAME, "kind")).select_by_value("return")
    choose(d, "id_division", "湾头", "321002106000")
    choose(d, "id_item", "堆放物料", "CG-CF-001")  # by name, with search
    fill(d, "file-change", "reason", "执法人员不足")
    set_date(d, "effective_date", effective)
    Select(form.find_element(By.NAME, "reason_category")).select_by_value("staff")
    form.find_element(By.NAME, "evidence_files").send_keys(str(scan))
    fill(d, "file-change", "evidence", "花名册")
    fill(d, "file-change", "legal_reviewer", "湾头司法所")
    fill(d, "file-change", "legal_opinion", "程序合法")
    set_date(d, "legal_review_date", today.isoformat())
    # the hand-over plan (在办事项移交方案) is left out
    submit(d, "file-change")
    wait_for_text(d, "退还申报缺少")

    beside = d.find_element(By.CSS_SELECTOR, "#file-change [data-field=handover_plan] .errorlist").text
    assert "请填写在办事项移交方案" in beside
    marked = [e.get_attribute("data-field") for e in d.find_elements(By.CSS_SELECTOR, "#file-change .field.has-error")]
    assert marked == ["handover_plan"], [(e.get_attribute("data-field"), e.text) for e in d.find_elements(
        By.CSS_SELECTOR, "#file-change .field.has-error")]  # only that field is marked
    assert _value(d, "kind") == "return"
    assert _value(d, "division") == "321002106000"
    assert _value(d, "item") == "CG-CF-001"
    item_shown = d.find_element(By.CSS_SELECTOR, "[data-field=item] .ts-control .item").text
    assert "对擅自在街道两侧和公共场地堆放物料的处罚" in item_shown  # the name, not a code to type
    assert _value(d, "reason") == "执法人员不足"
    assert _value(d, "effective_date") == effective
    assert _value(d, "reason_category") == "staff"
    assert _value(d, "evidence") == "花名册"
    assert _value(d, "legal_reviewer") == "湾头司法所"
    assert _value(d, "legal_opinion") == "程序合法"
    assert _value(d, "legal_review_date") == today.isoformat()
    assert "请重新选择佐证材料文件" in d.find_element(By.ID, "file-change").text  # a browser never keeps files
    assert not PowerChange.objects.exists()

    form = d.find_element(By.ID, "file-change")
    fill(d, "file-change", "handover_plan", "在办案件生效前移交县城管局")
    form.find_element(By.NAME, "evidence_files").send_keys(str(scan))
    submit(d, "file-change")
    wait_for_url(d, r"/catalog/changes/\d+/$")  # the filed procedure's own page
    wait_for_text(d, "待部门意见")
    change = PowerChange.objects.get()
    assert (change.reason, change.handover_plan, change.legal_reviewer) == ("执法人员不足", "在办案件生效前移交县城管局",
                                                                            "湾头司法所")
    evidence = ChangeEvidence.objects.get(change=change)
    assert evidence.name == "执法人员花名册.pdf"
    assert (settings.MEDIA_ROOT / evidence.path).read_bytes() == PDF_BYTES


def test_withdraw_asks_for_confirmation(live_server, chromium, settings, tmp_path) -> None:  # noqa: ANN001
    """Dismissing the confirmation sends nothing; accepting it withdraws."""
    from catalog import services
    from catalog.tests.factory import evidence_upload

    settings.MEDIA_ROOT = tmp_path
    cat = build_catalog(build_world())
    today = timezone.localdate()
    change = services.change_file(
        kind="return", town=cat.world.town_b, item=cat.items["CG-CF-001"], reason="人手不足",
        effective_date=today + dt.timedelta(days=10), reason_category="staff", legal_reviewer="司法所",
        legal_opinion="合法", legal_review_date=today, handover_plan="移交", evidence_files=[evidence_upload()],
        user=cat.town_user)
    d = chromium
    login(d, live_server.url, "town-b")
    d.get(f"{live_server.url}/catalog/changes/{change.pk}/")
    d.find_element(By.ID, "withdraw_reason").send_keys("经协调暂不退还")
    d.find_element(By.XPATH, "//form[.//input[@value='withdraw']]//button").click()
    alert = d.switch_to.alert
    assert "撤回后不能恢复" in alert.text
    alert.dismiss()
    change.refresh_from_db()
    assert change.state == "submitted"
    d.find_element(By.XPATH, "//form[.//input[@value='withdraw']]//button").click()
    d.switch_to.alert.accept()
    wait_for_text(d, "已办理")
    wait_for_text(d, "已撤回")
    change.refresh_from_db()
    assert change.state == "withdrawn"
