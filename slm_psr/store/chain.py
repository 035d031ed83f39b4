"""Tamper evidence: every history row of a project is hashed into one chain per project.

Each history row (an audit entry, a PSR version, an upload, a contract, a
measurement, ...) gets an entry in ``history_chain`` in the transaction that
writes it: the SHA-256 of the row's values (``row_hash``) and a ``chain_hash`` over
the previous entry's ``chain_hash``, the project, the position and the row hash.
``check`` recomputes both for a project and names what does not match: a row
changed after it was written, an entry removed from the chain, a row deleted, or a
row added outside slm-psr (it has no entry). The store runs it on every load and
``python -m slm_psr verify`` on the whole store.

How a new history table joins the chain (contracts, measurements, ...):

1. its rows have an integer primary key ``id`` and a ``project_id`` column;
2. register its model once, at the bottom of this module (so that every check,
   whatever was imported, knows every chained table)::

       chain.register(ContractRow, describe=lambda r: f"contract {r['id']} ({r['supplier']})")

   The hash covers every column but ``id``; pass ``exclude=("status",)`` for
   columns that legitimately change later (``integrity`` replays those from the
   audit trail). NULLs are left out of the hash, so a nullable column added later is safe;
3. after inserting a row and flushing it, call ``chain.link(session, row)`` in the
   same transaction (the project's row lock, taken by every change, keeps the
   chain of a project in one line);
4. the table's migration adds the append-only triggers and chains the rows already
   stored (see ``0007_record``); list it in ``schema.APPEND_ONLY`` so that a team's
   app role may only insert into it (``database.grant``).

The chain makes an edit visible; it cannot stop someone who may write the database
from rebuilding a whole chain. ``verify`` prints each project's head hash: filed
with the award decision, it pins the history up to that point.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import threading
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Table, insert, select
from sqlalchemy.orm import Session

from slm_psr.store.schema import (
    AuditRow,
    Base,
    ContractRow,
    HistoryChainRow,
    MeasurementCorrectionRow,
    MeasurementDisputeRow,
    MeasurementFileRow,
    MonitoringPlanRow,
    PSRChangeAckRow,
    PSRVersionRow,
    ResponseRow,
    ServiceReviewRow,
)

Describe = Callable[[Mapping[str, Any]], str]


@dataclass(frozen=True)
class Chained:
    """A history table on the chain: which columns its row hash covers, how a row is named."""

    table: Table
    columns: tuple[str, ...]
    describe: Describe


@dataclass(frozen=True)
class Break:
    """One place where the stored history differs from what was written.

    ``seq`` is the row's position in the project's chain (None for a row that has
    no entry at all); breaks sort by it, so the first one is the earliest damage.
    """

    project_id: int
    seq: int | None
    table: str
    row_id: int | None
    message: str

    def sort_key(self) -> tuple[float, str, int]:
        return (self.seq if self.seq is not None else float("inf"), self.table, self.row_id or 0)


CHAINED: dict[str, Chained] = {}


def register(model: type[Base], *, describe: Describe, exclude: tuple[str, ...] = ()) -> Chained:
    """Put ``model``'s table on the chain (see the module docstring); returns its entry."""
    table = Base.metadata.tables[model.__tablename__]
    missing = {"id", "project_id"} - {c.key for c in table.c}
    if missing:
        raise ValueError(
            f"table {table.name} cannot be chained: it has no {', '.join(sorted(missing))} column"
        )
    columns = tuple(c.key for c in table.c if c.key != "id" and c.key not in exclude)
    entry = Chained(table, columns, describe)
    CHAINED[table.name] = entry
    return entry


def plain(value: Any) -> Any:
    """A stored value as JSON data; the same value read from SQLite or PostgreSQL gives the same."""
    if isinstance(value, dt.datetime):
        value = value if value.tzinfo else value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC).isoformat(timespec="microseconds")
    if isinstance(value, bytes | bytearray | memoryview):
        return {"sha256": hashlib.sha256(bytes(value)).hexdigest()}
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def digest(values: Mapping[str, Any]) -> str:
    """SHA-256 over the canonical JSON of a row's values.

    NULLs are left out, so a nullable column added to a chained table later keeps
    the hashes of the rows written before it valid.
    """
    data = {column: plain(value) for column, value in values.items() if value is not None}
    text = json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


