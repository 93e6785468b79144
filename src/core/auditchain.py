"""Tamper-evident audit trail: an HMAC-SM3 chain over AuditLog rows, sealed in the background.

Why in the background: a chain computed on every insert would make each audit insert read the
previous row's hash, serialising every write of the platform. Rows are written unsealed
(`seal_seq` NULL); the Huey periodic task `core.tasks.seal_audit_chain` (every minute) takes the
unsealed rows in id order, in batches of `AUDIT_SEAL_BATCH`, and for each row computes

    seal_hash(n) = HMAC-SM3(AUDIT_CHAIN_KEY, seal_hash(n-1) + "\\n" + canonical JSON of [n, row])

where n is the row's chain position (`seal_seq`, 1, 2, …) and the first previous hash is 64 zeros.
A row whose transaction commits after a later id was sealed is simply sealed in the next batch (its
`seal_seq` is later than its id order); the chain order is `seal_seq`. Each batch ends with an
`AuditAnchor` row (kept outside the audit table) and the same anchor appended as a JSON line to
`AUDIT_ANCHOR_FILE` (outside the database: ship it to write-once storage in production).

What `verify` catches, and what it names:
- a row's content edited in the database → its recomputed hash differs from the stored one: that row;
- a row's content edited and its stored hash rewritten without the key (plain SM3, or any other
  value) → the same, that row;
- content and every later hash rewritten by someone holding the key → the stored hashes agree with
  each other, but not with the anchors (database table and file): the first row after the last
  anchor that still matches, and the anchor that disagrees;
- rows deleted → a gap in `seal_seq` (the row after the gap), or a tail shorter than the last anchor.

Retention (`purge`): only sealed rows older than `AUDIT_RETENTION_DAYS` (never under 180) are
removed, always a whole prefix of the chain ending at a seal anchor; a `purge` anchor records where
the remaining chain starts, so it still verifies.
"""
from __future__ import annotations

import datetime as dt
import json
import logging
import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import Count, Max, Min
from django.utils import timezone

from core.crypto import audit_chain_key, hmac_sm3
from core.errors import Conflict, PlatformError

log = logging.getLogger(__name__)

GENESIS = "0" * 64
MIN_RETENTION_DAYS = 180
ROW_FIELDS = ("id", "at", "actor_id", "actor_name", "source", "action", "model", "object_id", "object_repr",
              "before", "after", "reason", "division_code")
_CHUNK = 500
STALE_UNSEALED = dt.timedelta(minutes=10)  # the sealer runs every minute
SEAL_LOCK = 0x6A637A6C_5345414C  # PostgreSQL advisory lock key of the sealer ("jczl" "SEAL")


def _canonical(seq: int, row: Iterable[Any]) -> str:
    values = list(row)
    at = values[1]
    if isinstance(at, dt.datetime):
        values[1] = at.astimezone(dt.UTC).isoformat(timespec="microseconds")
    return json.dumps([seq, *values], ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str)


def chain_hash(prev: str, seq: int, row: Iterable[Any], key: bytes | None = None) -> str:
    """The chain hash of one row (values in `ROW_FIELDS` order) at position `seq` after `prev`."""
    return hmac_sm3(key if key is not None else audit_chain_key(), prev + "\n" + _canonical(seq, row))


def _anchor_line(anchor: Any) -> dict[str, Any]:
    return {"kind": anchor.kind, "seq_from": anchor.seq_from, "seq_to": anchor.seq_to, "first_id": anchor.first_id,
            "last_id": anchor.last_id, "rows": anchor.rows, "chain_hash": anchor.chain_hash,
            "created_at": anchor.created_at.isoformat() if anchor.created_at else None}


def _append_file(anchor: Any) -> None:
    path = Path(settings.AUDIT_ANCHOR_FILE)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("a", encoding="utf-8") as fh:
            fh.write(json.dumps(_anchor_line(anchor), ensure_ascii=False) + "\n")
            fh.flush()
            os.fsync(fh.fileno())
    except OSError:  # the database anchor stands; verify reports the anchor missing from the file
        log.exception("audit anchor %s-%s not written to %s", anchor.seq_from, anchor.seq_to, path)


