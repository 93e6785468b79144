"""The events benchmarks' databases: the world alone (`ensure`: the `generate` case) and the run's
copy of the generated year (`dataset`: every case reading events at scale). Not a case itself.

The other cases share the bench database and each builds its own partial world there (the audit
case's units in 东关街道, the locate case's grids, …), which the Yangzhou world that locating and
routing need would collide with. So the events cases get a private database of the same kind, on
the same server: `<bench file>-events.sqlite3` beside the SQLite bench file, or `<db>_events` on
the PostgreSQL server — built once per run, in a child process (this module as a script), with the
demo's own loaders: the real division tree, every town's bodies and the county departments,
accounts, the catalog (713 matters, 69,874 responsibilities), the 6,232 grids and the event
classes (no flows, no generated events). `--tiny`: the events tests' small world instead.

    python bench/cases/_events_world.py build [--tiny]    → {"user", "password"}
    python bench/cases/_events_world.py generate DAYS RATE → the generator's Stats as JSON
    python bench/cases/_events_world.py sample N          → {"points": [[lat, lng], …], "classes": […]}
    python bench/cases/_events_world.py profile N         → CPU per intake, and the top of its cProfile
    python bench/cases/_events_world.py migrate           → migrations only (a copied dataset)

**The generated dataset** (`dataset(ctx)`: every case that reads or writes events at scale —
command_screen, export, indicators, intake, open311, sweep): the same
world plus a year of generated events at the generator's default rate (Yangzhou: about 550,000
events with full lifecycles, their steps, marks, escalations, calls and audit rows), made by
bench/dataset.py (`prepare`: the world, then the generator as `generate_events` runs it, the last
day ending at the midnight before; how it went stored in the dataset's `bench_dataset` row). It is
slow to make, so it is made once and kept — `BENCH_DATASET_URL` when given, else
`<db>_events_<days>d_r<rate>` on the PostgreSQL server (then `VACUUM ANALYZE`d) or
`<bench file>-events_<days>d_r<rate>.sqlite3` — and every benchmark run works on a fresh copy of it
(`CREATE DATABASE … TEMPLATE`, or SQLite's backup API), migrated, so each run starts from the same
rows whatever the previous run wrote. `BENCH_DATASET_DAYS` / `BENCH_DATASET_RATE` change the size
(another size is another snapshot), `BENCH_DATASET_REBUILD=1` makes it again (after a change to the
generator). `--tiny`: two days at 60 a day on the tiny world, made every time.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

REPO = Path(__file__).resolve().parents[2]
BENCH_USER = "bench-intake"
BENCH_PASSWORD = "bench-intake-12345"
_BUILT: dict[str, str] = {}


def database_url(main_url: str) -> str:
    """The private database next to the bench database `main_url`."""
    parts = urlsplit(main_url)
    if parts.scheme.startswith("sqlite"):
        path = Path(parts.path)
        return f"sqlite:///{path.with_name(path.stem + '-events.sqlite3')}"
    return urlunsplit(parts._replace(path=parts.path.rstrip("/") + "_events"))


def _recreate(url: str, main_url: str) -> None:
    parts = urlsplit(url)
    if parts.scheme.startswith("sqlite"):
        for suffix in ("", "-wal", "-shm"):
            Path(parts.path + suffix).unlink(missing_ok=True)
        return
    import psycopg

    name = parts.path.lstrip("/")
    with psycopg.connect(main_url.replace("postgres://", "postgresql://", 1), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def env_for(url: str) -> dict[str, str]:
    """The environment of a child process (script, gunicorn) on the private database."""
    env = {**os.environ, "DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "config.settings",
           "PYTHONPATH": os.pathsep.join([str(REPO / "src"), str(REPO)]), "DEMO_EVENT_DAYS": "0",
           "HUEY_IMMEDIATE": "1"}
    env.pop("TESTING", None)
    return env


def run_script(url: str, *args: str, timeout: float = 3600) -> Any:
    """Run this module as a script on the private database; its last output line, as JSON."""
    out = subprocess.run([sys.executable, __file__, *args], env=env_for(url), cwd=REPO, check=True,
                         capture_output=True, text=True, timeout=timeout)
    return json.loads(out.stdout.strip().splitlines()[-1])


def ensure(ctx: Any) -> str:
    """The private database's URL, built (migrated, world loaded) once per benchmark run."""
    from django.db import connection

    main = os.environ["DATABASE_URL"]
    key = f"{main}|{ctx.tiny}"
    if key not in _BUILT:
        url = database_url(main)
        _recreate(url, main)
        built = run_script(url, "build", *(["--tiny"] if ctx.tiny else []))
        ctx.dataset["events_world"] = built["world"]
        _BUILT[key] = url
    assert connection.vendor in ("sqlite", "postgresql")
    return _BUILT[key]


