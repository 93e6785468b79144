"""Settings of the intake benchmark's gunicorn: the platform's own settings, plus a URL map with
one bench-only endpoint (`bench/cases/_intake_urls.py`). Never used outside `bench/`."""
from config.settings import *  # noqa: F403

ROOT_URLCONF = "bench.cases._intake_urls"
