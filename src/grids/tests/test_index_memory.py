"""The grid index is bounded whatever the input (issue 12 item 2).

`g_epsg32650_DANGER_oom.geojson` (UTM metres, `crs` EPSG:32650) used to be accepted; the next
index rebuild then tried to build hundreds of millions of hash buckets and the worker was killed at
~14 GB. It is fed here only to a subprocess with a 2 GB address-space cap (RLIMIT_AS) and a timeout,
so a regression fails this test instead of taking the machine down. The subprocess imports it (not
a dry run: refused), then plants the same polygon directly in the table — as data from before the
fix would be — and rebuilds the index, which must stay small and keep locating.
"""
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[2]
DANGER = Path(__file__).parent / "files" / "g_epsg32650_DANGER_oom.geojson"
CAP_BYTES = 2 * 1024 ** 3

SCRIPT = r"""
import json, os, resource, sys
resource.setrlimit(resource.RLIMIT_AS, (CAP, CAP))
import django
django.setup()
from django.core.management import call_command
call_command("migrate", verbosity=0)
from core import audit, cachegen
from core.scoping import Scope
from core.testing.world import build_world
from grids import locator, services
from grids.models import Grid
from grids.tests import fixtures

world = build_world()
fixtures.lay_out(world)
collection = json.load(open(DANGER, encoding="utf-8"))
with audit.acting_as(name="test", source="test"):
    result = services.grids_import(collection=collection, scope=Scope(None, everything=True))
refused = [p["text"] for p in result.problems]
# data from before the fix: the same polygon stored directly
ring = collection["features"][0]["geometry"]["coordinates"]
Grid.objects.create(code="321002001000810", name="旧数据", type="specialised", division_id="321002001000",
                    geometry=json.dumps({"type": "Polygon", "coordinates": ring}), centroid_lng=0, centroid_lat=0)
cachegen.bump(locator.CACHE_NAME)
cachegen.forget_local()
index = locator.get_index(max_age=0)
some = Grid.objects.filter(type="comprehensive").order_by("code").first()
answer = locator.locate(some.centroid_lat, some.centroid_lng)
entries = sum(len(v) for v in index.buckets.values())
print(json.dumps({"refused": refused, "created": result.created, "grids": len(index), "wide": len(index.wide),
                  "bucket_entries": entries, "located": [g["code"] for g in answer["grids"]], "expected": some.code,
                  "maxrss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}))
"""


@pytest.mark.django_db  # not used by the subprocess (its own SQLite file); keeps pytest-django's setup uniform
def test_the_utm_file_is_refused_and_the_index_stays_bounded_under_a_memory_cap(tmp_path):
    env = {**os.environ, "TESTING": "1", "VAR_DIR": str(tmp_path), "DJANGO_SETTINGS_MODULE": "config.settings",
           "DATABASE_URL": f"sqlite:///{tmp_path / 'memory.sqlite3'}", "PYTHONPATH": str(SRC),
           "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "HUEY_IMMEDIATE": "1"}
    code = SCRIPT.replace("CAP", str(CAP_BYTES)).replace("DANGER", repr(str(DANGER)))
    done = subprocess.run([sys.executable, "-c", code], env=env, cwd=SRC, capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    out = json.loads(done.stdout.strip().splitlines()[-1])
    assert out["created"] == []
    assert any("坐标不是经纬度（crs urn:ogc:def:crs:EPSG::32650 不支持）" in t for t in out["refused"])
    assert out["wide"] == 1  # the planted polygon: listed once, not spread over buckets
    assert out["bucket_entries"] <= 64 * out["grids"]
    assert out["located"][0] == out["expected"]
    assert out["maxrss_kb"] < CAP_BYTES // 1024


@pytest.mark.django_db
def test_cached_scope_masks_are_bounded():
    from core.testing.world import build_world
    from grids import locator
    from grids.tests import fixtures

    fixtures.lay_out(build_world())
    index = locator.get_index(max_age=0)
    for n in range(3 * locator.MAX_CACHED_MASKS):
        mask = index.scope_mask(f"321002{n:06d}")
        assert not mask.any()
    assert len(index._masks) <= locator.MAX_CACHED_MASKS
    assert index.scope_mask("321002001").sum() == sum(c.startswith("321002001") for c in index.codes) > 0
