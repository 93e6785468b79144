"""Assessment configuration: seeding, indicator and scheme versions from a date, and which
version is in force (writes keyword-only, taking the acting user; refusals are PlatformError)."""
import datetime as dt
from typing import Any

from django.db import transaction

from assess import facts
from assess.choices import (
    BASE_TYPES,
    DEFAULT_GRADES,
    TOWN_SHARE_MIN,
    TOWN_SHARE_RULE,
    Direction,
    SubjectType,
)
from assess.models import (
    IndicatorVersion,
    SchemeVersion,
)
from assess.services._common import SEED_FROM, _as_user, _check_config_writer
from core.errors import PlatformError
from divisions.models import Division

# ---------------------------------------------------------------- seeding

def indicators_seed(*, city: Division, user: Any = None) -> int:
    """Create the seeded indicators and default schemes for `city` from 2000-01-01 (idempotent).
    Returns the number of rows created."""
    from assess import seed

    created = 0
    with transaction.atomic(), _as_user(user):
        part2 = facts.part2_available()
        for code, name, st, num, den, direction in seed.indicators(part2):
            _, new = IndicatorVersion.objects.get_or_create(
                division=city, code=code, valid_from=SEED_FROM,
                defaults=dict(name=name, subject_type=st, numerator=num, denominator=den, direction=direction,
                              note=f"{facts.get(num).label} / {facts.get(den).label}"))
            created += new
        for name, st, weights in seed.schemes(part2):
            _, new = SchemeVersion.objects.get_or_create(
                division=city, subject_type=st, valid_from=SEED_FROM,
                defaults=dict(name=name, weights=weights, grades=DEFAULT_GRADES,
                              town_share=seed.STATIONED_TOWN_SHARE if st == SubjectType.STATIONED else None))
            created += new
    return created


# ---------------------------------------------------------------- versions

def indicator_version_create(*, user: Any, division: Division, code: str, valid_from: dt.date,
                             numerator: str | None = None, denominator: str | None = None,
                             direction: str | None = None, name: str | None = None, note: str = "") -> IndicatorVersion:
    """A new definition of indicator `code` for `division` (city or county) from `valid_from`.

    Unset fields are taken from the definition in force for the division on that date. Periods
    starting on or after `valid_from` use it; stored results never change (a recomputation adds a
    revision). Refused: an unknown indicator or fact, a fact that does not count the indicator's
    subject type, a second version on the same day."""
    _check_config_writer(user, division)
    base = version_in_force(code, division.code, valid_from)
    if base is None:
        raise PlatformError(f"未知的指标：{code}", code="unknown_indicator", fields={"code": [code]})
    num, den = numerator or base.numerator, denominator or base.denominator
    for part, fact_code in (("numerator", num), ("denominator", den)):
        f = facts.get(fact_code)
        if base.subject_type not in f.subject_types:
            raise PlatformError(f"统计口径“{f.label}”不适用于该考核对象", code="fact_subject",
                                fields={part: [fact_code]})
    if direction and direction not in Direction.values:
        raise PlatformError("方向只能是越高越好或越低越好", fields={"direction": [direction]})
    if IndicatorVersion.objects.filter(division=division, code=code, valid_from=valid_from).exists():
        raise PlatformError("同一日期已有该指标的定义版本", code="duplicate_version", status=409)
    latest = IndicatorVersion.objects.filter(code=code, division_id__in=[division.code, division.code[:4] + "0" * 8])
    number = max([v.version for v in latest] or [0]) + 1
    with transaction.atomic(), _as_user(user):
        return IndicatorVersion.objects.create(
            division=division, code=code, name=name or base.name, subject_type=base.subject_type, numerator=num,
            denominator=den, direction=direction or base.direction, valid_from=valid_from, version=number,
            note=note, recorded_by=user if getattr(user, "pk", None) else None)


def _grades_check(grades: list[Any]) -> list[list[Any]]:
    try:
        rows: list[tuple[str, float]] = [(str(letter), float(bound)) for letter, bound in grades]
    except (TypeError, ValueError) as exc:
        raise PlatformError("等次划分格式应为 [[等次, 下限], …]", code="grades", fields={"grades": ["格式错误"]}) from exc
    bounds = [b for _, b in rows]
    if not rows or bounds != sorted(bounds, reverse=True) or bounds[-1] != 0 or len(set(bounds)) != len(bounds):
        raise PlatformError("等次下限须从高到低排列且最低一档为 0", code="grades", fields={"grades": ["下限顺序错误"]})
    return [[letter, int(b) if b == int(b) else b] for letter, b in rows]


