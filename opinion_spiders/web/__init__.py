"""``opinion web``: the analysts' workspace in a browser (see :mod:`.app`)."""

from __future__ import annotations

import ipaddress
import logging
import socketserver
from collections.abc import Mapping
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from opinion_spiders.errors import ConfigError
from opinion_spiders.stores.base import Store
from opinion_spiders.web.app import Workspace

__all__ = ["Workspace", "check_binding", "make_workspace_server"]
logger = logging.getLogger(__name__)


class _ThreadingServer(socketserver.ThreadingMixIn, WSGIServer):
    daemon_threads = True


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base's name
        logger.debug("web: " + format, *args)


def check_binding(host: str, token: str) -> None:
    """Loopback needs no token; any other address does."""
    try:
        loopback = ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = host == "localhost"
    if not loopback and not token:
        raise ConfigError(
            "opinion web", f"--host {host}",
            "the workspace shows every stored post: bound beyond this machine it needs "
            "--token (or OPINION_WEB_TOKEN)",
        )  # fmt: skip


def make_workspace_server(
    store: Store, settings: Mapping[str, Any], host: str, port: int, token: str = ""
) -> WSGIServer:
    check_binding(host, token)
    app = Workspace(store, settings, token)
    return make_server(host, port, app, server_class=_ThreadingServer,
                       handler_class=_QuietHandler)  # fmt: skip
