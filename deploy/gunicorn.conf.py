"""Gunicorn settings for deploy/web.sh, from the environment.

WEB_BIND (127.0.0.1:8000; a TLS proxy or load balancer in front), WEB_WORKERS (2 × cores + 1, at
most 8), WEB_THREADS (4), WEB_TIMEOUT (60 s), WEB_MAX_REQUESTS (2000: a worker is replaced after
that many requests, jittered, so slow leaks cannot grow), FORWARDED_ALLOW_IPS (127.0.0.1: the
proxies whose X-Forwarded-* gunicorn believes). Gunicorn's own lines are written as JSON like the
platform's (LOG_FORMAT=json, the default in production); its access log is off because the
platform writes one access line per request itself (core.logcontext, with the request id).
"""
from __future__ import annotations

import logging
import os
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))

from core.logcontext import JSON_FORMATTER  # noqa: E402 - needs src/ on the path

bind = os.environ.get("WEB_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("WEB_WORKERS", min(2 * (os.cpu_count() or 1) + 1, 8)))
worker_class = "gthread"
threads = int(os.environ.get("WEB_THREADS", 4))
timeout = int(os.environ.get("WEB_TIMEOUT", 60))
graceful_timeout = 30
keepalive = 5
max_requests = int(os.environ.get("WEB_MAX_REQUESTS", 2000))
max_requests_jitter = max_requests // 10
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
proc_name = "jczl-web"
# gunicorn's control socket (gunicornc) sits in $HOME by default, shared by every gunicorn of the
# user; systemd signals are all a deployment needs. WEB_CONTROL_SOCKET=/run/jczl/gunicorn.ctl enables it.
control_socket_disable = not os.environ.get("WEB_CONTROL_SOCKET")
if os.environ.get("WEB_CONTROL_SOCKET"):
    control_socket = os.environ["WEB_CONTROL_SOCKET"]
accesslog = None
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "info").lower()

if os.environ.get("LOG_FORMAT", "json") == "json":
    logconfig_dict: dict[str, Any] = {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": JSON_FORMATTER},
        "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "json",
                                 "stream": "ext://sys.stderr"}},
        "root": {"level": "INFO", "handlers": ["console"]},
        "loggers": {
            "gunicorn.error": {"level": loglevel.upper(), "handlers": ["console"], "propagate": False},
            "gunicorn.access": {"level": "INFO", "handlers": [], "propagate": False},
        },
    }


def post_worker_init(worker: Any) -> None:
    """Build this worker's caches (calendar, grid index) before it takes requests; if the database
    is not ready yet, the first /readyz builds them instead."""
    try:
        from web.views.health import readiness

        ready, body = readiness()
        if not ready:
            logging.getLogger("gunicorn.error").warning("worker %s not ready yet: %s", worker.pid, body["reason"])
    except Exception:  # noqa: BLE001 - never keep a worker from starting; /readyz reports the state
        logging.getLogger("gunicorn.error").warning("cache warm-up failed", exc_info=True)
    finally:
        from django.db import connections

        connections.close_all()
