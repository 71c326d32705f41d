"""``opinion web``: serve the analysts' workspace until Ctrl-C or SIGTERM."""

from __future__ import annotations

import argparse
import os
import signal
import sys

from opinion_spiders.cli._common import with_runtime
from opinion_spiders.runtime import Runtime
from opinion_spiders.web import make_workspace_server


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8078, help="port (default 8078; 0: any free)")
    parser.add_argument("--token", default=os.environ.get("OPINION_WEB_TOKEN", ""),
                        help="access token, required when bound beyond loopback")  # fmt: skip


def serve(args: argparse.Namespace, runtime: Runtime) -> int:
    server = make_workspace_server(runtime.store, runtime.settings, args.host, args.port,
                                   args.token)  # fmt: skip
    host, port = str(server.server_address[0]), int(server.server_address[1])
    shown = f"http://{host}:{port}/" + (f"?token={args.token}" if args.token else "")
    print(f"opinion web: serving the workspace at {shown} (Ctrl-C stops)", flush=True)

    def stop(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop)
    try:
        server.serve_forever(poll_interval=0.2)
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
        print("opinion web: stopped", file=sys.stderr, flush=True)
    return 0


run = with_runtime(serve)