def read_anchor_file(path: Path | None = None) -> list[dict[str, Any]] | None:
    """The anchors in the file, in order (None when there is no file)."""
    path = Path(path or settings.AUDIT_ANCHOR_FILE)
    if not path.exists():
        return None
    out = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if line.strip():
            try:
                out.append(json.loads(line))
            except ValueError:
                out.append({"kind": "unreadable", "line": number})
    return out


def _write_seals(table: str, pairs: list[tuple[int, int, str]]) -> None:
    """One UPDATE per chunk: `seal_seq` and `seal_hash` by id, only where still unsealed."""
    q = connection.ops.quote_name
    for start in range(0, len(pairs), _CHUNK):
        chunk = pairs[start:start + _CHUNK]
        seq_case = " ".join("WHEN %s THEN CAST(%s AS BIGINT)" for _ in chunk)
        hash_case = " ".join("WHEN %s THEN %s" for _ in chunk)
        params: list[Any] = []
        for row_id, seq, _hash in chunk:
            params += [row_id, seq]
        for row_id, _seq, digest in chunk:
            params += [row_id, digest]
        params += [row_id for row_id, _seq, _hash in chunk]
        sql = (f"UPDATE {q(table)} SET {q('seal_seq')} = CASE {q('id')} {seq_case} END, "  # noqa: S608
               f"{q('seal_hash')} = CASE {q('id')} {hash_case} END "
               f"WHERE {q('id')} IN ({', '.join(['%s'] * len(chunk))}) AND {q('seal_seq')} IS NULL")
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            if cursor.rowcount != len(chunk):
                raise Conflict("另一个封存任务正在处理这些审计记录", code="seal_race")


def _seal_batch(size: int) -> int:
    from core.models import AuditAnchor, AuditLog

    key = audit_chain_key()
    with transaction.atomic():
        if connection.vendor == "postgresql":
            # One sealer at a time, and each sees the anchor its predecessor committed. (The unique
            # index on seal_seq alone cannot exist once the audit table is partitioned by month.)
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [SEAL_LOCK])
        last = AuditAnchor.objects.filter(kind="seal").select_for_update().order_by("-seq_to").first()
        prev_seq, prev_hash = (last.seq_to, last.chain_hash) if last else (0, GENESIS)
        rows = list(AuditLog.objects.filter(seal_seq__isnull=True).order_by("id").values_list(*ROW_FIELDS)[:size])
        if not rows:
            return 0
        pairs = []
        for row in rows:
            prev_seq += 1
            prev_hash = chain_hash(prev_hash, prev_seq, row, key)
            pairs.append((row[0], prev_seq, prev_hash))
        _write_seals(AuditLog._meta.db_table, pairs)
        anchor = AuditAnchor.objects.create(
            kind="seal", seq_from=pairs[0][1], seq_to=prev_seq, first_id=rows[0][0], last_id=rows[-1][0],
            rows=len(rows), chain_hash=prev_hash, oldest_at=min(r[1] for r in rows), newest_at=max(r[1] for r in rows))
        transaction.on_commit(lambda: _append_file(anchor))
    return len(rows)


def seal(*, batch: int | None = None, max_batches: int | None = None) -> int:
    """Seal every unsealed row (batch by batch, one anchor each). Returns the number sealed.

    Safe to run in several workers at once: a second sealer's batch fails its compare-and-set
    (unique anchor / `seal_seq IS NULL`) and is rolled back; the winner's rows stand."""
    size = batch or settings.AUDIT_SEAL_BATCH
    total = 0
    done = 0
    while max_batches is None or done < max_batches:
        try:
            n = _seal_batch(size)
        except (Conflict, IntegrityError):
            log.info("audit sealing: another sealer won the race")
            break
        total += n
        done += 1
        if n < size:
            break
    return total


