"""Reads for citizen reports: the class choices in plain words, whether a point is in the city,
the public map outlines, and the public status of a query code.

**What the public status page shows** (`public_status`; the rule, DESIGN.md §6 and issue 10
item 4): whoever holds a query code is treated as the reporter, but a code can be passed on, so
the page shows only what is not personal and names no one:

- shown: the query code, the problem as the class name (reference data), the town (and county)
  it was placed in, the report time, the state in plain words (`STATE_TEXT`), which level handles
  it (town / county / city, never the unit), the expected completion date while open, a
  timeline of public milestones (time + fixed plain words, `MILESTONES`; internal steps such as
  乡呼县应, duplicates clearing, extension requests are left out), and — once the event is closed
  (结案) or refused (不予受理) — the answer: the centre's note on the 结案 step (else the handling
  feedback that passed verification), or the reason given for 不予受理;
- never shown: names or accounts of anyone (reporter, handlers, centre staff, grid workers), any
  phone number, the reporter's description, the exact address and coordinates, photos, the
  handling unit and cooperating units, the event code and id, notes of any other step, and the
  routing reasons. In the answer text, digit runs that look like a phone or ID-card number are
  masked (`mask_numbers`): the answer is written for the reporter, but a typed number must not
  leak through it.

A merged event (合并) follows the event it joined: its state, level and answer, with a note.
An unknown code is None (the view answers 404, exactly as for any code that does not exist).
"""
from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone

from citizen import codes
from citizen.choices import COMMON_PROBLEMS
from citizen.models import CitizenReport
from core import cachegen
from core.scoping import code_level
from events import classes as event_classes
from events.choices import Level
from events.lifecycle import Action, Outcome, State, StateKind
from events.models import Event, EventClass, Step

STATE_TEXT: dict[str, str] = {
    State.REPORTED: "已收到，等待受理",
    State.ACCEPTED: "已受理，正在核实",
    State.FILED: "已立案，正在安排处置部门",
    State.DISPATCHED: "正在处置",
    State.EXTENSION_REQUESTED: "正在处置",
    State.HANDLED: "已处置，正在核查处置结果",
    State.VERIFIED: "处置结果核查通过，即将办结",
    State.SUSPENDED: "暂缓办理",
    State.CLOSED: "已办结（结案）",
    State.RATED: "已办结（结案）",
    State.REJECTED: "不予受理",
    State.WITHDRAWN: "已撤销",
    State.MERGED: "已与反映同一问题的事件合并办理",
}
LEVEL_TEXT: dict[str, str] = {
    Level.TOWN: "由所在镇（街道）办理",
    Level.COUNTY: "由县（市、区）相关部门办理",
    Level.CITY: "由市级统筹办理",
}
# (action, outcome) → the plain words of a public milestone; steps not listed are internal.
MILESTONES: dict[tuple[str, str], str] = {
    (Action.REPORT, ""): "收到您的反映",
    (Action.ACCEPT, ""): "已受理",
    (Action.REJECT, ""): "不予受理",
    (Action.FILE, ""): "已立案",
    (Action.DISPATCH, ""): "已派相关部门处置",
    (Action.RETURN, ""): "正在重新安排处置部门",
    (Action.FEEDBACK, ""): "相关部门已处置，等待核查",
    (Action.VERIFY, Outcome.PASSED): "处置结果核查通过",
    (Action.VERIFY, Outcome.FAILED): "处置结果核查未通过，重新处置",
    (Action.EXTEND, Outcome.APPROVED): "处置时间已延长",
    (Action.CLOSE, ""): "已办结（结案）",
    (Action.RATE, ""): "已评价",
    (Action.SUSPEND, ""): "暂缓办理",
    (Action.RESUME, ""): "恢复办理",
    (Action.SUPERVISE, ""): "上级已督办",
    (Action.MERGE, ""): "与反映同一问题的事件合并办理",
    (Action.WITHDRAW, ""): "已撤销",
    (Action.ESCALATE, ""): "已提请上级指挥中心统筹办理",
}
_PHONE_OR_ID = re.compile(r"(?<!\d)(?:\d[\d\s-]{5,}\d[\dXx]?)(?!\d)")


