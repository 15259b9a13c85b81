"""Fault injection: latency, XML-RPC faults, HTTP 500, dropped connections, bad repodata.

Each rule matches XML-RPC calls by method name (shell glob; for ``multiCall`` the inner
methods count too) or file downloads by path, and fires ``count`` times (-1 = forever):

- ``latency``: sleep ``delay`` seconds before answering;
- ``fault``: answer an XML-RPC fault (``code``, ``string``) instead of running the call; inside
  a multicall only the matching inner call fails;
- ``http500``: answer HTTP 500 without running the call;
- ``drop``: close the connection without running the call or answering;
- ``drop_after``: run the call (its effects stay) and close the connection without answering;
- ``corrupt`` / ``truncate``: serve a damaged copy of a matching file.

The simulator's own ``sim.*`` calls are matched only by rules naming them (a pattern that
starts with ``sim.``), so a ``*`` rule never stops the faults from being cleared.  Every
firing is counted by kind (``fired``), rules spent or cleared included.
"""

from __future__ import annotations

import fnmatch
import itertools
import threading
from collections import Counter
from dataclasses import asdict, dataclass
from typing import Any

KINDS = ("latency", "fault", "http500", "drop", "drop_after", "corrupt", "truncate")
REQUEST_ACTIONS = ("http500", "drop", "drop_after", "fault")


@dataclass
class FaultRule:
    id: int
    kind: str
    method: str | None = None
    path: str | None = None
    count: int = 1
    delay: float = 0.0
    code: int = 1001
    string: str = "Simulated fault"
    hits: int = 0

    def matches_method(self, method: str) -> bool:
        if self.method is None:
            return False
        if method.startswith("sim.") and not self.method.startswith("sim."):
            return False
        return fnmatch.fnmatchcase(method, self.method)

    def matches_path(self, path: str) -> bool:
        return self.path is not None and fnmatch.fnmatchcase(
            path.lstrip("/"), self.path.lstrip("/")
        )

    @property
    def live(self) -> bool:
        return self.count < 0 or self.hits < self.count


class FaultInjector:
    """The active fault rules (thread safe)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._rules: list[FaultRule] = []
        self._ids = itertools.count(1)
        self._fired: Counter[str] = Counter()

    def add(self, spec: dict[str, Any]) -> FaultRule:
        kind = str(spec.get("kind", ""))
        if kind not in KINDS:
            raise ValueError(f"unknown fault kind {kind!r} (expected one of {', '.join(KINDS)})")
        if spec.get("method") is None and spec.get("path") is None:
            spec = {**spec, "method" if kind not in ("corrupt", "truncate") else "path": "*"}
        rule = FaultRule(
            id=next(self._ids),
            kind=kind,
            method=spec.get("method"),
            path=spec.get("path"),
            count=int(spec.get("count", 1)),
            delay=float(spec.get("delay", 0.0)),
            code=int(spec.get("code", 1001)),
            string=str(spec.get("string", "Simulated fault")),
        )
        with self._lock:
            self._rules.append(rule)
        return rule

    def clear(self, rule_id: int | None = None) -> int:
        with self._lock:
            before = len(self._rules)
            self._rules = [r for r in self._rules if rule_id is not None and r.id != rule_id]
            return before - len(self._rules)

    def rules(self) -> list[dict[str, Any]]:
        with self._lock:
            return [asdict(r) for r in self._rules if r.live]

    def fired(self) -> dict[str, int]:
        """How many times each kind of fault fired since the simulator started."""
        with self._lock:
            return dict(self._fired)

    def _take(self, rule: FaultRule) -> FaultRule:
        rule.hits += 1
        self._fired[rule.kind] += 1
        return rule

    def for_request(self, method: str, inner: list[str]) -> tuple[float, FaultRule | None]:
        """(latency, action) for an XML-RPC request; ``inner`` are a multicall's methods."""
        latency = 0.0
        action: FaultRule | None = None
        names = [method, *inner]
        with self._lock:
            for rule in self._rules:
                if not rule.live or not any(rule.matches_method(n) for n in names):
                    continue
                if rule.kind == "latency":
                    latency += self._take(rule).delay
                elif rule.kind in REQUEST_ACTIONS and action is None:
                    if rule.kind == "fault" and not rule.matches_method(method):
                        continue  # only the inner call fails, see for_call
                    action = self._take(rule)
        return latency, action

    def for_call(self, method: str) -> FaultRule | None:
        """A fault for one call inside a multicall."""
        with self._lock:
            for rule in self._rules:
                if rule.live and rule.kind == "fault" and rule.matches_method(method):
                    return self._take(rule)
        return None

    def for_file(self, path: str) -> tuple[float, FaultRule | None]:
        """(latency, action) for a file download."""
        latency = 0.0
        action: FaultRule | None = None
        with self._lock:
            for rule in self._rules:
                if not rule.live or not rule.matches_path(path):
                    continue
                if rule.kind == "latency":
                    latency += self._take(rule).delay
                elif rule.kind in ("corrupt", "truncate", "http500", "drop") and action is None:
                    action = self._take(rule)
        return latency, action