def dataset_spec(ctx: Any) -> dict[str, Any]:
    """Size of the generated dataset: 365 days at the generator's default rate (tiny: 2 days at 60)."""
    from events.generator import DEFAULT_RATE

    if ctx.tiny:
        return {"days": 2, "rate": 60.0, "tiny": True}
    return {"days": int(os.environ.get("BENCH_DATASET_DAYS", "365")),
            "rate": float(os.environ.get("BENCH_DATASET_RATE", DEFAULT_RATE)), "tiny": False}


def _pg_admin(main_url: str) -> Any:
    import psycopg

    return psycopg.connect(main_url.replace("postgres://", "postgresql://", 1), autocommit=True)


def _snapshot_url(main_url: str, spec: dict[str, Any]) -> str:
    parts = urlsplit(main_url)
    tag = f"events_{spec['days']}d_r{int(spec['rate'])}" + ("_tiny" if spec["tiny"] else "")
    if parts.scheme.startswith("sqlite"):
        path = Path(parts.path)
        return f"sqlite:///{path.with_name(f'{path.stem}-{tag}.sqlite3')}"
    return urlunsplit(parts._replace(path=parts.path.rstrip("/") + "_" + tag))


def _run_url(snapshot: str) -> str:
    """The run's working copy beside the snapshot: `<snapshot>_run`, or `<snapshot file>-run.sqlite3`."""
    parts = urlsplit(snapshot)
    if parts.scheme.startswith("sqlite"):
        return f"sqlite:///{parts.path.removesuffix('.sqlite3')}-run.sqlite3"
    return urlunsplit(parts._replace(path=parts.path + "_run"))


def _existing_info(url: str) -> dict[str, Any] | None:
    """bench/dataset.py's description of the dataset at `url`, or None when there is none."""
    from bench import dataset as prepared

    parts = urlsplit(url)
    if parts.scheme.startswith("sqlite") and not Path(parts.path).exists():
        return None
    try:
        return prepared.info(url)
    except SystemExit:
        return None
    except Exception:  # noqa: BLE001  (no such database, no bench_dataset table: not made yet)
        return None


def _copy(snapshot: str, url: str, main_url: str) -> None:
    parts = urlsplit(url)
    if parts.scheme.startswith("sqlite"):
        import sqlite3

        for suffix in ("", "-wal", "-shm"):
            Path(parts.path + suffix).unlink(missing_ok=True)
        source, target = sqlite3.connect(urlsplit(snapshot).path), sqlite3.connect(parts.path)
        try:
            source.backup(target)
        finally:
            source.close()
            target.close()
        return
    from psycopg import sql

    with _pg_admin(main_url) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(parts.path.lstrip("/"))))
        conn.execute(sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(
            sql.Identifier(parts.path.lstrip("/")), sql.Identifier(urlsplit(snapshot).path.lstrip("/"))))


