"""Small helpers shared by the simulator: Koji time strings, NVR parsing, query options."""

from __future__ import annotations

import datetime
import fnmatch
from collections.abc import Iterable, Mapping
from typing import Any

import koji

Row = dict[str, Any]


def koji_time(ts: float | None) -> str | None:
    """Format a timestamp the way Koji's hub returns timestamptz columns."""
    if ts is None:
        return None
    return datetime.datetime.fromtimestamp(ts, tz=datetime.UTC).isoformat(" ")


def parse_time(value: float | int | str) -> float:
    """Accept seconds since the epoch or an ISO string, as Koji's time filters do."""
    if isinstance(value, int | float):
        return float(value)
    parsed = datetime.datetime.fromisoformat(value.strip())
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=datetime.UTC)
    return parsed.timestamp()


def canon_arch(arch: str) -> str:
    """Koji's canonical arch (i686 -> i386, armv7hl -> armhfp, ...)."""
    return str(koji.canonArch(arch))


def split_arches(arches: str | Iterable[str] | None) -> list[str]:
    """Normalise a space/comma separated arch string or list."""
    if arches is None:
        return []
    if isinstance(arches, str):
        return arches.replace(",", " ").split()
    return [str(a) for a in arches]


def parse_nvr(nvr: str) -> dict[str, str]:
    """Split N-V-R (raises koji.GenericError on bad input, like the hub)."""
    return dict(koji.parse_NVR(nvr))


def parse_nvra(nvra: str) -> dict[str, str]:
    """Split N-V-R.A (raises koji.GenericError on bad input, like the hub)."""
    return dict(koji.parse_NVRA(nvra))


def glob_match(pattern: str | None, value: str) -> bool:
    """Shell-style match; a missing pattern matches everything."""
    return pattern is None or fnmatch.fnmatchcase(value, pattern)


def _sort_key(field: str) -> Any:
    def key(row: Mapping[str, Any]) -> tuple[bool, Any]:
        value = row.get(field)
        # PostgreSQL sorts NULL after everything else
        return (value is None, value if value is not None else 0)

    return key


def apply_query_opts(rows: list[Row], opts: Mapping[str, Any] | None) -> Any:
    """Apply Koji's queryOpts (order, offset, limit, countOnly, asList) to result rows."""
    if not opts:
        return rows
    if opts.get("countOnly"):
        return len(rows)
    order = opts.get("order")
    if order:
        for field in reversed(str(order).split(",")):
            field = field.strip()
            reverse = field.startswith("-")
            rows = sorted(rows, key=_sort_key(field.lstrip("-")), reverse=reverse)
    offset = opts.get("offset")
    if offset:
        rows = rows[int(offset) :]
    limit = opts.get("limit")
    if limit is not None:
        rows = rows[: int(limit)]
    if opts.get("asList"):
        return [list(row.values()) for row in rows]
    return rows
