"""``python -m kojisim.ctl --url URL COMMAND ...``: drive a running simulator through sim.*."""

from __future__ import annotations

import argparse
import json
import sys
import xmlrpc.client
from collections.abc import Callable
from pathlib import Path
from typing import Any

Handler = Callable[[Any, argparse.Namespace], Any]


def _build_opts(args: argparse.Namespace) -> dict[str, Any]:
    opts: dict[str, Any] = {}
    for key in ("version", "release", "epoch", "tag"):
        if getattr(args, key) is not None:
            opts[key] = getattr(args, key)
    if args.untagged:
        opts["untagged"] = True
    if args.build_requires is not None:
        opts["build_requires"] = args.build_requires
    return opts


def _host_fields(args: argparse.Namespace) -> dict[str, Any]:
    fields = {
        "ready": args.ready,
        "enabled": args.enabled,
        "capacity": args.capacity,
        "task_load": args.task_load,
    }
    return {k: v for k, v in fields.items() if v is not None}


def _fault_spec(args: argparse.Namespace) -> dict[str, Any]:
    spec = {
        "kind": args.kind,
        "method": args.method,
        "path": args.path,
        "count": args.count,
        "delay": args.delay,
        "code": args.code,
        "string": args.string,
    }
    return {k: v for k, v in spec.items() if v is not None}


COMMANDS: dict[str, tuple[str, Handler]] = {
    "status": ("show the simulator's state", lambda p, a: p.sim.status()),
    "advance": (
        "advance the simulated clock by SECONDS",
        lambda p, a: p.sim.advanceClock(a.seconds),
    ),
    "speed": ("set simulated seconds per real second", lambda p, a: p.sim.setSpeed(a.speed)),
    "finish": (
        "run tasks to completion now",
        lambda p, a: p.sim.finishTasks(a.task_ids or None, a.outcome),
    ),
    "new-build": (
        "make and tag a new build of PACKAGE",
        lambda p, a: p.sim.newBuild(a.package, _build_opts(a)),
    ),
    "tag-build": ("tag BUILD into TAG", lambda p, a: p.sim.tagBuild(a.tag, a.build)),
    "untag-build": ("untag BUILD from TAG", lambda p, a: p.sim.untagBuild(a.tag, a.build)),
    "block": ("block PACKAGE in TAG", lambda p, a: p.sim.packageList(a.tag, a.package, "block")),
    "unblock": (
        "unblock PACKAGE in TAG",
        lambda p, a: p.sim.packageList(a.tag, a.package, "unblock"),
    ),
    "add-package": (
        "add PACKAGE to TAG's package list",
        lambda p, a: p.sim.packageList(a.tag, a.package, "add"),
    ),
    "group-package": (
        "change a comps group of TAG",
        lambda p, a: p.sim.groupPackage(a.tag, a.group, a.package, a.action),
    ),
    "regen-repo": ("create a new repo for TAG", lambda p, a: p.sim.regenRepo(a.tag, not a.no_wait)),
    "load-snapshot": (
        "move the distribution to the snapshot in DIR and make a new repo",
        lambda p, a: p.sim.loadSnapshot(str(Path(a.dir).resolve()), not a.no_wait),
    ),
    "set-host": ("change a build host", lambda p, a: p.sim.setHost(a.host, _host_fields(a))),
    "fault": ("inject a fault", lambda p, a: p.sim.addFault(_fault_spec(a))),
    "clear-faults": ("remove injected faults", lambda p, a: p.sim.clearFaults(a.fault_id)),
    "faults": ("list injected faults", lambda p, a: p.sim.listFaults()),
    "corrupt-repo": (
        "damage a repodata file on disk",
        lambda p, a: p.sim.corruptRepodata(
            a.repo_id, a.arch, a.file, "truncate" if a.truncate else "corrupt"
        ),
    ),
    "expire-sessions": ("expire login sessions", lambda p, a: p.sim.expireSessions(a.user)),
    "messages": ("show recent bus messages", lambda p, a: p.sim.listMessages(a.topic, a.limit)),
}


