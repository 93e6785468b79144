"""A city's month is counted once for all its counties (`facts.counts_by_county`, issue 14 at
scale): every fact gives, county by county, exactly what the per-county count gives, and a city
computation stores the same results a county computation would (so the county's recomputation
adds nothing)."""
from __future__ import annotations

import pytest

from assess import facts, services
from assess.models import Result
from assess.periods import period_of
from assess.tests import world as W

pytestmark = pytest.mark.django_db
MARCH = period_of("month", W.t(15, 12).date())


def test_every_fact_counted_city_wide_equals_the_per_county_count() -> None:
    aw = W.build()
    start, end = MARCH.bounds()
    county = facts.Window(start, end, W.AS_OF, W.COUNTY, MARCH.days)
    city = facts.Window(start, end, W.AS_OF, aw.world.city.code, MARCH.days)
    nonzero = 0
    for code, fact in sorted(facts.FACTS.items()):
        for subject_type in fact.subject_types:
            per_county = facts.counts(code, county, subject_type)
            by_county = facts.counts_by_county(code, city, subject_type)
            assert set(by_county) <= {W.COUNTY}, (code, subject_type, by_county)
            assert by_county.get(W.COUNTY, {}) == per_county, (code, subject_type)
            nonzero += bool(per_county)
    assert nonzero > 20  # the hand-built world gives most facts something to count


def test_a_city_computation_stores_what_the_county_computation_would() -> None:
    aw = W.build()
    services.indicators_seed(city=aw.world.city)
    stored = services.results_compute(division=aw.world.city, period=MARCH, as_of=W.AS_OF)
    assert stored == Result.objects.count() > 30
    assert services.results_compute(division=aw.world.county, period=MARCH, as_of=W.AS_OF) == 0