def scheme_version_create(*, user: Any, division: Division, subject_type: str, weights: dict[str, Any],
                          valid_from: dt.date, name: str = "", grades: list[Any] | None = None,
                          town_share: int | None = None) -> SchemeVersion:
    """A scheme for `subject_type` from `valid_from`: weights (percent, summing to 100) of indicators
    of that subject type (for departments and stationed bodies also the unit indicators), grades,
    and for stationed bodies the host town's share of the annual score.

    Refused (400, the rule named): a town share under 50 % (双重管理, DESIGN.md §1 fourth
    coordination) or missing for a stationed scheme; weights not summing to 100; an indicator of
    another subject type; grade bounds out of order."""
    _check_config_writer(user, division)
    if subject_type not in SubjectType.values:
        raise PlatformError("未知的考核对象", fields={"subject_type": [subject_type]})
    if subject_type == SubjectType.STATIONED:
        if town_share is None:
            raise PlatformError(f"派驻机构考核方案须写明属地乡镇考核权重（{TOWN_SHARE_RULE}）", code="town_share",
                                fields={"town_share": ["必填"]})
        if not 0 <= int(town_share) <= 100 or int(town_share) < TOWN_SHARE_MIN:
            raise PlatformError(f"不符合规则“{TOWN_SHARE_RULE}”：方案给属地乡镇的权重为 {town_share}%",
                                code="town_share_below_rule", fields={"town_share": [TOWN_SHARE_RULE]})
    elif town_share is not None:
        raise PlatformError("只有派驻机构考核方案有属地乡镇权重", fields={"town_share": ["不适用"]})
    allowed = (subject_type, *BASE_TYPES.get(subject_type, ()))
    try:
        clean = {str(k): int(v) for k, v in weights.items()}
    except (TypeError, ValueError, AttributeError) as exc:
        raise PlatformError("权重须为 {指标编码: 整数}", fields={"weights": ["格式错误"]}) from exc
    for code in clean:
        version = version_in_force(code, division.code, valid_from)
        if version is None or version.subject_type not in allowed:
            raise PlatformError(f"指标 {code} 不适用于该考核对象", code="weight_indicator", fields={"weights": [code]})
    if any(v < 0 for v in clean.values()) or sum(clean.values()) != 100:
        raise PlatformError(f"各指标权重之和须为 100（现为 {sum(clean.values())}）", code="weights_sum",
                            fields={"weights": ["合计须为100"]})
    clean_grades = _grades_check(grades if grades is not None else DEFAULT_GRADES)
    if SchemeVersion.objects.filter(division=division, subject_type=subject_type, valid_from=valid_from).exists():
        raise PlatformError("同一日期已有该考核对象的方案版本", code="duplicate_version", status=409)
    number = SchemeVersion.objects.filter(subject_type=subject_type, division=division).count() + 1
    with transaction.atomic(), _as_user(user):
        return SchemeVersion.objects.create(
            division=division, subject_type=subject_type, name=name or SubjectType(subject_type).label + "考核方案",
            valid_from=valid_from, version=number, weights=clean, grades=clean_grades,
            town_share=town_share, recorded_by=user if getattr(user, "pk", None) else None)


def version_in_force(code: str, division_code: str, on: dt.date) -> IndicatorVersion | None:
    """The county's own latest version of `code` valid on `on`, else the city's."""
    rows = IndicatorVersion.objects.filter(code=code).in_force(division_code[:6] + "000000", on)
    return rows[-1] if rows else None


def versions_in_force(county: str, on: dt.date) -> dict[str, IndicatorVersion]:
    """Every indicator's version in force for a county on a date (county versions override)."""
    return {v.code: v for v in IndicatorVersion.objects.in_force(county, on)}


def scheme_in_force(county: str, subject_type: str, on: dt.date) -> SchemeVersion | None:
    rows = SchemeVersion.objects.filter(subject_type=subject_type).in_force(county, on)
    return rows[-1] if rows else None