def dataset(ctx: Any) -> str:
    """The URL of this run's copy of the generated dataset (see the module docstring). The dataset
    is `BENCH_DATASET_URL` when set (bench/dataset.py prepared it), else the kept snapshot beside the
    bench database, made by bench/dataset.py's `prepare` when missing, of another size, or
    `BENCH_DATASET_REBUILD=1` (then `VACUUM ANALYZE`d on PostgreSQL). The copy is made once per run
    and migrated; what it holds is in `ctx.dataset["events_dataset"]`."""
    from bench import dataset as prepared

    main = os.environ["DATABASE_URL"]
    spec = dataset_spec(ctx)
    key = f"dataset|{main}|{json.dumps(spec, sort_keys=True)}"
    if key not in _BUILT:
        given = None if ctx.tiny else prepared.prepared()
        if given and given.startswith("sqlite") != main.startswith("sqlite"):
            raise SystemExit(f"{prepared.ENV} ({given.split('@')[-1]}) is not of the bench database's kind "
                             f"({main.split('@')[-1]})")
        snapshot = given or _snapshot_url(main, spec)
        info = _existing_info(snapshot)
        if given is None and (info is None or ctx.tiny or os.environ.get("BENCH_DATASET_REBUILD") == "1"
                              or (info.get("days"), info.get("rate")) != (spec["days"], spec["rate"])):
            info = prepared.prepare(snapshot, days=spec["days"], rate=spec["rate"], tiny=spec["tiny"],
                                    admin_url=None if main.startswith("sqlite") else main)  # VACUUM ANALYZEd
        if info is None:
            raise SystemExit(f"{snapshot} is not a prepared dataset: run bench/dataset.py first")
        url = _run_url(snapshot)
        _copy(snapshot, url, main)
        run_script(url, "migrate")
        if not main.startswith("sqlite"):
            # the copy wrote the whole dataset to the WAL (CREATE DATABASE's WAL_LOG strategy): flush it
            # now, or the checkpoints it set off run, spread, through the first cases' measurements
            # (intake varied ±15 % from run to run before this)
            with _pg_admin(main) as conn:
                conn.execute("CHECKPOINT")
        ctx.dataset["events_dataset"] = {**info, "copied_to": urlsplit(url).path.rsplit("/", 1)[-1]}
        ctx.dataset["size"] = {"days": info.get("days"), "rate": info.get("rate"), "events": info.get("events"),
                               "steps": info.get("steps"), "audit_rows": info.get("audit_rows"),
                               "bytes": info.get("bytes"), "world": info.get("world"), "tiny": spec["tiny"]}
        _BUILT[key] = url
    return _BUILT[key]


# ---------------------------------------------------------------- the child process

def _build(tiny: bool) -> dict[str, Any]:
    from django.core.management import call_command

    from accounts.models import User
    from core import audit
    from core.roles import Role
    from events.models import EventClass

    call_command("migrate", verbosity=0)
    if tiny:
        from events.tests import factory

        factory.build()
        world = "tiny (events.tests.factory: 2 towns, their grids and 2 matters)"
    else:
        from core.conventions import optional_module

        call_command("import_divisions", verbosity=0)
        for app in ("org", "accounts", "catalog", "grids", "events"):
            module = optional_module(app, "demo")
            assert module is not None
            module.load(lambda _msg: None)
        world = "Yangzhou demo without flows (98 towns, 6,232 grids, 713 matters, 82 event classes)"
    with audit.acting_as(name="bench", source="bench"):
        user, _ = User.objects.get_or_create(username=BENCH_USER, defaults=dict(
            division_id="321000000000", roles=[Role.CITY_COMMAND], display_name="基准测试（12345热线接口）"))
        user.is_synthetic = True  # a synthetic service account: its password is not a person's initial one
        user.set_password(BENCH_PASSWORD)
        user.save()
    return {"user": BENCH_USER, "password": BENCH_PASSWORD, "world": world,
            "classes": EventClass.objects.filter(is_active=True).count()}


