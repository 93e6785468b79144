"""Writes of assessment: seeding, dated definition and scheme versions, computing results and
scores (append-only revisions), runs, and the town's powers over stationed bodies.

Every function is keyword-only and takes the acting user (or is a system job run under
`audit.acting_as`). Rules refused raise `core.errors.PlatformError` with a Chinese message.
"""
from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterable
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from assess import facts
from assess.choices import (
    BASE_TYPES,
    DEFAULT_GRADES,
    SUGGESTION_ANSWER_DAYS,
    TOWN_SHARE_MIN,
    TOWN_SHARE_RULE,
    Assessor,
    Direction,
    RevisionReason,
    RunStatus,
    SubjectType,
)
from assess.models import (
    AppointmentSuggestion,
    DualScore,
    IndicatorVersion,
    Result,
    Run,
    SchemeVersion,
    Score,
    StationedDispatch,
)
from assess.periods import Period
from core import audit
from core.errors import NotAllowed, NotFound, PlatformError
from core.roles import Role, has_role
from core.scoping import code_level, scope_for
from divisions.models import Division

SEED_FROM = dt.date(2000, 1, 1)
CONFIG_ROLES = (Role.REFORM_OFFICE, Role.COUNTY_COMMAND, Role.CITY_COMMAND)
FOUR = Decimal("0.000001")


def _as_user(user: Any) -> Any:
    return audit.acting_as(user, source="service") if user is not None else audit.acting_as(name="system")


def _check_config_writer(user: Any, division: Division) -> None:
    if user is None:
        return
    if not scope_for(user).covers(division.code):
        raise NotFound("区划不存在或不在您的管辖范围内")
    if code_level(division.code) not in ("city", "county"):
        raise PlatformError("指标和考核方案只能由市、县（市、区）制定", code="config_level",
                            fields={"division": ["须为市或县级区划"]})
    if not (getattr(user, "is_superuser", False) or has_role(user, *CONFIG_ROLES)):
        raise NotAllowed("只有编办或市、县指挥中心可以修改考核指标和方案")


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


def _city_of(county_code: str) -> str:
    return county_code[:4] + "0" * 8


def version_in_force(code: str, division_code: str, on: dt.date) -> IndicatorVersion | None:
    """The county's own latest version of `code` valid on `on`, else the city's."""
    county = division_code[:6] + "000000"
    rows = list(IndicatorVersion.objects.filter(code=code, valid_from__lte=on,
                                                division_id__in=[county, _city_of(county)]).order_by("valid_from"))
    own = [v for v in rows if v.division_id == county and code_level(county) == "county"]
    chosen = own or [v for v in rows if v.division_id == _city_of(county)]
    return chosen[-1] if chosen else None


def versions_in_force(county: str, on: dt.date) -> dict[str, IndicatorVersion]:
    """Every indicator's version in force for a county on a date (county versions override)."""
    out: dict[str, IndicatorVersion] = {}
    rows = IndicatorVersion.objects.filter(valid_from__lte=on, division_id__in=[county, _city_of(county)])
    for v in sorted(rows, key=lambda v: (v.division_id == county, v.valid_from)):
        out[v.code] = v
    return out


def scheme_in_force(county: str, subject_type: str, on: dt.date) -> SchemeVersion | None:
    rows = SchemeVersion.objects.filter(valid_from__lte=on, subject_type=subject_type,
                                        division_id__in=[county, _city_of(county)])
    ordered = sorted(rows, key=lambda v: (v.division_id == county, v.valid_from))
    return ordered[-1] if ordered else None


# ---------------------------------------------------------------- subjects

def subject_info(subject_type: str, keys: Iterable[str]) -> dict[str, tuple[str, str]]:
    """{key: (name, division code)} for subjects of a type."""
    keys = list(keys)
    if not keys:
        return {}
    if subject_type == SubjectType.GRID_WORKER:
        from grids.models import GridWorker

        return {str(pk): (name, div) for pk, name, div in
                GridWorker.objects.filter(pk__in=[int(k) for k in keys]).values_list("pk", "name", "division_id")}
    if subject_type in (SubjectType.UNIT, SubjectType.DEPARTMENT, SubjectType.STATIONED):
        from org.models import Unit

        return {str(pk): (name, div) for pk, name, div in
                Unit.objects.filter(pk__in=[int(k) for k in keys]).values_list("pk", "name", "division_id")}
    return {code: (name + ("指挥中心" if subject_type == SubjectType.CENTRE else ""), code) for code, name in
            Division.objects.filter(code__in=keys).values_list("code", "name")}