@dataclass
class Break:
    """The first place where the chain no longer holds."""

    row_id: int | None
    seq: int
    message: str


@dataclass
class Report:
    sealed: int = 0
    unsealed: int = 0
    first_seq: int = 0
    last_seq: int = 0
    anchors: int = 0
    file_anchors: int | None = None
    start: str = "genesis"
    broken: Break | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.broken is None


class _Checkpoints:
    """Every anchor (database and file) by chain position, with where it came from."""

    def __init__(self, db: list[Any], file: list[dict[str, Any]] | None) -> None:
        self.at: dict[int, list[tuple[str, str, Any]]] = {}
        self.add_db(db)
        for line in file or []:
            if line.get("kind") == "seal":
                self.at.setdefault(int(line["seq_to"]), []).append(("锚点文件", str(line["chain_hash"]), line))
        self.last = max(self.at, default=0)

    def add_db(self, anchors: list[Any]) -> None:
        for a in anchors:
            if a.kind == "seal":
                self.at.setdefault(a.seq_to, []).append(("数据库锚点", a.chain_hash, a))
        self.last = max(self.at, default=0)

    def catch_up(self, seq: int) -> None:
        """A row sealed after the check started: its anchor was committed with it, read it now."""
        from core.models import AuditAnchor

        if seq > self.last:
            self.add_db(list(AuditAnchor.objects.filter(kind="seal", seq_to__gt=self.last).order_by("seq_to")))


def _file_problems(db: list[Any], file: list[dict[str, Any]] | None, report: Report) -> Break | None:
    if file is None:
        if db:
            report.notes.append(f"锚点文件 {settings.AUDIT_ANCHOR_FILE} 不存在，仅按数据库锚点核验")
        return None
    report.file_anchors = len(file)
    if any(line.get("kind") == "unreadable" for line in file):
        bad = next(line["line"] for line in file if line.get("kind") == "unreadable")
        return Break(None, 0, f"锚点文件第 {bad} 行无法解析（文件被改动）")
    in_db = {(a.kind, a.seq_to, a.chain_hash) for a in db}
    for line in file:
        if (line.get("kind"), line.get("seq_to"), line.get("chain_hash")) not in in_db:
            return Break(line.get("first_id"), int(line.get("seq_from") or 0),
                         f"锚点文件中的锚点（链序号 {line.get('seq_from')}–{line.get('seq_to')}）在数据库中缺失或不同："
                         "锚点表被改动")
    in_file = {(line.get("kind"), line.get("seq_to")) for line in file}
    missing = [a for a in db if (a.kind, a.seq_to) not in in_file]
    if missing:
        report.notes.append(f"{len(missing)} 个数据库锚点未写入锚点文件（写文件失败或文件被截断），"
                            f"最早为链序号 {missing[0].seq_from}–{missing[0].seq_to}")
    return None


