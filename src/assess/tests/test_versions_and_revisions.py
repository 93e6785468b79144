"""A definition changed from a date changes later results only; earlier stored results stay byte
for byte; facts arriving after a period was computed make a new revision, the first one kept."""
from __future__ import annotations

import datetime as dt
import json

import pytest
from django.core.serializers.json import DjangoJSONEncoder

from assess import services
from assess.models import Result, Score
from assess.periods import period_of
from assess.tests import world as W
from core import audit
from core.errors import PlatformError

pytestmark = pytest.mark.django_db
FEB = period_of("month", dt.date(2026, 2, 10))
MARCH = period_of("month", dt.date(2026, 3, 10))


def _february(aw: W.AssessWorld) -> None:
    """Two more events dispatched to uA in February: F1 fed back on time, F2 never (→ 按期处置率 1/2)."""
    u, us = aw.units, aw.users
    unit = {"unit": {"id": u["uA"].pk, "name": u["uA"].name}}
    with audit.acting_as(name="test", source="test"):
        for key, handled in (("F1", True), ("F2", False)):
            e = W._event(aw, key, W.A, "gA1", "citizen", None, W.t(14, 17, month=2))
            rows = [("report", W.t(10, 9, month=2), W.t(10, 10, month=2), None, None, "", None, None),
                    ("accept", W.t(10, 9, 5, month=2), W.t(10, 11, month=2), None, us["cA"], "", None, None),
                    ("file", W.t(10, 9, 10, month=2), W.t(10, 11, month=2), None, us["cA"], "", None, None),
                    ("dispatch", W.t(10, 9, 20, month=2), W.t(14, 17, month=2), None, us["cA"], "", unit, None)]
            if handled:
                rows.append(("feedback", W.t(11, 9, month=2), W.t(11, 14, month=2), u["uA"], us["hA"], "", None, None))
            W._steps(e, rows)


def _dump(period_start: dt.date) -> bytes:
    rows = list(Result.objects.filter(period_start=period_start).order_by("pk").values())
    scores = list(Score.objects.filter(period_start=period_start).order_by("pk").values())
    return json.dumps([rows, scores], cls=DjangoJSONEncoder, sort_keys=True).encode()


def test_a_denominator_changed_from_a_date_changes_only_later_results() -> None:
    aw = W.build()
    _february(aw)
    services.indicators_seed(city=aw.world.city)
    for p in (FEB, MARCH):
        services.results_compute(division=aw.world.county, period=p, as_of=W.AS_OF)
    uA = str(aw.units["uA"].pk)
    feb = Result.objects.get(period_start=FEB.start, code="handle_on_time_rate", subject_key=uA)
    assert (feb.numerator, feb.denominator) == (1, 2)   # F1 on time of F1, F2 dispatched
    before_feb = _dump(FEB.start)
    march_r1 = list(Result.objects.filter(period_start=MARCH.start).order_by("pk").values())

    # 广陵区 from 1 March: 按期处置率 = on-time feedbacks / feedbacks (not / dispatches)
    version = services.indicator_version_create(user=aw.users["reform"], division=aw.world.county,
                                                code="handle_on_time_rate", denominator="unit_handled",
                                                valid_from=dt.date(2026, 3, 1), note="分母改为已处置数")
    assert version.version == 2 and version.numerator == "unit_handled_on_time"
    for p in (FEB, MARCH):   # recompute every period
        services.results_compute(division=aw.world.county, period=p, as_of=W.AS_OF + dt.timedelta(days=1))

    assert _dump(FEB.start) == before_feb   # byte for byte: no new row, nothing rewritten
    assert list(Result.objects.filter(period_start=MARCH.start, revision=1).order_by("pk").values()) == march_r1
    new = {r.subject_key: r for r in Result.objects.filter(period_start=MARCH.start, code="handle_on_time_rate",
                                                           revision=2)}
    # March, hand-computed: uA fed back E1, E6 on time of 2 fed back → 2/2 (was 2/3);
    # dept 2/2 (same figures, new definition); uB fed back nothing → 0/0 (was 0/1).
    assert {(k, r.numerator, r.denominator, r.reason) for k, r in new.items()} == {
        (uA, 2, 2, "definition"), (str(aw.units["dept"].pk), 2, 2, "definition"),
        (str(aw.units["uB"].pk), 0, 0, "definition")}
    assert all(r.indicator_id == version.pk for r in new.values())
    assert new[str(aw.units["uB"].pk)].value is None
    # other indicators of March were not touched
    assert not Result.objects.filter(period_start=MARCH.start, revision=2).exclude(code="handle_on_time_rate").exists()


def test_late_facts_make_a_new_revision_and_the_published_one_stays() -> None:
    aw = W.build()
    services.indicators_seed(city=aw.world.city)
    services.results_compute(division=aw.world.county, period=MARCH, as_of=W.FIRST_AS_OF)
    first = Result.objects.get(code="close_rate", subject_key=W.A)
    assert (first.numerator, first.denominator, first.revision) == (2, 3, 1)   # E6 not yet closed on April 2
    published = _dump(MARCH.start)

    services.results_compute(division=aw.world.county, period=MARCH, as_of=W.AS_OF)   # E6 closed April 3
    rows = list(Result.objects.filter(code="close_rate", subject_key=W.A).order_by("revision"))
    assert [(r.revision, r.numerator, r.denominator, r.reason) for r in rows] == [
        (1, 2, 3, "first"), (2, 3, 3, "late_facts")]
    assert Result.objects.get(pk=first.pk).as_of == W.FIRST_AS_OF
    # every revision-1 row is as it was; the revision-2 rows are exactly the figures E6's late steps moved:
    # close_rate A, county_close_rate (3/5 → 4/5), 按时核实率 w2 stays 0/1 (late) → no revision
    assert list(json.loads(_dump(MARCH.start))[0])[:len(json.loads(published)[0])] == json.loads(published)[0]
    assert set(Result.objects.filter(revision=2).values_list("code", flat=True)) == {"close_rate",
                                                                                    "county_close_rate"}
    # the drill-down of the first revision still lists E1, E3 only
    from assess import selectors

    ids = {e.pk: k for k, e in aw.events.items()}
    assert {ids[i] for i in selectors.drill(first, "numerator").ids} == {"E1", "E3"}

    services.results_compute(division=aw.world.county, period=MARCH, as_of=W.AS_OF)   # nothing new: no revision
    assert Result.objects.filter(code="close_rate", subject_key=W.A).count() == 2


def test_a_definition_needs_known_facts_of_the_right_subject_and_a_config_role() -> None:
    aw = W.build()
    services.indicators_seed(city=aw.world.city)
    with pytest.raises(PlatformError, match="不适用"):
        services.indicator_version_create(user=aw.users["reform"], division=aw.world.county, code="close_rate",
                                          denominator="unit_dispatched", valid_from=dt.date(2026, 3, 1))
    with pytest.raises(PlatformError, match="未知的统计口径"):
        services.indicator_version_create(user=aw.users["reform"], division=aw.world.county, code="close_rate",
                                          denominator="nonsense", valid_from=dt.date(2026, 3, 1))
    with pytest.raises(PlatformError) as refused:
        services.indicator_version_create(user=aw.users["cA"], division=aw.world.county, code="close_rate",
                                          denominator="region_dispatched", valid_from=dt.date(2026, 3, 1))
    assert refused.value.status in (403, 404)
    with pytest.raises(PlatformError, match="市、县"):
        services.indicator_version_create(user=aw.world.users["root"], division=aw.world.town_a, code="close_rate",
                                          denominator="region_dispatched", valid_from=dt.date(2026, 3, 1))
