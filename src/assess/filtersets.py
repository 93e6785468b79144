"""One filterset per list, shared by the pages and the API."""
from __future__ import annotations

import django_filters

from assess.models import Result, Score
from core.filters import SubtreeFilter


class ResultFilterSet(django_filters.FilterSet):
    division = SubtreeFilter()

    class Meta:
        model = Result
        fields = ["period_kind", "period_start", "subject_type", "subject_key", "code", "revision", "division"]


class ScoreFilterSet(django_filters.FilterSet):
    division = SubtreeFilter()

    class Meta:
        model = Score
        fields = ["period_kind", "period_start", "subject_type", "subject_key", "grade", "division"]