# ---------------------------------------------------------------- computing

def _ratio(n: int, d: int) -> Decimal | None:
    return (Decimal(n) / Decimal(d)).quantize(FOUR, rounding=ROUND_HALF_UP) if d else None


def _counties(division: Division) -> list[str]:
    level = code_level(division.code)
    if level == "county":
        return [division.code]
    if level in ("town", "village"):
        return [division.code[:6] + "000000"]
    return list(Division.objects.filter(level="county", code__startswith=division.code[:4]).order_by("code")
                .values_list("code", flat=True))


def results_compute(*, division: Division, period: Period, as_of: dt.datetime | None = None, run: Run | None = None,
                    progress: Callable[[int, int], None] | None = None) -> int:
    """Compute every indicator for every subject of `division`'s counties for `period`, reading
    facts recorded up to `as_of` (default now). Stores a new revision only where the figures or the
    version differ from the latest stored revision; returns how many Result rows were added.

    Two aggregate queries per indicator and county (numerator, denominator), one read of the
    stored revisions, one bulk insert (audited with `record_bulk`), then the scores."""
    as_of = as_of or timezone.now()
    start, end = period.bounds()
    counties = _counties(division)
    total = len(counties)
    added = 0
    for index, county in enumerate(counties):
        window = facts.Window(start, end, as_of, county, period.days)
        versions = versions_in_force(county, period.start)
        latest = _latest_results(county, period)
        new_rows: list[Result] = []
        computed: dict[tuple[str, str], dict[str, tuple[int, int, IndicatorVersion]]] = defaultdict(dict)
        for code, version in sorted(versions.items()):
            nums = facts.counts(version.numerator, window, version.subject_type)
            dens = facts.counts(version.denominator, window, version.subject_type)
            for key in set(nums) | set(dens):
                computed[(version.subject_type, key)][code] = (nums.get(key, 0), dens.get(key, 0), version)
        for st, key, code in list(latest):
            # a subject stored before but counted by nothing now (a new definition): revised to 0 / 0
            if code in versions and versions[code].subject_type == st and code not in computed[(st, key)]:
                computed[(st, key)][code] = (0, 0, versions[code])
        names: dict[str, dict[str, tuple[str, str]]] = {}
        for st in {st for st, _ in computed}:
            names[st] = subject_info(st, [k for t, k in computed if t == st])
        now = timezone.now()
        for (st, key), by_code in computed.items():
            if key not in names[st]:
                continue
            name, div = names[st][key]
            for code, (n, d, version) in by_code.items():
                old = latest.get((st, key, code))
                if old is not None and (old.numerator, old.denominator, old.indicator_id) == (n, d, version.pk):
                    continue
                reason = RevisionReason.FIRST if old is None else (
                    RevisionReason.DEFINITION if old.indicator_id != version.pk else RevisionReason.LATE_FACTS)
                new_rows.append(Result(
                    division_id=div, subject_type=st, subject_key=key, subject_name=name[:150],
                    period_kind=period.kind, period_start=period.start, period_end=period.end, indicator=version,
                    code=code, numerator=n, denominator=d, value=_ratio(n, d),
                    revision=(old.revision + 1) if old else 1, reason=reason, as_of=as_of, computed_at=now, run=run))
        with transaction.atomic(), audit.acting_as(name="assess", source="task"):
            Result.objects.bulk_create(new_rows, batch_size=2000)
            audit.record_bulk(new_rows)
            scores_compute(county=county, period=period)
        added += len(new_rows)
        if progress:
            progress(index + 1, total)
    return added


