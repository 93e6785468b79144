"""The suite checks only that the benchmark harness runs (tiny data); it asserts no timing."""
import json
import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


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
