"""The suite checks only that the benchmark harness runs (tiny data); it asserts no timing."""
import json
import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent

# Issue 15 item 4: the names the whole-suite result must hold (`<db>` is the run's database).
FLAGSHIP = ["intake.{db}.throughput", "intake.{db}.p50", "intake.{db}.p99", "responsibility.p99",
            "locate.bulk.throughput", "locate.single.p99", "process_step.median", "sweep.{db}.time",
            "indicators_month.{db}.time", "dashboard.{db}.p50", "command_screen.{db}.p50", "command_screen.{db}.p95",
            "export.peak_memory", "generate.rate"]


def test_harness_runs_every_case_on_tiny_data(tmp_path: Path) -> None:
    out = tmp_path / "result.json"
    env = {**os.environ, "VAR_DIR": str(tmp_path / "var"), "BENCH_DATABASE_URL": f"sqlite:///{tmp_path / 'b.sqlite3'}"}
    env.pop("DATABASE_URL", None)
    subprocess.run([sys.executable, str(REPO / "bench" / "run.py"), "--tiny", "--out", str(out)], check=True,
                   env=env, cwd=REPO, timeout=900)
    result = json.loads(out.read_text(encoding="utf-8"))
    assert result["database"] == "sqlite"
    cases = sorted(p.stem for p in (REPO / "bench" / "cases").glob("*.py") if not p.stem.startswith("_"))
    names = {r["name"].split(".")[0] for r in result["results"]}
    assert set(cases) <= names, f"cases that recorded nothing: {set(cases) - names}"
    for row in result["results"]:
        assert set(row) >= {"name", "value", "unit"}
    by_name = {r["name"]: r for r in result["results"]}
    missing = [n.format(db="sqlite") for n in FLAGSHIP if n.format(db="sqlite") not in by_name]
    assert not missing, f"flagship figures missing: {missing}"
    assert by_name["command_screen.sqlite.p50"]["alias_of"] == "command_screen.sqlite.city.first.p50"
    assert by_name["export.peak_memory"]["alias_of"] in {"export.csv.peak_memory", "export.xlsx.peak_memory"}
    # the dataset block says the size of the generated dataset the cases ran on
    size = result["dataset"]["size"]
    assert size["tiny"] is True and size["days"] == 2 and size["events"] > 0 and size["steps"] > size["events"]
    # the memory of each web and worker process of the production stack, after the run
    for role, count in (("web", 3), ("worker", 2)):
        for n in range(1, count + 1):
            for figure in ("peak_mb", "rss_mb"):
                row = by_name[f"memory.{role}.{n}.{figure}"]
                assert row["unit"] == "MB" and row["value"] > 10, row
            assert by_name[f"memory.{role}.{n}.peak_mb"]["value"] >= by_name[f"memory.{role}.{n}.rss_mb"]["value"]
    assert set(result["dataset"]["stack"]["pids"]) >= {"web.master", "web.1", "web.2", "web.3", "worker.1", "worker.2"}
    # the CPU each kind of process spent per intake (SQLite: in the web processes; no server of its own)
    web, every = by_name["intake.sqlite.cpu.web"], by_name["intake.sqlite.cpu.all"]
    assert web["unit"] == "ms" and 0 < web["value"] <= every["value"] and web["limit"] > 0, (web, every)
    assert "intake.sqlite.cpu.database" not in by_name
    # the consumers delivered what the sweep left in the outbox
    assert result["dataset"]["stack_drain"]["due_before"] > 0
    assert result["dataset"]["stack_drain"]["due_after"] == 0, result["dataset"]["stack_drain"]


def test_the_year_dataset_is_made_at_the_generators_own_rate() -> None:
    from bench import dataset
    from events.generator import DEFAULT_RATE

    assert dataset.YEAR_RATE == DEFAULT_RATE and dataset.YEAR_DAYS == 365
