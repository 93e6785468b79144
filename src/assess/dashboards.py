"""The leader dashboard's data (ECharts): trend, ranking, a map by town, the grade distribution,
and a town's own page beside the county median. Reads stored results and scores only."""
from __future__ import annotations

import datetime as dt
import json
from typing import Any

from django.utils import timezone

from assess import selectors
from assess.choices import SubjectType
from assess.periods import Period, period_of
from divisions.models import Division


def default_day() -> dt.date:
    """A day of last month (the latest complete month)."""
    return period_of("month", timezone.localdate()).previous().start


def default_period(user: Any, division: Division, kind: str) -> Period:
    """The period a page opens on when none is asked for: the latest one with stored scores in the
    division (so a leader first sees figures, e.g. the demo's month), else the current one."""
    today = timezone.localdate()
    start = selectors.latest_scored_start(user, kind=kind, division=division.code, today=today)
    return period_of(kind, start or today)


def _towns_geojson(division: Division, towns: list[str]) -> dict[str, Any] | None:
    """Town boundaries (GeoJSON stored on divisions) as a FeatureCollection for echarts.registerMap."""
    features = []
    for code, name, boundary in Division.objects.filter(code__in=towns).values_list("code", "name", "boundary"):
        if not boundary:
            continue
        try:
            geometry = json.loads(boundary)
        except ValueError:
            continue
        features.append({"type": "Feature", "properties": {"name": name, "code": code}, "geometry": geometry})
    return {"type": "FeatureCollection", "features": features} if features else None


def data(user: Any, division: Division, period: Period) -> dict[str, Any]:
    periods = [period]
    while len(periods) < 6:
        periods.insert(0, periods[0].previous())
    trend = {code: selectors.trend(user, code=code, subject_type=SubjectType.TOWN, division=division.code,
                                   periods=periods) for code in ("close_rate", "close_on_time_rate", "satisfaction_rate")}
    scores = selectors.scores_for(user, period=period, subject_type=SubjectType.TOWN, division=division.code)
    ranking = [{"code": s.subject_key, "name": s.subject_name, "score": float(s.score), "grade": s.grade,
                "revision": s.revision} for s in scores]
    geo = _towns_geojson(division, [s.subject_key for s in scores])
    return {
        "division": {"code": division.code, "name": division.name},
        "period": {"kind": period.kind, "start": period.start.isoformat(), "label": period.label},
        "trend": trend,
        "ranking": ranking,
        "map": {"geojson": geo, "values": [{"name": r["name"], "value": r["score"]} for r in ranking]},
        "grades": {"towns": selectors.grade_distribution(scores),
                   "units": selectors.grade_counts(user, period=period, subject_type=SubjectType.UNIT,
                                                   division=division.code),
                   "grid_workers": selectors.grade_counts(user, period=period, subject_type=SubjectType.GRID_WORKER,
                                                          division=division.code)},
    }
