"""scrapyd's JSON API over urllib, with errors that say what to check.

Three kinds of failure, because a 7×24 loop treats them differently: scrapyd is down or
slow (try again next cycle), scrapyd answered ``status: error`` (report its message), or the
address itself looks wrong (unknown host, HTTP 404/401, not JSON: caught at the first contact).
"""

from __future__ import annotations

import base64
import http.client
import json
import socket
import urllib.error
import urllib.parse
import urllib.request
from typing import Any

from opinion_spiders.errors import ConfigError

TIMEOUT = 30.0


class ScrapydError(Exception):
    """A scrapyd call failed; the message names the URL and what to check."""


class ScrapydDown(ScrapydError):
    """No answer: refused, timed out, reset, or a server error."""


class ScrapydRejected(ScrapydError):
    """scrapyd answered ``status: error`` (unknown project or spider, bad argument)."""


class ScrapydMisaddressed(ScrapydError):
    """The address or credentials look wrong: unknown host, HTTP 404 or 401, not scrapyd."""


class ScrapydAPI:
    """The base URL of one scrapyd; ``http://USER:PASSWORD@host:6800/`` for basic auth."""

    def __init__(self, url: str, timeout: float = TIMEOUT) -> None:
        parts = urllib.parse.urlsplit(url)
        try:
            port = parts.port
        except ValueError:
            port = -1
        if parts.scheme not in ("http", "https") or not parts.hostname or port == -1:
            example = "http://127.0.0.1:6800/"
            raise ConfigError("--scrapyd", url, f"use scrapyd's http(s):// URL, e.g. {example}")
        self.host = parts.hostname
        netloc = parts.netloc.rpartition("@")[2]
        path = parts.path if parts.path.endswith("/") else parts.path + "/"
        self.url = urllib.parse.urlunsplit((parts.scheme, netloc, path, "", ""))
        self.shown = self.url if parts.username is None else self.url.replace(
            "://", f"://{parts.username}:***@", 1
        )  # fmt: skip
        self.timeout = timeout
        self._auth = ""
        if parts.username is not None:
            pair = f"{urllib.parse.unquote(parts.username)}:"
            pair += urllib.parse.unquote(parts.password or "")
            self._auth = "Basic " + base64.b64encode(pair.encode("utf-8")).decode("ascii")

    def get(self, endpoint: str, **params: str) -> dict[str, Any]:
        query = f"?{urllib.parse.urlencode(params)}" if params else ""
        return self._call(endpoint, urllib.request.Request(self.url + endpoint + query))

    def post(self, endpoint: str, data: list[tuple[str, str]]) -> dict[str, Any]:
        body = urllib.parse.urlencode(data).encode("utf-8")
        request = urllib.request.Request(self.url + endpoint, data=body, method="POST")
        return self._call(endpoint, request)

    def _call(self, endpoint: str, request: urllib.request.Request) -> dict[str, Any]:
        if self._auth:
            request.add_header("Authorization", self._auth)
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                body = response.read()
        except urllib.error.HTTPError as exc:
            raise self._http_error(endpoint, exc.code) from None
        except urllib.error.URLError as exc:
            raise self._unreached(exc.reason) from None
        except (OSError, http.client.HTTPException) as exc:
            raise self._unreached(exc) from None
        try:
            answer = json.loads(body.decode("utf-8"))
        except ValueError:
            answer = None
        if not isinstance(answer, dict) or "status" not in answer:
            raise ScrapydMisaddressed(
                f"{self.shown}{endpoint} did not answer with scrapyd's JSON: "
                f"is {self.shown} scrapyd's address (e.g. http://127.0.0.1:6800/)?"
            )
        if answer["status"] != "ok":
            message = str(answer.get("message", answer))
            raise ScrapydRejected(f"scrapyd at {self.shown} refused {endpoint}: {message}")
        return answer

    def _http_error(self, endpoint: str, code: int) -> ScrapydError:
        if code == 404:
            return ScrapydMisaddressed(
                f"{self.shown}{endpoint} answered HTTP 404: is {self.shown} scrapyd's address "
                "(e.g. http://127.0.0.1:6800/)?"
            )
        if code in (401, 403):
            return ScrapydMisaddressed(
                f"scrapyd at {self.shown} wants credentials (HTTP {code}): give its username and "
                "password (scrapyd.conf) in the URL, http://USER:PASSWORD@host:6800/"
            )
        return ScrapydDown(
            f"scrapyd at {self.shown} answered {endpoint} with HTTP {code}: see scrapyd's log"
        )

    def _unreached(self, reason: object) -> ScrapydError:
        if isinstance(reason, socket.gaierror):
            return ScrapydMisaddressed(
                f"scrapyd at {self.shown}: {self.host!r} is not a known host name ({reason}); "
                "check the --scrapyd URL"
            )
        why = reason.strerror if isinstance(reason, OSError) and reason.strerror else reason
        return ScrapydDown(
            f"scrapyd at {self.shown} cannot be reached ({why or type(reason).__name__}): check "
            "that scrapyd is running and listens there (bind_address, http_port in scrapyd.conf)"
        )