def mask_numbers(text: str) -> str:
    """Digit runs of 7 or more (phones, landlines, ID-card numbers) → their first 3 and last 2
    characters with stars between; other text unchanged."""
    def _mask(match: re.Match[str]) -> str:
        digits = re.sub(r"[\s-]", "", match.group(0))
        if len(digits) < 7:
            return match.group(0)
        return digits[:3] + "*" * (len(digits) - 5) + digits[-2:]

    return _PHONE_OR_ID.sub(_mask, text)


# ------------------------------------------------------------------ the form's choices

def public_classes() -> dict[str, EventClass]:
    """The active classes the city publishes (code → class). A class a county or town added for
    itself is its reference data, not the public's: it is not offered on the public form."""
    return {code: cls for code, cls in event_classes.active_classes().items()
            if code_level(cls.division_id) == "city"}


def common_problems() -> list[tuple[str, str, str]]:
    """(key, plain words, class code) of `COMMON_PROBLEMS` whose class is published and active."""
    public = public_classes()
    return [row for row in COMMON_PROBLEMS if row[2] in public]


def class_choices() -> list[tuple[str, list[tuple[str, str]]]]:
    """Every published active class by name, grouped by its major class name: [(major, [(code, name)])]."""
    groups: dict[str, list[tuple[str, str]]] = {}
    for cls in sorted(public_classes().values(), key=lambda c: c.code):
        groups.setdefault(cls.major_name, []).append((cls.code, cls.name))
    return list(groups.items())


# ------------------------------------------------------------------ where

_outline: dict[str, Any] = {"gen": None, "shape": None}


def _city_outline() -> Any:
    """The union of the county outlines (prepared), cached per process by the grids generation
    (boundaries change only through the grids app, which bumps it); None when none is known."""
    import shapely

    from divisions.models import Division

    gen = cachegen.current("grids")
    if _outline["gen"] != gen:
        texts = list(Division.objects.filter(level="county").exclude(boundary="").values_list("boundary", flat=True))
        shape = shapely.union_all(shapely.from_geojson(texts)) if texts else None
        if shape is not None:
            shapely.prepare(shape)
        _outline.update(gen=gen, shape=shape)
    return _outline["shape"]


def point_in_city(lat: float, lng: float) -> bool:
    """Is the WGS84 point inside the platform's area: in an active grid, or inside a county outline?"""
    import shapely

    from grids import locator

    if locator.locate(lat, lng, "wgs84", None)["inside"]:
        return True
    outline = _city_outline()
    return bool(outline is not None and outline.covers(shapely.Point(lng, lat)))


_map_cache: dict[str, Any] = {"gen": None, "body": ""}


def public_outlines_geojson() -> str:
    """County and town outlines as lines to tap within (properties: level only, no names or codes:
    the map needs neither), simplified to ~50 m and rounded to 1e-5°, for the report page's map.
    Cached per process by the grids generation."""
    import shapely

    from divisions.models import Division

    gen = cachegen.current("grids")
    if _map_cache["gen"] == gen:
        return str(_map_cache["body"])
    rows = list(Division.objects.filter(level__in=("county", "town")).exclude(boundary="").order_by("code")
                .values_list("level", "boundary"))
    parts = []
    if rows:
        geoms = shapely.simplify(shapely.from_geojson([r[1] for r in rows]), 0.0005, preserve_topology=True)
        for (level, _), geom in zip(rows, geoms, strict=True):
            parts.append(f'{{"type":"Feature","geometry":{shapely.to_geojson(shapely.set_precision(geom, 1e-5))},'
                         f'"properties":{json.dumps({"level": level})}}}')
    body = f'{{"type":"FeatureCollection","features":[{",".join(parts)}]}}'
    _map_cache.update(gen=gen, body=body)
    return body


# ------------------------------------------------------------------ the public status

@dataclass(frozen=True)
class Milestone:
    at: dt.datetime
    text: str


@dataclass
class PublicStatus:
    """What the public status page may show (module docstring); nothing else is read into it."""

    code: str
    problem: str
    place: str
    reported_at: dt.datetime
    state_text: str
    kind: str                     # open / closed / void (for the page's colour)
    level_text: str
    expected: dt.date | None      # the expected completion date while open
    answer: str                   # when closed or refused
    merged_note: str = ""
    milestones: list[Milestone] = field(default_factory=list)

    @property
    def closed(self) -> bool:
        return self.kind == StateKind.CLOSED