def _latest_results(county: str, period: Period) -> dict[tuple[str, str, str], Result]:
    latest: dict[tuple[str, str, str], Result] = {}
    rows = Result.objects.filter(period_kind=period.kind, period_start=period.start,
                                 division__code__startswith=county[:6]).select_related("indicator")
    for r in rows:
        k = (r.subject_type, r.subject_key, r.code)
        if k not in latest or latest[k].revision < r.revision:
            latest[k] = r
    return latest


def indicator_score(value: Decimal | None, direction: str) -> Decimal | None:
    """0–100 points of one indicator value: value × 100, or (1 − value) × 100 when less is better."""
    if value is None:
        return None
    v = Decimal(value)
    return (v * 100 if direction == Direction.HIGHER else (1 - v) * 100).quantize(Decimal("0.01"), ROUND_HALF_UP)


def grade_of(score: Decimal, grades: list[Any]) -> str:
    for letter, bound in grades:
        if score >= Decimal(str(bound)):
            return str(letter)
    return str(grades[-1][0])


def _family(subject_type: str) -> str:
    """Subject types sharing keys: every unit type is keyed by the unit id."""
    return SubjectType.UNIT if subject_type in (SubjectType.DEPARTMENT, SubjectType.STATIONED) else subject_type


def _unit_kinds(keys: list[str]) -> dict[str, str]:
    from org.models import Unit

    return {str(pk): kind for pk, kind in Unit.objects.filter(pk__in=[int(k) for k in keys]).values_list("pk", "kind")}


def _scored_as(subject_type: str, unit_kind: str | None) -> bool:
    if subject_type == SubjectType.DEPARTMENT:
        return unit_kind == "county_department"
    if subject_type == SubjectType.STATIONED:
        return unit_kind == "stationed"
    return True


def scores_compute(*, county: str, period: Period) -> int:
    """Scores of every subject with a scheme in force, from the latest result revisions: the
    weighted mean of the indicator scores present (an indicator with no denominator is left out
    and the remaining weights rescaled). A new Score revision only where it changed."""
    latest = _latest_results(county, period)
    by_key: dict[tuple[str, str], dict[str, Result]] = defaultdict(dict)
    for (st, key, code), r in latest.items():
        by_key[(_family(st), key)][code] = r
    unit_kinds = _unit_kinds([k for f, k in by_key if f == SubjectType.UNIT])
    old_scores: dict[tuple[str, str], Score] = {}
    for s in Score.objects.filter(period_kind=period.kind, period_start=period.start,
                                  division__code__startswith=county[:6]):
        k = (s.subject_type, s.subject_key)
        if k not in old_scores or old_scores[k].revision < s.revision:
            old_scores[k] = s
    new: list[Score] = []
    for st in SubjectType.values:
        scheme = scheme_in_force(county, st, period.start)
        if scheme is None:
            continue
        allowed = {st, *BASE_TYPES.get(st, ())}
        family = _family(st)
        keys = [k for f, k in by_key if f == family and _scored_as(st, unit_kinds.get(k))]
        for key in keys:
            results = {c: r for c, r in by_key[(family, key)].items() if r.subject_type in allowed}
            if not results:
                continue
            parts, total_w, total = [], Decimal(0), Decimal(0)
            for code, weight in scheme.weights.items():
                found = results.get(code)
                points = indicator_score(found.value, found.indicator.direction) if found is not None else None
                parts.append({"code": code, "name": found.indicator.name if found else code, "weight": weight,
                              "value": str(found.value) if found is not None and found.value is not None else None,
                              "score": str(points) if points is not None else None,
                              "result": found.pk if found is not None else None})
                if points is not None:
                    total_w += weight
                    total += points * weight
            if not total_w:
                continue
            score = (total / total_w).quantize(Decimal("0.01"), ROUND_HALF_UP)
            grade = grade_of(score, scheme.grades)
            any_r = next(r for r in results.values())
            old = old_scores.get((st, key))
            if old is not None and (old.score, old.grade, old.scheme_id) == (score, grade, scheme.pk):
                continue
            new.append(Score(division_id=any_r.division_id, subject_type=st, subject_key=key,
                             subject_name=any_r.subject_name, period_kind=period.kind, period_start=period.start,
                             scheme=scheme, score=score, grade=grade, components=parts,
                             revision=(old.revision + 1) if old else 1))
    Score.objects.bulk_create(new, batch_size=2000)
    audit.record_bulk(new)
    return len(new)