# Row digests per process, keyed on the exact values hashed (type and value of each
# column): a check that meets the same row again (every load re-checks the whole chain)
# looks its digest up instead of re-encoding and re-hashing it, and a row changed in any
# byte is a new key, so it is hashed afresh and its change is caught as before.
MAX_DIGESTS = 20_000
_digests: OrderedDict[tuple[Any, ...], str] = OrderedDict()
_digests_lock = threading.Lock()


def row_hash(entry: Chained, values: Mapping[str, Any]) -> str:
    """The digest of the columns the table's entry covers."""
    covered = [values[column] for column in entry.columns]
    key = (entry.table.name, *((type(v), v) for v in covered))
    try:
        with _digests_lock:
            found = _digests.get(key)
            if found is not None:
                _digests.move_to_end(key)
    except TypeError:  # a value that cannot be a key (PostgreSQL's memoryview): hash it every time
        return digest(dict(zip(entry.columns, covered, strict=True)))
    if found is not None:
        return found
    result = digest(dict(zip(entry.columns, covered, strict=True)))
    with _digests_lock:
        _digests[key] = result
        while len(_digests) > MAX_DIGESTS:
            _digests.popitem(last=False)
    return result


def forget_digests() -> None:
    """Drop the kept row digests (tests)."""
    with _digests_lock:
        _digests.clear()


def link_hash(previous: str, project_id: int, seq: int, table: str, row_id: int, row_digest: str) -> str:
    """The chain hash of one entry: it pins the whole history before it."""
    text = f"{previous}\n{project_id}\n{seq}\n{table}\n{row_id}\n{row_digest}"
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _stored(s: Session, entry: Chained, row_id: int) -> Mapping[str, Any]:
    # Hash what the database holds (as it will be read back), not the Python object.
    table = entry.table
    return dict(s.execute(select(*table.c).where(table.c.id == row_id)).one()._mapping)


def link(s: Session, row: Any) -> str:
    """Chain a history row that was just inserted and flushed; returns its chain hash."""
    table = row.__table__.name
    entry = CHAINED.get(table)
    if entry is None:
        raise ValueError(f"table {table} is not on the history chain; register it first")
    return append(s, row.project_id, table, row.id, row_hash(entry, _stored(s, entry, row.id)))


def append(s: Session, project_id: int, table: str, row_id: int, row_digest: str) -> str:
    """Add an entry after the project's last one (the caller holds the project's lock)."""
    last = s.execute(
        select(HistoryChainRow.seq, HistoryChainRow.chain_hash)
        .where(HistoryChainRow.project_id == project_id)
        .order_by(HistoryChainRow.seq.desc())
        .limit(1)
    ).first()
    seq = last.seq + 1 if last else 1
    chained = link_hash(last.chain_hash if last else "", project_id, seq, table, row_id, row_digest)
    s.execute(
        insert(HistoryChainRow).values(
            project_id=project_id,
            seq=seq,
            table_name=table,
            row_id=row_id,
            row_hash=row_digest,
            chain_hash=chained,
        )
    )
    return chained


def head(s: Session, project_id: int) -> tuple[int, str]:
    """The number of entries and the last chain hash ('' for an empty chain)."""
    last = s.execute(
        select(HistoryChainRow.seq, HistoryChainRow.chain_hash)
        .where(HistoryChainRow.project_id == project_id)
        .order_by(HistoryChainRow.seq.desc())
        .limit(1)
    ).first()
    return (last.seq, last.chain_hash) if last else (0, "")