def verify(*, anchor_file: Path | None = None) -> Report:
    """Recompute the chain from its start (or the last purge) and compare with every stored hash
    and every anchor. Stops at the first break (see the module doc for what each break means)."""
    from core.models import AuditAnchor, AuditLog

    report = Report()
    file = read_anchor_file(anchor_file)  # before the table: a file line is only written after its row commits
    anchors = list(AuditAnchor.objects.order_by("seq_to", "id"))
    report.anchors = len(anchors)
    report.broken = _file_problems(anchors, file, report)
    unsealed = AuditLog.objects.filter(seal_seq__isnull=True).aggregate(n=Count("id"), oldest=Min("at"))
    report.unsealed = unsealed["n"]
    if unsealed["oldest"] is not None and unsealed["oldest"] < timezone.now() - STALE_UNSEALED:
        report.notes.append(f"最早的未封存记录写于 {timezone.localtime(unsealed['oldest']):%Y-%m-%d %H:%M}："
                            "封存任务（Huey 定时任务 seal_audit_chain）可能没有运行")
    if report.broken:
        return report
    checkpoints = _Checkpoints(anchors, file)
    purges = [a for a in anchors if a.kind == "purge"]
    prev_seq, prev_hash = 0, GENESIS
    if purges:
        base = purges[-1]
        prev_seq, prev_hash = base.seq_to, base.chain_hash
        report.start = f"清理锚点（链序号 {base.seq_to} 之前的记录已按保存期限清理）"
        if any(h != base.chain_hash for _src, h, _a in checkpoints.at.get(base.seq_to, [])):
            report.broken = Break(None, base.seq_to, f"清理锚点与链序号 {base.seq_to} 的封存锚点不符")
            return report
    key = audit_chain_key()
    segment_start: tuple[int, int | None] = (prev_seq + 1, None)  # first (seq, id) after the last good anchor
    rows = (AuditLog.objects.filter(seal_seq__gt=prev_seq).order_by("seal_seq")
            .values_list(*ROW_FIELDS, "seal_seq", "seal_hash").iterator(chunk_size=5000))
    for row in rows:
        seq, stored = row[-2], row[-1]
        checkpoints.catch_up(seq)
        if segment_start[1] is None:
            segment_start = (seq, row[0])
        if seq != prev_seq + 1:
            report.broken = Break(row[0], seq, f"链序号 {prev_seq + 1}–{seq - 1} 的审计记录缺失（被删除）；"
                                               f"缺口之后的第一条为审计记录 #{row[0]}")
            return report
        computed = chain_hash(prev_hash, seq, row[:-2], key)
        if computed != stored:
            report.broken = Break(row[0], seq, f"审计记录 #{row[0]}（链序号 {seq}）的内容或链哈希被改动：重算的哈希与存储的不符")
            return report
        for source, anchored, _anchor in checkpoints.at.get(seq, []):
            if anchored != computed:
                first_seq, first_id = segment_start
                report.broken = Break(first_id, first_seq,
                                      f"{source}（链序号 {seq}）与重算的链不符：链序号 {first_seq}–{seq} 之间的记录被改动且"
                                      f"其后的链哈希被整体重算；第一条不可信的记录为审计记录 #{first_id}（链序号 {first_seq}）")
                return report
        if seq in checkpoints.at:
            segment_start = (seq + 1, None)
        if report.sealed == 0:
            report.first_seq = seq
        report.sealed += 1
        prev_seq, prev_hash = seq, stored
    report.last_seq = prev_seq
    if checkpoints.last > prev_seq:
        report.broken = Break(None, prev_seq + 1, f"链序号 {prev_seq + 1}–{checkpoints.last} 的审计记录缺失："
                                                  "锚点之前的链尾被删除")
    elif prev_seq > checkpoints.last:
        first_seq, first_id = segment_start
        report.broken = Break(first_id, first_seq, f"链序号 {first_seq}–{prev_seq} 的记录没有锚点：封存不是由封存任务写入的")
    return report


@dataclass
class Status:
    """Where sealing stands, for the audit page: the last anchor and how many rows wait."""

    sealed_through: int
    sealed_at: dt.datetime | None
    unsealed: int


def status() -> Status:
    from core.models import AuditAnchor, AuditLog

    last = AuditAnchor.objects.filter(kind="seal").order_by("-seq_to").first()
    return Status(last.seq_to if last else 0, last.created_at if last else None,
                  AuditLog.objects.filter(seal_seq__isnull=True).count())


def retention_days() -> int:
    days = int(settings.AUDIT_RETENTION_DAYS)
    if days < MIN_RETENTION_DAYS:
        raise PlatformError(f"审计日志保存期限不得少于 {MIN_RETENTION_DAYS} 天（当前配置 {days} 天）", code="retention")
    return days


@dataclass
class PurgeResult:
    rows: int
    through_seq: int
    cutoff: dt.datetime


