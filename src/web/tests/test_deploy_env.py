"""deploy/common.sh: the environment file fills in what the caller did not set; a variable given on
the command line (`WEB_BIND=… deploy/web.sh`) wins over the file (a newcomer's trial found the file
silently overriding it)."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[3]


def _read(tmp_path: Path, **given: str) -> str:
    env_file = tmp_path / "platform.env"
    env_file.write_text("WEB_BIND=127.0.0.1:8790\nONLY_IN_FILE=from-file\n", encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k not in ("WEB_BIND", "ONLY_IN_FILE")}
    env.update(PLATFORM_ENV=str(env_file), PLATFORM_VENV=str(Path(sys.executable).parent.parent), **given)
    out = subprocess.run(["bash", "-c", f'set -euo pipefail; . "{REPO}/deploy/common.sh"; echo "$WEB_BIND $ONLY_IN_FILE"'],
                         env=env, capture_output=True, text=True, check=True, timeout=30)
    return out.stdout.strip()


def test_the_environment_file_fills_in_and_the_caller_wins(tmp_path: Path) -> None:
    assert _read(tmp_path) == "127.0.0.1:8790 from-file"
    assert _read(tmp_path, WEB_BIND="127.0.0.1:8791") == "127.0.0.1:8791 from-file"