def check(s: Session, project_id: int, rows: dict[str, list[Any]] | None = None) -> list[Break]:
    """Every break in the project's chain and its chained rows, earliest first.

    ``rows``, when given, receives every row read per table name (rows of all the
    table's columns, unordered): the very rows checked, so a caller that needs them
    (a load) reads each once.
    """
    breaks: list[Break] = []
    # Plain rows of the columns used, not ORM objects: a load runs this on every call.
    c = HistoryChainRow.__table__.c
    entries = s.execute(
        select(c.seq, c.table_name, c.row_id, c.row_hash, c.chain_hash)
        .where(c.project_id == project_id)
        .order_by(c.seq)
    ).all()
    previous, previous_seq = "", 0
    linked: dict[tuple[str, int], Any] = {}
    for e in entries:
        if e.seq != previous_seq + 1:
            gap = f"{previous_seq + 1}" if e.seq == previous_seq + 2 else f"{previous_seq + 1} to {e.seq - 1}"
            breaks.append(
                Break(project_id, previous_seq + 1, e.table_name, None, f"history entry {gap} was deleted")
            )
        elif e.chain_hash != link_hash(previous, project_id, e.seq, e.table_name, e.row_id, e.row_hash):
            breaks.append(
                Break(
                    project_id,
                    e.seq,
                    e.table_name,
                    e.row_id,
                    f"history entry {e.seq} ({e.table_name} row {e.row_id}) was altered",
                )
            )
        previous, previous_seq = e.chain_hash, e.seq
        linked[(e.table_name, e.row_id)] = e
    for name, entry in CHAINED.items():
        table = entry.table
        read = list(s.execute(select(*table.c).where(table.c.project_id == project_id)))
        if rows is not None:
            rows[name] = read
        for row in read:
            values: Mapping[str, Any] = row._mapping  # type: ignore[assignment]  # a Mapping at run time
            e = linked.pop((name, values["id"]), None)
            if e is None:
                breaks.append(
                    Break(
                        project_id,
                        None,
                        name,
                        values["id"],
                        f"{entry.describe(values)} is not on the project's history chain: it was added "
                        "outside slm-psr",
                    )
                )
            elif row_hash(entry, values) != e.row_hash:
                what = entry.describe(values)  # words only for a break (most rows have none)
                breaks.append(
                    Break(project_id, e.seq, name, values["id"], f"{what} was changed after it was saved")
                )
    for (name, row_id), e in linked.items():
        if name in CHAINED:
            message = f"{name} row {row_id} (history entry {e.seq}) was deleted"
        else:
            message = f"history entry {e.seq} is a {name} row, which this version of slm-psr does not know"
        breaks.append(Break(project_id, e.seq, name, row_id, message))
    return sorted(breaks, key=Break.sort_key)


# --- the store's own history tables ---------------------------------------------------------


def _when(value: Any) -> str:
    return value.strftime("%Y-%m-%d %H:%M UTC") if isinstance(value, dt.datetime) else str(value)


register(
    AuditRow,
    describe=lambda r: (
        f"audit entry {r['id']} ({r['action']} {r['target']}, by {r['who']} at {_when(r['at'])})"
    ),
)
register(PSRVersionRow, describe=lambda r: f"PSR {r['psr_id']} version {r['version']}")
# A response's status moves on (superseded, removed): the audit trail accounts for that.
register(
    ResponseRow,
    describe=lambda r: f"response {r['id']} ({r['filename']}, uploaded by {r['uploaded_by']})",
    exclude=("status", "superseded_by", "removed_at", "removed_by", "removed_reason"),
)

# --- the tables added after the chain (contracts, monitoring, reviews, the buyer's day) -----
register(
    ContractRow,
    describe=lambda r: f"contract schedule version {r['version']} ({r['status']}, {r['supplier']})",
)
register(MonitoringPlanRow, describe=lambda r: f"monitoring plan version {r['version']}")
register(
    MeasurementFileRow,
    describe=lambda r: f"measurement file {r['id']} ({r['filename']}, imported by {r['uploaded_by']})",
)
register(
    MeasurementCorrectionRow,
    describe=lambda r: f"correction of {r['field']} of measurement {r['record']} (by {r['who']})",
)
# A dispute is settled later, in place: the audit trail accounts for that (integrity replays it).
register(
    MeasurementDisputeRow,
    describe=lambda r: f"dispute {r['id']} on measurement {r['record']} (raised by the {r['party']})",
    exclude=("resolved_at", "resolved_by", "resolution"),
)
register(
    ServiceReviewRow,
    describe=lambda r: (
        f"service review entry {r['id']} ({r['period']}, {r['kind'].replace('_', '-')} by {r['by']})"
    ),
)
register(
    PSRChangeAckRow,
    describe=lambda r: f"acknowledgement of PSR version {r['version']} (by {r['acknowledged_by']})",
)