def purge(*, before: dt.datetime | None = None, dry_run: bool = False) -> PurgeResult:
    """Remove sealed rows older than the retention period, as a chain prefix ending at an anchor.

    `before` may only move the cutoff earlier: a cutoff inside the retention period is refused
    (PlatformError). Rows not yet sealed, and every row from the first young one on, are kept.
    The chain is verified first; a broken chain is never purged (the evidence stays). Writes a
    `purge` anchor (table and file) and an audit row."""
    from core import audit
    from core.models import AuditAnchor, AuditLog

    limit = timezone.now() - dt.timedelta(days=retention_days())
    if before is not None and before > limit:
        raise PlatformError(f"不能清理保存期未满 {retention_days()} 天的审计记录（最晚只能清理 {limit:%Y-%m-%d %H:%M} 之前的）",
                            code="retention")
    cutoff = before or limit
    report = verify()
    if not report.ok:
        raise PlatformError(f"审计链核验未通过，拒绝清理：{report.broken.message}", code="chain_broken")  # type: ignore[union-attr]
    with transaction.atomic():
        young = AuditLog.objects.filter(at__gte=cutoff, seal_seq__isnull=False).aggregate(m=Min("seal_seq"))["m"]
        done = AuditAnchor.objects.filter(kind="purge").aggregate(m=Max("seq_to"))["m"] or 0
        candidates = AuditAnchor.objects.filter(kind="seal", seq_to__gt=done, newest_at__lt=cutoff)
        if young is not None:
            candidates = candidates.filter(seq_to__lt=young)
        target = candidates.order_by("-seq_to").first()
        if target is None:
            return PurgeResult(0, done, cutoff)
        doomed = AuditLog.objects.filter(seal_seq__gt=done, seal_seq__lte=target.seq_to)
        if doomed.filter(at__gte=cutoff).exists():  # cannot happen after the checks above; never delete young rows
            raise PlatformError("待清理范围内含保存期未满的审计记录，已拒绝", code="retention")
        span = doomed.aggregate(n=Min("id"), x=Max("id"), lo=Min("at"), hi=Max("at"))
        count = doomed.count()
        if dry_run:
            return PurgeResult(count, target.seq_to, cutoff)
        doomed._raw_delete(doomed.db)
        anchor = AuditAnchor.objects.create(kind="purge", seq_from=done + 1, seq_to=target.seq_to, rows=count,
                                            first_id=span["n"], last_id=span["x"], chain_hash=target.chain_hash,
                                            oldest_at=span["lo"], newest_at=span["hi"])
        transaction.on_commit(lambda: _append_file(anchor))
        audit.record_event("purge", model="core.AuditLog", object_repr=f"链序号 {done + 1}–{target.seq_to}",
                           after={"rows": count, "seq_from": done + 1, "seq_to": target.seq_to,
                                   "cutoff": cutoff.isoformat(), "chain_hash": target.chain_hash})
    return PurgeResult(count, target.seq_to, cutoff)


# ------------------------------------------------------------------ archiving a month (core.partitions)

@dataclass
class ArchivePlan:
    """What `archive_prepare` verified: the chain held up to `last_seq`, starting after `done`."""

    done: int
    last_seq: int


def archive_prepare(table: str, month: Any) -> ArchivePlan:
    """Before a month of the audit log is detached (`manage.py manage_partitions --archive-before`):
    the chain must verify (a broken chain is evidence and is never archived), and older months must
    have gone first (the archived rows are always a prefix of the chain)."""
    from core.models import AuditAnchor
    from core.partitions import partitions

    older = [p.month for p in partitions(table) if p.month and (p.month.year, p.month.month) < (month.year, month.month)]
    if older:
        raise PlatformError(f"请先归档更早的月份（{older[0]}）：审计链只能从头部归档", code="archive_order")
    report = verify()
    if not report.ok:
        raise PlatformError(f"审计链核验未通过，拒绝归档：{report.broken.message}", code="chain_broken")  # type: ignore[union-attr]
    done = AuditAnchor.objects.filter(kind="purge").aggregate(m=Max("seq_to"))["m"] or 0
    return ArchivePlan(done, report.last_seq)