def run_request(*, user: Any, division: Division, period: Period) -> Run:
    """An on-demand computation (计算进度 shown on the page and `GET /api/assess/runs/{id}/`):
    the Run row now, the work through the background worker after commit."""
    if user is not None and not scope_for(user).covers(division.code):
        raise NotFound("区划不存在或不在您的管辖范围内")
    if user is not None and not (getattr(user, "is_superuser", False) or has_role(
            user, *CONFIG_ROLES, Role.TOWN_COMMAND)):
        raise NotAllowed("只有指挥中心和编办可以发起考核计算")
    with transaction.atomic(), _as_user(user):
        run = Run.objects.create(division=division, period_kind=period.kind, period_start=period.start,
                                 requested_by=user if getattr(user, "pk", None) else None)

        def _enqueue() -> None:
            from assess.tasks import compute_run

            compute_run.enqueue(run.pk)
        transaction.on_commit(_enqueue)
    return run


def run_execute(run_id: int) -> Run:
    """Carry out a Run (the background worker): progress is written after each county."""
    from assess.periods import period_of

    run = Run.objects.select_related("division").get(pk=run_id)
    period = period_of(run.period_kind, run.period_start)
    with audit.acting_as(name="assess", source="task"):
        Run.objects.filter(pk=run.pk).update(status=RunStatus.RUNNING, total=len(_counties(run.division)))

        def progress(done: int, total: int) -> None:
            Run.objects.filter(pk=run.pk).update(done=done, total=total)
        before = audit.snapshot(run)
        try:
            stored = results_compute(division=run.division, period=period, run=run, progress=progress)
        except Exception as exc:  # noqa: BLE001 - recorded on the run for the page, then re-raised
            Run.objects.filter(pk=run.pk).update(status=RunStatus.FAILED, error=str(exc)[:2000],
                                                 finished_at=timezone.now())
            run.refresh_from_db()
            audit.record(run, "update", before, audit.snapshot(run))
            raise
        Run.objects.filter(pk=run.pk).update(status=RunStatus.DONE, stored=stored, finished_at=timezone.now())
        run.refresh_from_db()
        audit.record(run, "update", before, audit.snapshot(run))  # progress ticks are not copied, the outcome is
    return run


# ---------------------------------------------------------------- dual management (双重管理)

def _stationed_in_town(user: Any, unit: Any) -> None:
    from org.models import Unit

    if unit.kind != "stationed":
        raise PlatformError("只能对派驻机构行使调度权、考核权和任免建议权", code="not_stationed",
                            fields={"unit": ["须为派驻机构"]})
    if user is not None and not Unit.objects.writable_by(user).filter(pk=unit.pk).exists():
        raise NotFound("派驻机构不存在或不在您的管辖范围内")


def dispatch_record(*, user: Any, unit: Any, task: str, due_at: dt.datetime, staff: Iterable[Any] = ()) -> StationedDispatch:
    """调度权: the host town dispatches a stationed body (and its staff) to a task; counts in its score."""
    _stationed_in_town(user, unit)
    if not has_role(user, Role.TOWN_COMMAND, Role.LEADER) and not getattr(user, "is_superuser", False):
        raise NotAllowed("只有乡镇指挥中心或领导可以调度派驻机构")
    if not task.strip():
        raise PlatformError("请填写任务", fields={"task": ["必填"]})
    staff = list(staff)
    if any(s.unit_id != unit.pk for s in staff):
        raise PlatformError("调度人员须为该派驻机构的人员", fields={"staff": ["不属于该机构"]})
    with transaction.atomic(), _as_user(user):
        row = StationedDispatch.objects.create(division_id=unit.division_id, unit=unit, task=task.strip(),
                                               due_at=due_at, created_by=user)
        row.staff.set(staff)
    return row


