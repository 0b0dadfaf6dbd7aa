"""What every reader returns, and the one signature they share."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from ...models import ImportJob


@dataclass
class Source:
    rows: Iterator[tuple[int, dict]]  # (line or row number, row)
    total: int | None
    unit: str  # "line" or "row"
    # The same rows as Arrow column blocks (columns.Block), for the readers that have
    # them (parquet, JSONL); the job reads these instead of `rows` then.
    blocks: Iterator | None = None


class Reader(Protocol):
    def __call__(self, job: ImportJob, skip: int) -> Source:
        """The job's source as a stream of rows, the first `skip` of them passed over (a
        resumed job skips the rows it committed). Raises SourceError when the source
        cannot be opened at all; the stream raises BadRow (or SourceError) at the first
        line or row it cannot read."""
        ...


def wanted_columns(mapping: dict) -> list[str]:
    cols = list(mapping["fields"].values()) + list(mapping["metadata"])
    cols += list(mapping["suggestions"].values())
    cols += list((mapping.get("suggestion_agents") or {}).values())
    cols += list((mapping.get("suggestion_scores") or {}).values())
    cols += list((mapping.get("gold") or {}).values())
    if mapping["external_id"]:
        cols.append(mapping["external_id"])
    return list(dict.fromkeys(cols))