POSITIONAL: dict[str, list[tuple[str, type]]] = {
    "advance": [("seconds", float)],
    "speed": [("speed", float)],
    "new-build": [("package", str)],
    "tag-build": [("tag", str), ("build", str)],
    "untag-build": [("tag", str), ("build", str)],
    "block": [("tag", str), ("package", str)],
    "unblock": [("tag", str), ("package", str)],
    "add-package": [("tag", str), ("package", str)],
    "regen-repo": [("tag", str)],
    "load-snapshot": [("dir", str)],
    "group-package": [("tag", str), ("group", str), ("package", str)],
    "set-host": [("host", str)],
    "fault": [("kind", str)],
    "corrupt-repo": [("repo_id", int)],
}

OPTIONS: dict[str, list[tuple[tuple[str, ...], dict[str, Any]]]] = {
    "finish": [
        (("task_ids",), {"nargs": "*", "type": int}),
        (("--outcome",), {"choices": ["CLOSED", "FAILED"]}),
    ],
    "new-build": [
        (("--version",), {}),
        (("--release",), {}),
        (("--epoch",), {"type": int}),
        (("--tag",), {}),
        (("--untagged",), {"action": "store_true"}),
        (("--build-requires",), {"nargs": "*"}),
    ],
    "group-package": [(("--action",), {"default": "add", "choices": ["add", "block", "remove"]})],
    "regen-repo": [(("--no-wait",), {"action": "store_true"})],
    "load-snapshot": [(("--no-wait",), {"action": "store_true"})],
    "set-host": [
        (("--ready",), {"dest": "ready", "action": "store_const", "const": True}),
        (("--not-ready",), {"dest": "ready", "action": "store_const", "const": False}),
        (("--enable",), {"dest": "enabled", "action": "store_const", "const": True}),
        (("--disable",), {"dest": "enabled", "action": "store_const", "const": False}),
        (("--capacity",), {"type": float}),
        (("--task-load",), {"type": float}),
    ],
    "fault": [
        (("--method",), {}),
        (("--path",), {}),
        (("--count",), {"type": int}),
        (("--delay",), {"type": float}),
        (("--code",), {"type": int}),
        (("--string",), {}),
    ],
    "clear-faults": [(("fault_id",), {"nargs": "?", "type": int})],
    "corrupt-repo": [
        (("--arch",), {}),
        (("--file",), {"default": "primary"}),
        (("--truncate",), {"action": "store_true"}),
    ],
    "expire-sessions": [(("user",), {"nargs": "?"})],
    "messages": [(("--topic",), {}), (("--limit",), {"type": int, "default": 20})],
}


def _arguments(name: str, sub: argparse.ArgumentParser) -> None:
    for arg, kind in POSITIONAL.get(name, []):
        sub.add_argument(arg, type=kind)
    for flags, kwargs in OPTIONS.get(name, []):
        sub.add_argument(*flags, **kwargs)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m kojisim.ctl", description="Control a running kojisim."
    )
    parser.add_argument(
        "--url", required=True, help="the simulator's hub URL, e.g. http://127.0.0.1:8080/kojihub"
    )
    subs = parser.add_subparsers(dest="command", required=True)
    for name, (help_text, _handler) in COMMANDS.items():
        _arguments(name, subs.add_parser(name, help=help_text))
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    proxy = xmlrpc.client.ServerProxy(args.url, allow_none=True)
    try:
        result = COMMANDS[args.command][1](proxy, args)
    except xmlrpc.client.Fault as fault:
        print(f"error: {fault.faultString}", file=sys.stderr)
        return 1
    except OSError as exc:
        print(f"error: cannot reach {args.url}: {exc}", file=sys.stderr)
        return 2
    print(json.dumps(result, indent=2, sort_keys=True, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