_EVENT_FIELDS = ("pk", "state", "state_kind", "level", "reported_at", "due_at", "merged_into_id", "event_class_id",
                 "category_text", "town_id", "county_id")


def _milestones(event_id: int, since: dt.datetime | None = None) -> list[tuple[Milestone, str, str, str, dict]]:
    steps = Step.objects.filter(event_id=event_id).order_by("seq")
    if since is not None:
        steps = steps.filter(at__gt=since)
    out = []
    for action, outcome, at, note, data in steps.values_list("action", "outcome", "at", "note", "data"):
        text = MILESTONES.get((action, outcome))
        if text:
            out.append((Milestone(at, text), action, outcome, note, data or {}))
    return out


def _answer(event: dict[str, Any], steps: list[tuple[Milestone, str, str, str, dict]]) -> str:
    if event["state"] == State.REJECTED:
        reason = next((d.get("reason") or note for _, a, _, note, d in reversed(steps) if a == Action.REJECT), "")
        return mask_numbers(reason.strip()) or "不予受理。"
    if event["state_kind"] != StateKind.CLOSED:
        return ""
    close = next((note for _, a, _, note, _ in reversed(steps) if a == Action.CLOSE), "").strip()
    if close:
        return mask_numbers(close)
    feedback = ""
    for _, action, outcome, note, _ in steps:  # the feedback that the last passed verification accepted
        if action == Action.FEEDBACK:
            feedback = note
        elif action == Action.VERIFY and outcome == Outcome.FAILED:
            feedback = ""
    return mask_numbers(feedback.strip()) or "问题已处理完毕。"


def _event_row(pk: int) -> dict[str, Any] | None:
    return Event.objects.filter(pk=pk).values(*_EVENT_FIELDS).first()


def _names(*codes_: str | None) -> dict[str, str]:
    from divisions.models import Division

    wanted = [c for c in codes_ if c]
    return dict(Division.objects.filter(code__in=wanted).values_list("code", "name")) if wanted else {}


def public_status(code_text: str) -> PublicStatus | None:
    """The public status of a query code (any case, spaces and hyphens ignored), or None."""
    code = codes.normalise(code_text)
    if code is None:
        return None
    event_id = CitizenReport.objects.filter(query_code=code).values_list("event_id", flat=True).first()
    row = _event_row(event_id) if event_id is not None else None
    if row is None:
        return None
    steps = _milestones(row["pk"])
    target, merged_note = row, ""
    for _ in range(5):  # follow 合并 to the event that is handled (a chain is short; bounded anyway)
        if target["state"] != State.MERGED or not target["merged_into_id"]:
            break
        joined = _event_row(target["merged_into_id"])
        if joined is None:
            break
        merge_at = max((m.at for m, a, *_ in steps if a == Action.MERGE), default=None)
        steps += _milestones(joined["pk"], since=merge_at)
        target, merged_note = joined, "您反映的问题已与其他群众反映的同一问题合并办理，以下为合并后的办理情况。"
    answer_steps = _milestones(target["pk"]) if target is not row else steps
    problem = "待分类"
    if row["event_class_id"]:
        problem = EventClass.objects.filter(pk=row["event_class_id"]).values_list("name", flat=True).first() or problem
    names = _names(row["county_id"], row["town_id"])
    place = " ".join(n for n in (names.get(row["county_id"] or ""), names.get(row["town_id"] or "")) if n)
    is_open = target["state_kind"] == StateKind.OPEN
    due = target["due_at"]
    return PublicStatus(
        code=codes.display(code), problem=problem, place=place or "—", reported_at=row["reported_at"],
        state_text=STATE_TEXT.get(target["state"], "办理中"), kind=target["state_kind"],
        level_text=LEVEL_TEXT.get(target["level"], "") if target["state_kind"] != StateKind.VOID else "",
        expected=timezone.localtime(due).date() if is_open and due else None,
        answer=_answer(target, answer_steps), merged_note=merged_note,
        milestones=[m for m, *_ in steps])