def archive_prefix(table: str, month: Any, detached: str, plan: ArchivePlan) -> str:
    """Inside the transaction that detached `month` of the audit log as the table `detached`: make the
    archived rows exactly the chain prefix through the month's last position, and anchor the rest.

    A month's rows are not quite a prefix of the chain: a row written just before midnight by a
    transaction that committed after a row of the next month may be sealed after it. So S = the last
    chain position of a row of the month (or older); rows of later months sealed at or before S
    (a handful at the boundary) move into the archive with it. The archived set must then be every
    position from the previous archive or purge to S, all sealed and already verified; a `purge`
    anchor (table and file) then holds the chain hash at S, from which `verify_audit` checks the
    rest exactly as after `purge_audit`. Refused (and the detach rolled back) when a row of the
    month is not sealed yet, when sealing reached the month after the verification, or when a
    boundary row is younger than 180 days (the database trigger refuses that delete)."""
    from core import audit
    from core.models import AuditAnchor, AuditLog
    from core.partitions import q

    live = AuditLog._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FILTER (WHERE seal_seq IS NULL), max(seal_seq) FROM {q(detached)}")  # noqa: S608
        unsealed, last = cursor.fetchone()
        cursor.execute(f"SELECT count(*) FILTER (WHERE seal_seq IS NULL), max(seal_seq) FROM {q(live)} "  # noqa: S608
                       f"WHERE {q('at')} < %s", [month.end])
        unsealed_live, last_live = cursor.fetchone()
        if unsealed or unsealed_live:
            raise PlatformError(f"{month} 尚有 {unsealed + unsealed_live} 条审计记录未封存，请先封存（verify_audit --seal）",
                                code="unsealed")
        top = max(x for x in (last, last_live, plan.done) if x is not None)
        if top <= plan.done:
            return "本月无待归档的链上记录"
        if top > plan.last_seq:
            raise PlatformError("核验之后又有该月记录被封存，请重试", code="retry")
        cursor.execute(f"INSERT INTO {q(detached)} SELECT * FROM {q(live)} WHERE seal_seq <= %s", [top])  # noqa: S608
        moved = cursor.rowcount
        cursor.execute(f"DELETE FROM {q(live)} WHERE seal_seq <= %s", [top])  # noqa: S608 - the trigger checks age
        cursor.execute(f"SELECT count(*), min(id), max(id), min({q('at')}), max({q('at')}), "  # noqa: S608
                       f"count(DISTINCT seal_seq) FROM {q(detached)} WHERE seal_seq > %s AND seal_seq <= %s",
                       [plan.done, top])
        rows, first_id, last_id, oldest, newest, distinct = cursor.fetchone()
        if rows != top - plan.done or distinct != rows:
            raise PlatformError(f"链序号 {plan.done + 1}–{top} 的记录不完整（{rows} 条），拒绝归档", code="chain_gap")
        cursor.execute(f"SELECT seal_hash FROM {q(detached)} WHERE seal_seq = %s", [top])  # noqa: S608
        (digest,) = cursor.fetchone()
    anchor = AuditAnchor.objects.create(kind="purge", seq_from=plan.done + 1, seq_to=top, rows=rows,
                                        first_id=first_id, last_id=last_id, chain_hash=digest,
                                        oldest_at=oldest, newest_at=newest)
    transaction.on_commit(lambda: _append_file(anchor))
    audit.record_event("purge", model="core.AuditLog", object_repr=f"归档 {month}：链序号 {plan.done + 1}–{top}",
                       after={"rows": rows, "seq_from": plan.done + 1, "seq_to": top, "month": str(month),
                              "table": detached, "boundary_rows": moved, "chain_hash": digest})
    return f"链序号 {plan.done + 1}–{top}，其中 {moved} 条为跨月边界记录"