def _generate(days: int, rate: float) -> dict[str, Any]:
    import datetime as dt
    import time

    from django.utils import timezone

    from events import generator

    # whole days: the last one ends at today's midnight (a partial today would shrink the sample)
    midnight = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)
    cpu = time.process_time()
    gen = generator.Generator(seed=7, now=midnight - dt.timedelta(microseconds=1))
    stats = gen.run(days=days, rate=rate)
    return {"events": stats.events, "steps": stats.steps, "audit_rows": stats.audit_rows, "seconds": stats.seconds,
            "parts": dict(stats.parts), "rate": stats.rate, "cpu": time.process_time() - cpu,
            "pipelined": gen.pipelined}


def _sample(n: int) -> dict[str, Any]:
    import random

    from events.generator import Generator
    from events.models import EventClass

    gen = Generator(seed=11)
    rng = random.Random(11)
    points = []
    for _ in range(n):
        loc = gen._point(rng)
        points.append([loc.lat, loc.lng])
    classes = list(EventClass.objects.filter(is_active=True, matter__isnull=False).order_by("code").values_list(
        "code", flat=True))
    return {"points": points, "classes": classes}


def _profile(n: int) -> dict[str, Any]:
    """`n` intakes in this process through the API stack (DRF's test client: no gunicorn, no
    socket) under cProfile, after as many unmeasured ones: CPU per intake with and without the
    profiler, and the top of the profile by cumulative time."""
    import cProfile
    import io
    import pstats
    import random
    import time

    from rest_framework.test import APIClient

    from accounts.models import User

    sample = _sample(300)
    client = APIClient()
    client.force_authenticate(User.objects.get(username=BENCH_USER))
    rng = random.Random(5)

    def post(tag: str, i: int) -> None:
        lat, lng = sample["points"][rng.randrange(len(sample["points"]))]
        answer = client.post("/api/events/", {"category": sample["classes"][i % len(sample["classes"])], "lat": lat,
                                              "lng": lng, "description": "基准测试：剖析", "channel": "hotline",
                                              "client_id": f"profile-{tag}-{time.time()}-{i}"}, format="json")
        assert answer.status_code == 201, answer.content

    for i in range(n):
        post("warm", i)
    started = time.process_time()
    for i in range(n):
        post("plain", i)
    plain = (time.process_time() - started) / n * 1000
    profiler = cProfile.Profile()
    started = time.process_time()
    profiler.enable()
    for i in range(n):
        post("profiled", i)
    profiler.disable()
    profiled = (time.process_time() - started) / n * 1000
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(45)
    bare = _bare_cpu(n)
    return {"cpu_ms_per_intake": plain, "cpu_ms_per_intake_profiled": profiled, "cpu_ms_per_bare": bare,
            "top": out.getvalue()}


def _bare_cpu(n: int) -> float:
    """CPU per request of the bench-only bare insert, through the same stack in this process."""
    import time

    from django.test import override_settings
    from rest_framework.test import APIClient

    from accounts.models import User

    client = APIClient()
    client.force_authenticate(User.objects.get(username=BENCH_USER))
    with override_settings(ROOT_URLCONF="bench.cases._intake_urls"):
        for i in range(n):
            client.post("/bench/bare-insert/", {"client_id": f"warm-{i}"}, format="json")
        started = time.process_time()
        for i in range(n):
            answer = client.post("/bench/bare-insert/", {"client_id": f"bare-{i}"}, format="json")
            assert answer.status_code == 201, answer.content
        return (time.process_time() - started) / n * 1000


def main(argv: list[str]) -> None:
    sys.path[:0] = [str(REPO / "src"), str(REPO)]
    import django

    django.setup()
    command = argv[0]
    if command == "build":
        result = _build("--tiny" in argv)
    elif command == "generate":
        result = _generate(int(argv[1]), float(argv[2]))
    elif command == "sample":
        result = _sample(int(argv[1]))
    elif command == "profile":
        result = _profile(int(argv[1]))
    elif command == "migrate":
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
        result = {"migrated": True}
    else:
        raise SystemExit(f"unknown command {command}")
    print(json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    main(sys.argv[1:])
