"""Small grid fixtures built with the demo's own generator (grids.demo / grids.layout)."""
from __future__ import annotations

import random

from divisions.models import Division
from grids import demo, layout, services
from grids.models import Grid, GridMembership, GridWorker

# Small boxes for the test world's counties (lng, lat seats) inside a small frame.
SEATS = {"321002000000": (119.44, 32.40), "321003000000": (119.38, 32.38)}
BBOX = (119.35, 32.36, 119.47, 32.42)


def lay_out(world, comprehensive_per_village: int = 4, seed: int = 7) -> dict:  # noqa: ANN001
    """Boundaries on every division of the world and comprehensive + specialised grids in every town."""
    counties = [d for d in world.divisions.values() if d.level == "county"]
    towns = [d for d in world.divisions.values() if d.level == "town"]
    villages = sorted([d for d in world.divisions.values() if d.level == "village"], key=lambda d: d.code)
    rng = random.Random(seed)
    regions = layout.county_regions({c.code: SEATS[c.code] for c in counties}, BBOX)
    plan = demo.build_layout(sorted(counties, key=lambda d: d.code), sorted(towns, key=lambda d: d.code), villages,
                             regions, comprehensive_per_village * len(villages), rng)
    for d in counties + towns + villages:
        if d.code in plan["shapes"]:
            d.boundary = layout.to_geojson(plan["shapes"][d.code])
            d.boundary_synthetic = True
            d.save()
    grids = demo.comprehensive_grids(villages, plan["cells"])
    grids += demo.specialised_grids(sorted(towns, key=lambda d: d.code), villages, plan["shapes"], len(towns), rng)
    services.grids_bulk_create(grids=grids)
    return plan


def grid_in(town_code: str, type_: str = "comprehensive") -> Grid:
    return Grid.objects.filter(division__code__startswith=town_code[:9], type=type_).order_by("code").first()


def team_for(grid: Grid, user=None) -> GridWorker:  # noqa: ANN001
    worker = GridWorker.objects.create(division_id=grid.village_id or grid.division_id, name="测试网格员", user=user)
    GridMembership.objects.create(grid=grid, worker=worker, role="head")
    return worker


def inside_point(grid: Grid) -> tuple[float, float]:
    """(lat, lng) of the grid's representative point."""
    return grid.centroid_lat, grid.centroid_lng


def village(code: str) -> Division:
    return Division.objects.get(code=code)
