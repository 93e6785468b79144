"""Computing results and scores (append-only revisions, one audit summary row per county and
computation) and the on-demand runs."""
import contextlib
import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from assess import facts
from assess.choices import (
    BASE_TYPES,
    Direction,
    RevisionReason,
    RunStatus,
    SubjectType,
)
from assess.models import (
    IndicatorVersion,
    Result,
    Run,
    Score,
)
from assess.periods import Period
from assess.services._common import CONFIG_ROLES, FOUR, _as_user
from assess.services.config import scheme_in_force, versions_in_force
from core import audit
from core.errors import NotAllowed, NotFound
from core.roles import Role, has_role
from core.scoping import code_level, scope_for
from divisions.models import Division

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

    At most two aggregate queries per indicator and county (numerator, denominator; a fact shared
    by several indicators — 处置 counts six times as a denominator — is counted once per subject
    type, `_counter`), one read of the stored revisions, one bulk insert, then the scores. On
    PostgreSQL the reads run in one transaction with two planner settings (`_fact_reads`); audited
    by one summary row per county
    (`_audit_computed`), not one per result: results are append-only revisions that keep their
    inputs (version, as_of, numerator, denominator), so a row per result only doubled what the
    computation wrote — most of a month's computation time at scale (issue 14, measured)."""
    as_of = as_of or timezone.now()
    start, end = period.bounds()
    counties = _counties(division)
    total = len(counties)
    added = 0
    in_force = {county: versions_in_force(county, period.start) for county in counties}
    city_wide = _city_counts(division, counties, in_force, facts.Window(start, end, as_of, division.code, period.days))
    for index, county in enumerate(counties):
        window = facts.Window(start, end, as_of, county, period.days)
        versions = in_force[county]
        latest = _latest_results(county, period)
        new_rows: list[Result] = []
        computed: dict[tuple[str, str], dict[str, tuple[int, int, IndicatorVersion]]] = defaultdict(dict)
        count = _counter(window) if city_wide is None else (
            lambda code, st, county=county: city_wide[(code, st)].get(county, {}))
        with _fact_reads():
            counted = {code: (count(v.numerator, v.subject_type), count(v.denominator, v.subject_type))
                       for code, v in sorted(versions.items())}
        for code, version in sorted(versions.items()):
            nums, dens = counted[code]
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
            _audit_computed(Result, new_rows, county=county, period=period, run=run, as_of=as_of)
            scores_compute(county=county, period=period, run=run)
        added += len(new_rows)
        if progress:
            progress(index + 1, total)
    return added


def _city_counts(division: Division, counties: list[str], in_force: dict[str, dict[str, IndicatorVersion]],
                 window: facts.Window) -> dict[tuple[str, str], dict[str, dict[str, int]]] | None:
    """For a city: every (fact, subject type) any county's versions need, counted once for the
    whole city grouped by county (`facts.counts_by_county`) — a month's rows are read once rather
    than once per county (seven times in Yangzhou). None below the city (counted per county)."""
    if code_level(division.code) != "city" or len(counties) < 2:
        return None
    needed = sorted({(f, v.subject_type) for versions in in_force.values() for v in versions.values()
                     for f in (v.numerator, v.denominator)})
    with _fact_reads():
        return {(f, st): facts.counts_by_county(f, window, st) for f, st in needed}


def _counter(window: facts.Window) -> Callable[[str, str], dict[str, int]]:
    """`facts.counts` for one window, each (fact, subject type) counted once."""
    seen: dict[tuple[str, str], dict[str, int]] = {}

    def count(code: str, subject_type: str) -> dict[str, int]:
        if (code, subject_type) not in seen:
            seen[(code, subject_type)] = facts.counts(code, window, subject_type)
        return seen[(code, subject_type)]
    return count


@contextlib.contextmanager
def _fact_reads() -> Iterator[None]:
    """The facts' reads on PostgreSQL (a no-op elsewhere): one transaction with `SET LOCAL`, so the
    settings end with it. Measured on a year of generated events (1M events, 7.5M steps):
    - `jit = off`: compiling each aggregate cost about half a second against one to three seconds
      of execution;
    - `random_page_cost = 1.1` (the usual value for SSDs and data in memory, against the default 4
      for spinning disks): a month's steps of one action come from the `(action, at)` index in
      ~45 ms, where the default costs made the planner walk the `at` index through every action
      of the month (~0.9 s) because steps are stored in time order."""
    if connection.vendor != "postgresql":
        yield
        return
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL jit = off")
            cursor.execute("SET LOCAL random_page_cost = 1.1")
        yield


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


def _audit_computed(model: type[Result] | type[Score], rows: list[Any], *, county: str, period: Period,
                    run: Run | None, as_of: dt.datetime | None = None) -> None:
    """One audit row for the results (or scores) one computation stored for a county: how many,
    their id range, by reason and subject type, the run and `as_of`. Nothing when nothing changed."""
    if not rows:
        return
    ids = [r.pk for r in rows if r.pk is not None]
    reasons: dict[str, int] = defaultdict(int)
    types: dict[str, int] = defaultdict(int)
    for r in rows:
        reasons[getattr(r, "reason", "") or "score"] += 1
        types[r.subject_type] += 1
    label = model._meta.verbose_name
    audit.record_event(
        "create", model=model._meta.label, object_id=f"computed:{period.kind}:{period.start.isoformat()}:{county}"[:64],
        object_repr=f"{label} {period.kind} {period.start.isoformat()}：{len(rows)} 条"[:200], division_code=county,
        detail={"computed": {"period": [period.kind, period.start.isoformat()], "county": county, "rows": len(rows),
                             "ids": [min(ids), max(ids)] if ids else [], "by_reason": dict(reasons),
                             "by_subject_type": dict(types), "run": run.pk if run is not None else None,
                             "as_of": as_of.isoformat() if as_of else None}})


def scores_compute(*, county: str, period: Period, run: Run | None = None) -> int:
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
    _audit_computed(Score, new, county=county, period=period, run=run)
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
