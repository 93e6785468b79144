"""responsibility.*: who answers for a matter in a town, through catalog.selectors.responsibility_for
exactly as routing calls it, at Yangzhou scale (98 towns × 713 matters = 69,874 dated rows, one
cooperating unit each), for random (town or village, matter) pairs.

Figures: p50/p99 once warm (limit: a bare dict lookup of the same pairs), the cold load of one
town, warming every town, and the first answer after a change (generation bump → rebuild).
"""
from __future__ import annotations

import random
import time

from bench.run import Context, percentile


def _tiny_world() -> None:
    from catalog import services
    from catalog.models import Matter
    from divisions.models import Division
    from org.models import Unit

    for code, name, level, kind, parent in [("321000000000", "扬州市", "city", "市", None),
                                            ("321002000000", "广陵区", "county", "县级", "321000000000"),
                                            ("321002001000", "东关街道", "town", "街道", "321002000000"),
                                            ("321002106000", "湾头镇", "town", "镇", "321002000000")]:
        Division.objects.get_or_create(code=code, defaults=dict(name=name, level=level, kind=kind, parent_id=parent))
    dept = Unit.objects.get_or_create(division_id="321002000000", code="321002-cgj",
                                      defaults=dict(name="广陵区城市管理局", kind="county_department"))[0]
    for town in Division.objects.filter(code__in=["321002001000", "321002106000"]):
        body = Unit.objects.get_or_create(division=town, name="综合执法局", defaults=dict(kind="bureau"))[0]
        for n in range(20):
            matter = Matter.objects.get_or_create(code=f"BENCH-{n:03d}", defaults=dict(
                name=f"基准职责{n}", department_code="cgj", is_synthetic=True))[0]
            if not matter.responsibilities.filter(division=town).exists():
                services.responsibility_set(town=town, matter=matter, main_unit=body, cooperating=[dept])


def _yangzhou() -> None:
    """The real division tree, every town's bodies, county departments, then the catalog demo's
    713 matters and 69,874 responsibilities (the same bulk path as load_demo)."""
    from django.core.management import call_command

    from catalog import demo
    from catalog.models import Matter, Responsibility
    from core import audit
    from divisions.models import Division
    from org import services as org_services
    from org.demo import read_csv
    from org.models import Unit

    call_command("import_divisions", verbosity=0)
    with audit.acting_as(name="bench", source="bench"):
        for town in Division.objects.filter(level="town"):
            org_services.units_provision_town(town=town)
        rows = read_csv("county_departments.csv")
        for county in Division.objects.filter(level="county"):
            for order, row in enumerate(rows):
                Unit.objects.get_or_create(division=county, code=f"{county.code[:6]}-{row['code']}", defaults=dict(
                    name=f"{county.name}{row['name']}", kind="county_department", order=order))
        demo.load_items()
        if not Matter.objects.filter(code__startswith="ZS-").exists():
            matters = demo._matters(list(demo.Item.objects.order_by("code")))
        else:
            matters = list(Matter.objects.select_related("item").order_by("code"))
        if not Responsibility.objects.filter(matter__code__startswith="ZS-").exists():
            demo._responsibilities(random.Random(713), [m for m in matters if not m.code.startswith("BENCH")])


def run(ctx: Context) -> None:
    from catalog import selectors, services  # noqa: F401 - services imported so signals/apps are ready
    from catalog.models import Matter, Responsibility
    from core import cachegen
    from divisions.models import Division

    t0 = time.perf_counter()
    if ctx.tiny:
        _tiny_world()
    else:
        _yangzhou()
    build_s = time.perf_counter() - t0
    towns = sorted(set(Responsibility.objects.values_list("division_id", flat=True)))
    villages = list(Division.objects.filter(level="village", parent_id__in=towns).values_list("code", flat=True))
    matters = sorted(set(Responsibility.objects.values_list("matter__code", flat=True)))
    ctx.dataset.update({"responsibility_towns": len(towns), "responsibility_matters": len(matters),
                        "responsibility_rows": Responsibility.objects.count(),
                        "responsibility_matters_total": Matter.objects.count()})
    ctx.record("responsibility.build", build_s, "s")

    cache = selectors.responsibility_cache()
    cache.clear()
    loads = []
    for town in towns[:10]:
        t = time.perf_counter()
        selectors.responsibility_for(town, matters[0])
        loads.append((time.perf_counter() - t) * 1000)
    ctx.record("responsibility.town_load.median", percentile(loads, 50), "ms")

    cache.clear()
    t = time.perf_counter()
    for town in towns:
        selectors.responsibility_for(town, matters[0])
    ctx.record("responsibility.warm_all", time.perf_counter() - t, "s")

    rng = random.Random(7)
    codes = towns + villages
    n = 2_000 if ctx.tiny else 200_000
    pairs = [(rng.choice(codes), rng.choice(matters)) for _ in range(n)]
    answer = selectors.responsibility_for
    samples = []
    gaps = 0
    for division, matter in pairs:
        t = time.perf_counter_ns()
        a = answer(division, matter)
        samples.append((time.perf_counter_ns() - t) / 1e6)
        gaps += a.main is None
    bare_table = {(town, m): m for town in towns for m in matters}
    bare = []
    for division, matter in pairs:
        t = time.perf_counter_ns()
        bare_table.get((division[:9] + "000", matter))
        bare.append((time.perf_counter_ns() - t) / 1e6)
    ctx.dataset["responsibility_pairs"] = n
    ctx.dataset["responsibility_gap_answers"] = gaps
    ctx.record("responsibility.p50", percentile(samples, 50), "ms", limit=percentile(bare, 50),
               limit_name="bare dict lookup")
    ctx.record("responsibility.p99", percentile(samples, 99), "ms", limit=percentile(bare, 99),
               limit_name="bare dict lookup")

    # After a change anywhere, every process rebuilds lazily: the first answer pays one town's load.
    cachegen.forget_local()
    from core.models import CacheGeneration

    CacheGeneration.objects.update_or_create(name=selectors.RESPONSIBILITY_CACHE, defaults={"generation": 10**6})
    t = time.perf_counter()
    answer(towns[0], matters[0])
    ctx.record("responsibility.after_change.first_answer", (time.perf_counter() - t) * 1000, "ms")
