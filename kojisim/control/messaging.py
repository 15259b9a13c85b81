"""Koji's message-bus messages, as Fedora's koji-fedoramessaging plugin sends them.

Topics are ``org.fedoraproject.prod.buildsys.{task.state.change,tag,untag,repo.init,
repo.done,package.list.change}`` (another prefix may be given, so that several simulators
share a broker without hearing each other).  Like the plugin, task state changes are only
announced for top-level tasks of scratch builds.  Messages are always kept in a small in-memory log
(``sim.listMessages``); with an AMQP URL they are also published through fedora-messaging
from a background thread, so a slow or absent broker never delays the hub.
"""

from __future__ import annotations

import collections
import logging
import os
import queue
import tempfile
import threading
from pathlib import Path
from typing import Any

from kojisim.core.state import SimState
from kojisim.engine import tasks

log = logging.getLogger(__name__)

TOPIC_PREFIX = "org.fedoraproject.prod.buildsys."
_SCRUBBED = ("weight", "start_ts", "create_ts", "completion_ts")


class Publisher:
    """Turns state changes into messages and publishes them."""

    def __init__(
        self,
        state: SimState,
        base_url: str,
        files_url: str,
        amqp_url: str | None = None,
        topic_prefix: str = TOPIC_PREFIX,
    ) -> None:
        self.state = state
        self.topic_prefix = topic_prefix.rstrip(".") + "."
        self.base_url = base_url
        self.files_url = files_url
        self.amqp_url = amqp_url
        self.log: collections.deque[dict[str, Any]] = collections.deque(maxlen=1000)
        self.published = 0
        self._queue: queue.Queue[dict[str, Any] | None] = queue.Queue()
        self._thread: threading.Thread | None = None
        self._config_dir: tempfile.TemporaryDirectory[str] | None = None
        state.listeners.append(self.on_change)

    # -- message bodies -----------------------------------------------------------------------

    def on_change(self, kind: str, data: dict[str, Any]) -> None:
        body: dict[str, Any] | None = None
        topic = kind
        if kind == "task_state":
            topic, body = "task.state.change", self._task_body(data)
        elif kind in ("tag", "untag"):
            body = self._tag_body(data)
        elif kind == "repo_done":
            topic, body = "repo.done", self._repo_body(data)
        elif kind == "repo_init":
            topic, body = "repo.init", self._repo_body(data)
        if body is not None:
            body["base_url"] = self.base_url
            body["instance"] = "primary"
            self.emit(self.topic_prefix + topic, _scrub(body))

    def _task_body(self, data: dict[str, Any]) -> dict[str, Any] | None:
        task = self.state.tasks[data["task_id"]]
        if task.parent is not None or task.method != "build":
            return None
        opts = task.request[-1] if task.request and isinstance(task.request[-1], dict) else {}
        if not opts.get("scratch"):
            return None
        owner = self.state.users.get(task.owner_id)
        info = {
            "id": task.id,
            "method": task.method,
            "state": task.state,
            "parent": task.parent,
            "arch": task.arch,
            "label": task.label,
            "owner": owner.name if owner else None,
            "request": task.request,
            "url": f"{self.base_url}/koji/taskinfo?taskID={task.id}",
            "children": [
                {"id": c.id, "method": c.method, "arch": c.arch, "state": c.state}
                for c in tasks.children(self.state, task.id)
            ],
        }
        return {
            "files_base_url": self.files_url + "/work",
            "info": info,
            "method": task.method,
            "attribute": "state",
            "old": data["old"],
            "new": data["new"],
            "id": task.id,
            "parent": task.parent,
            "owner": info["owner"],
            "srpm": str(task.request[0]).split("/")[-1],
        }

    def _tag_body(self, data: dict[str, Any]) -> dict[str, Any]:
        tag = self.state.tags[data["tag_id"]]
        build = self.state.builds[data["build_id"]]
        user = self.state.users.get(data.get("user_id") or 0)
        owner = self.state.users.get(build.owner_id)
        return {
            "tag": tag.name,
            "tag_id": tag.id,
            "build_id": build.id,
            "name": build.name,
            "version": build.version,
            "release": build.release,
            "user": user.name if user else None,
            "owner": owner.name if owner else None,
        }

    def _repo_body(self, data: dict[str, Any]) -> dict[str, Any]:
        tag = self.state.tags[data["tag_id"]]
        return {"tag": tag.name, "tag_id": tag.id, "repo_id": data["repo_id"]}

    # -- delivery -------------------------------------------------------------------------

    def emit(self, topic: str, body: dict[str, Any]) -> None:
        message = {"topic": topic, "body": body, "ts": self.state.clock.now()}
        self.log.append(message)
        if self.amqp_url:
            self._start()
            self._queue.put(message)

    def _start(self) -> None:
        if self._thread is not None:
            return
        self._config_dir = tempfile.TemporaryDirectory(prefix="kojisim-fm-")
        config = Path(self._config_dir.name) / "config.toml"
        config.write_text(
            f'amqp_url = "{self.amqp_url}"\npublish_exchange = "amq.topic"\ntopic_prefix = ""\n'
        )
        os.environ["FEDORA_MESSAGING_CONF"] = str(config)
        self._thread = threading.Thread(target=self._run, name="kojisim-amqp", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        from fedora_messaging import api, config  # imported lazily: twisted/crochet are heavy

        config.conf.load_config(os.environ["FEDORA_MESSAGING_CONF"])
        while True:
            message = self._queue.get()
            if message is None:
                return
            try:
                api.publish(api.Message(topic=message["topic"], body=message["body"]), timeout=10)
                self.published += 1
            except Exception:  # a broken broker must not break the hub
                log.exception("publishing %s failed", message["topic"])

    def stop(self, timeout: float = 5.0) -> None:
        if self._thread is not None:
            self._queue.put(None)
            self._thread.join(timeout)
            self._thread = None
        if self._config_dir is not None:
            self._config_dir.cleanup()
            self._config_dir = None


def _scrub(obj: Any) -> Any:
    """Drop float timestamps, as the Fedora plugin does."""
    if isinstance(obj, list):
        return [_scrub(item) for item in obj]
    if isinstance(obj, dict):
        return {k: _scrub(v) for k, v in obj.items() if k not in _SCRUBBED}
    return obj