def dispatch_complete(*, user: Any, dispatch: StationedDispatch, result: str, at: dt.datetime | None = None) -> StationedDispatch:
    if dispatch.completed_at is not None:
        raise PlatformError("该调度任务已完成", code="already_done", status=409)
    with transaction.atomic(), _as_user(user):
        dispatch.completed_at = at or timezone.now()
        dispatch.result = result
        dispatch.save(update_fields=["completed_at", "result"])
    return dispatch


def suggestion_create(*, user: Any, unit: Any, suggestion: str, head: Any = None) -> AppointmentSuggestion:
    """任免建议权: a suggestion about a stationed body's head, sent to its home department, which
    must answer within `SUGGESTION_ANSWER_DAYS` working days."""
    from core.workcal import due_time

    _stationed_in_town(user, unit)
    if unit.home_department_id is None:
        raise PlatformError("该派驻机构未登记派出部门", code="no_home_department")
    if not suggestion.strip():
        raise PlatformError("请填写建议内容", fields={"suggestion": ["必填"]})
    now = timezone.now()
    with transaction.atomic(), _as_user(user):
        return AppointmentSuggestion.objects.create(
            division_id=unit.division_id, unit=unit, department_id=unit.home_department_id, head=head,
            suggestion=suggestion.strip(), created_by=user, created_at=now,
            answer_due=due_time(now, SUGGESTION_ANSWER_DAYS, "days").due_at)


def suggestion_answer(*, user: Any, suggestion: AppointmentSuggestion, answer: str) -> AppointmentSuggestion:
    """The home department's answer (a handler or leader of that department)."""
    if getattr(user, "unit_id", None) != suggestion.department_id and not getattr(user, "is_superuser", False):
        raise NotAllowed("只有派出部门可以答复任免建议")
    if suggestion.answered_at is not None:
        raise PlatformError("该建议已答复", code="already_answered", status=409)
    if not answer.strip():
        raise PlatformError("请填写答复", fields={"answer": ["必填"]})
    with transaction.atomic(), _as_user(user):
        suggestion.answered_at, suggestion.answer, suggestion.answered_by = timezone.now(), answer.strip(), user
        suggestion.save(update_fields=["answered_at", "answer", "answered_by"])
    return suggestion


def dual_score_record(*, user: Any, unit: Any, year: int, assessor: str, score: Decimal, note: str = "",
                      staff: Any = None) -> DualScore:
    """The host town's (town command / leader of the host town) or the home department's (its own
    staff) annual score of a stationed body, or of one of its staff (`staff`), 0–100. One per side,
    year and person (a second is a 409)."""
    from org.models import Unit

    if unit.kind != "stationed":
        raise PlatformError("只能对派驻机构评分", fields={"unit": ["须为派驻机构"]})
    if staff is not None and staff.unit_id != unit.pk:
        raise PlatformError("该人员不属于此派驻机构", fields={"staff": ["不属于该机构"]})
    if assessor == Assessor.TOWN:
        if not Unit.objects.writable_by(user).filter(pk=unit.pk).exists() or not (
                has_role(user, Role.TOWN_COMMAND, Role.LEADER) or getattr(user, "is_superuser", False)):
            raise NotAllowed("属地评分须由派驻机构所在乡镇的指挥中心或领导登记")
    elif assessor == Assessor.DEPARTMENT:
        if getattr(user, "unit_id", None) != unit.home_department_id and not getattr(user, "is_superuser", False):
            raise NotAllowed("部门评分须由派出部门登记")
    else:
        raise PlatformError("考核方只能是属地乡镇或派出部门", fields={"assessor": [assessor]})
    value = Decimal(str(score))
    if not Decimal(0) <= value <= Decimal(100):
        raise PlatformError("得分须在 0 到 100 之间", fields={"score": [str(score)]})
    if DualScore.objects.filter(unit=unit, staff=staff, year=year, assessor=assessor).exists():
        raise PlatformError("该年度已登记此方评分", code="duplicate", status=409)
    with transaction.atomic(), _as_user(user):
        return DualScore.objects.create(division_id=unit.division_id, unit=unit, staff=staff, year=year,
                                        assessor=assessor, score=value, note=note, recorded_by=user)
