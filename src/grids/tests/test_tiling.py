"""Every village's comprehensive grids cover its boundary without overlap (same generator as the demo)."""
import random

import pytest
import shapely

from core.testing.world import build_world
from divisions.models import Division
from grids import demo, geo, layout
from grids.models import Grid
from grids.tests import fixtures

pytestmark = pytest.mark.django_db


def test_generated_villages_are_tiled_exactly_by_their_comprehensive_grids():
    world = build_world()
    # a few more villages so towns are split too
    for n in range(2, 7):
        Division.objects.create(code=f"321002001{n:03d}", name=f"测试社区{n}", level="village", kind="居委会",
                                parent_id="321002001000")
        world.divisions[f"321002001{n:03d}"] = Division.objects.get(code=f"321002001{n:03d}")
    fixtures.lay_out(world, comprehensive_per_village=5)
    villages = Division.objects.filter(level="village")
    assert villages.count() == 8
    all_comp = list(Grid.objects.filter(type="comprehensive"))
    assert len(all_comp) == 40
    for village in villages:
        boundary = geo.to_shape(village.boundary)
        cells = [geo.to_shape(g.geometry) for g in all_comp if g.division_id == village.code]
        assert cells, village.code
        union = shapely.union_all(cells)
        assert geo.area_m2(boundary.symmetric_difference(union)) < geo.AREA_TOLERANCE_M2
        assert abs(sum(c.area for c in cells) - boundary.area) / boundary.area < 1e-9  # no overlap
        for g in all_comp:
            if g.division_id == village.code:
                assert g.code[:12] == village.code and len(g.code) == 15
                assert geo.to_shape(g.geometry).contains(shapely.Point(g.centroid_lng, g.centroid_lat))
    # no two comprehensive grids of the whole fixture overlap
    shapes = [geo.to_shape(g.geometry) for g in all_comp]
    tree = shapely.STRtree(shapes)
    a, b = tree.query(shapes, predicate="intersects")
    for i, j in zip(a.tolist(), b.tolist(), strict=False):
        if i < j:
            assert geo.area_m2(shapes[i].intersection(shapes[j])) < geo.AREA_TOLERANCE_M2


def test_sequence_runs_west_to_east_then_north_to_south():
    square = shapely.box(119.0, 32.0, 119.02, 32.02)
    cells = layout.grid_cells(square, 4, random.Random(1))
    pts = [geo.representative(c) for c in cells]
    assert pts[0][1] > pts[-1][1]  # first row is the northern one
    assert pts[0][0] < pts[1][0]   # west before east within the row


def test_allocation_is_exact():
    rng = random.Random(3)
    weights = [rng.random() + 0.1 for _ in range(1437)]
    counts = layout.allocate(demo.COMPREHENSIVE_TOTAL, weights)
    assert sum(counts) == 5639 and min(counts) >= 1


def test_gcj02_round_trip_is_within_a_centimetre():
    lng, lat = 119.43, 32.39
    glng, glat = geo.wgs84_to_gcj02(lng, lat)
    assert abs(glng - lng) > 1e-4  # the offset is real (hundreds of metres)
    back = geo.gcj02_to_wgs84(glng, glat)
    assert abs(back[0] - lng) < 1e-7 and abs(back[1] - lat) < 1e-7
