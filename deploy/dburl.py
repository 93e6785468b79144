"""Print the libpq connection URI of the platform's database (DATABASE_URL or DATABASE_URL_FILE,
as config.settings reads it) for pg_dump, pg_restore and psql; refuses anything but PostgreSQL."""
from __future__ import annotations

import os
import sys
from pathlib import Path


def main() -> None:
    path = os.environ.get("DATABASE_URL_FILE", "")
    url = Path(path).read_text(encoding="utf-8").strip() if path else os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://", "pgsql://")):
        sys.exit("DATABASE_URL (or DATABASE_URL_FILE) must name a PostgreSQL database (postgres://…)")
    # dj-database-url's schemes and options that libpq does not know
    url = "postgresql://" + url.split("://", 1)[1]
    sys.stdout.write(url + "\n")


if __name__ == "__main__":
    main()
