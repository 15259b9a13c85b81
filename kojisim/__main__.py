"""``python -m kojisim --scenario FILE --port N``: run the simulator until SIGTERM/SIGINT."""

from __future__ import annotations

import argparse
import logging
import signal
import sys
import tempfile
import threading
from pathlib import Path
from types import FrameType

from kojisim.control.messaging import TOPIC_PREFIX
from kojisim.hub.server import KojiSimServer, make_server
from kojisim.sim import Sim

log = logging.getLogger("kojisim")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m kojisim", description="A Koji hub simulator on loopback."
    )
    parser.add_argument(
        "--scenario",
        required=True,
        type=Path,
        help="scenario YAML/JSON file, or a repo directory with repodata/ and sources.json.gz",
    )
    parser.add_argument(
        "--port", type=int, default=0, help="port on 127.0.0.1 (0 picks a free one)"
    )
    parser.add_argument(
        "--amqp", metavar="URL", help="publish Koji bus messages to this AMQP broker"
    )
    parser.add_argument(
        "--topic-prefix",
        default=TOPIC_PREFIX,
        help=f"prefix of the messages' topics (default {TOPIC_PREFIX.rstrip('.')})",
    )
    parser.add_argument(
        "--seed", type=int, help="seed for random build failures (default: the scenario's)"
    )
    parser.add_argument(
        "--speed",
        type=float,
        default=1.0,
        help="simulated seconds per real second; 0 freezes the clock (default 1)",
    )
    parser.add_argument(
        "--compress",
        type=float,
        default=1.0,
        help="play the scenario's durations and timeline this many times faster while the "
        "clock keeps the wall time (default 1)",
    )
    parser.add_argument(
        "--state-dir", type=Path, help="where repos and logs live (default: a temporary directory)"
    )
    parser.add_argument(
        "--read-only",
        action="store_true",
        help="refuse every write call (builds, newRepo, tagging, ...) with ActionNotAllowed",
    )
    parser.add_argument("--tls-cert", help="serve HTTPS with this certificate (PEM)")
    parser.add_argument("--tls-key", help="private key of --tls-cert")
    parser.add_argument("--tls-ca", help="CA that signs client certificates (enables sslLogin)")
    parser.add_argument("--log-level", default="INFO", help="DEBUG logs one line per request")
    args = parser.parse_args(argv)
    if args.compress <= 0:
        parser.error(f"--compress must be positive, not {args.compress}")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    logging.basicConfig(
        level=getattr(logging, str(args.log_level).upper(), logging.INFO),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    tmp = None
    if args.state_dir is None:
        tmp = tempfile.TemporaryDirectory(prefix="kojisim-")
        args.state_dir = Path(tmp.name)
    args.state_dir.mkdir(parents=True, exist_ok=True)
    tls = (args.tls_cert, args.tls_key, args.tls_ca) if args.tls_cert else None
    scheme = "https" if tls else "http"
    server = make_server(args.port, tls)
    port = server.server_address[1]
    base = f"{scheme}://127.0.0.1:{port}"
    sim = Sim(
        args.scenario,
        args.state_dir.resolve(),
        f"{base}/kojihub",
        f"{base}/kojifiles",
        seed=args.seed,
        speed=args.speed,
        compress=args.compress,
        amqp_url=args.amqp,
        read_only=args.read_only,
        topic_prefix=args.topic_prefix,
    )
    server.sim = sim
    sim.start()
    try:
        _serve(server, base, args.state_dir)
    finally:
        server.server_close()
        sim.stop()
        if tmp is not None:
            tmp.cleanup()
    return 0


def _serve(server: KojiSimServer, base: str, state_dir: Path) -> None:
    """Serve until SIGTERM or SIGINT."""

    def stop(signum: int, frame: FrameType | None) -> None:
        log.info("signal %s: shutting down", signum)
        threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    log.info("kojisim serving %s/kojihub (topurl %s/kojifiles, state %s)", base, base, state_dir)
    print(f"kojisim listening on {base}/kojihub", flush=True)
    server.serve_forever(poll_interval=0.2)


if __name__ == "__main__":
    sys.exit(main())
