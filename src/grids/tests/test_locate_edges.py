"""Points on edges and corners shared by grids (issue 12 item 3): one rule, the same answer from
the single-point path (`locate`) and the bulk path (`locate_many`).

The rule (grids/locator.py): a grid holds its boundary; among the visible comprehensive grids
holding a point, the one with the smallest code takes it; every visible specialised grid holding
it is listed after it. Before, the two paths disagreed on 42 % of 20,000 points on a shared edge,
and a point on an outer shared corner found no grid.
"""
import json

import numpy as np
import pytest

from core.scoping import Scope
from core.testing.world import build_world
from grids import locator, services
from grids.models import Grid

pytestmark = pytest.mark.django_db
N = 20_000
LEFT, RIGHT, SLOPED = "321002001001001", "321002001001002", "321002001001003"
OTHER_TOWN = "321002106001001"


def _grid(code: str, ring: list[list[float]], type_: str = "comprehensive") -> Grid:
    division = code[:12] if type_ == "comprehensive" else code[:9] + "000"
    return Grid(code=code, name=code, type=type_, division_id=division,
                village_id=code[:12] if type_ == "comprehensive" else None,
                geometry=json.dumps({"type": "Polygon", "coordinates": [ring]}))


def _square(x0: float, y0: float, x1: float, y1: float) -> list[list[float]]:
    return [[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]]


def _layout() -> None:
    build_world()
    services.grids_bulk_create(grids=[
        _grid(RIGHT, _square(119.41, 32.40, 119.42, 32.41)),  # inserted first: order must not matter
        _grid(LEFT, _square(119.40, 32.40, 119.41, 32.41)),
        # below them: two triangles sharing a sloped edge from (119.40, 32.39) to (119.42, 32.40)
        _grid(SLOPED, [[119.40, 32.39], [119.42, 32.40], [119.40, 32.40], [119.40, 32.39]]),
        _grid("321002001001004", [[119.40, 32.39], [119.42, 32.39], [119.42, 32.40], [119.40, 32.39]]),
        # another town's grid to the right of RIGHT, sharing its edge x = 119.42
        _grid(OTHER_TOWN, _square(119.42, 32.40, 119.43, 32.41)),
    ])


def _both(lats, lngs, scope: Scope | None = None) -> tuple[list[list[str]], list[list[str]]]:  # noqa: ANN001
    single = [[g["code"] for g in locator.locate(y, x, scope=scope)["grids"]]
              for y, x in zip(lats.tolist(), lngs.tolist(), strict=True)]
    return single, locator.locate_many(lats, lngs, scope=scope)


def test_twenty_thousand_points_on_a_shared_edge_go_to_the_smaller_code_in_both_paths():
    _layout()
    rng = np.random.default_rng(12)
    lats = rng.uniform(32.40, 32.41, N)
    lngs = np.full(N, 119.41)  # exactly on the shared vertical edge
    single, bulk = _both(lats, lngs)
    assert single == bulk
    assert all(row == [LEFT] for row in single)


def test_points_on_a_sloped_shared_edge_agree_in_both_paths():
    """Interpolated points are on the edge only up to rounding: each lands in exactly one of the two
    triangles (GEOS decides exactly; the single path hands near-edge points to GEOS)."""
    _layout()
    t = np.random.default_rng(3).uniform(0, 1, N)
    lngs = 119.40 + t * 0.02
    lats = 32.39 + t * 0.01
    single, bulk = _both(lats, lngs)
    assert single == bulk
    assert all(len(row) == 1 for row in single)


def test_outer_and_shared_corners_find_their_grid():
    _layout()
    corners = {(119.40, 32.41): LEFT,  # outer corner of LEFT only
               (119.41, 32.41): LEFT,  # outer corner shared by LEFT and RIGHT
               (119.41, 32.40): LEFT,  # corner shared by LEFT, RIGHT and the triangles below
               (119.42, 32.41): RIGHT,  # outer corner shared with the other town's grid (smaller code: RIGHT)
               (119.43, 32.41): OTHER_TOWN}
    lngs = np.array([x for x, _ in corners])
    lats = np.array([y for _, y in corners])
    single, bulk = _both(lats, lngs)
    assert single == bulk == [[code] for code in corners.values()]


def test_the_rule_applies_among_the_grids_the_user_may_see():
    """On the edge between two towns each town's user gets its own grid (nothing outside the scope
    is compared against); the city gets the smaller code."""
    _layout()
    lats = np.random.default_rng(5).uniform(32.40, 32.41, 500)
    lngs = np.full(500, 119.42)
    for scope, expected in ((Scope("321000000000"), RIGHT), (Scope("321002001000"), RIGHT),
                            (Scope("321002106000"), OTHER_TOWN)):
        single, bulk = _both(lats, lngs, scope)
        assert single == bulk and all(row == [expected] for row in single), scope


def test_specialised_grids_holding_the_point_are_listed_after_the_comprehensive_one():
    _layout()
    services.grids_bulk_create(grids=[
        _grid("321002001000801", _square(119.405, 32.405, 119.41, 32.41), "specialised"),
        _grid("321002001000802", _square(119.41, 32.405, 119.415, 32.41), "specialised"),
    ])
    lats = np.array([32.407, 32.407])
    lngs = np.array([119.41, 119.407])
    single, bulk = _both(lats, lngs)
    assert single == bulk == [[LEFT, "321002001000801", "321002001000802"], [LEFT, "321002001000801"]]
