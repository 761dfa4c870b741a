"""RFC 3161 client that keeps its HTTP connection and its size-estimate token between signings."""

from __future__ import annotations

import threading
from functools import lru_cache

import requests
from asn1crypto import tsp
from pyhanko.sign.timestamps import TimeStamper
from pyhanko.sign.timestamps.common_utils import TimestampRequestError, set_tsp_headers

__all__ = ["SessionTimeStamper", "timestamper_for"]


class SessionTimeStamper(TimeStamper):
    """A ``requests``-based TSA client with one keep-alive session per thread.

    pyHanko's default HTTP client opens a new aiohttp session (and TLS context) per event loop,
    i.e. per signature here, and a new client object would also re-fetch the dummy token used
    to size the signature. Reusing one client per URL avoids both.
    """

    def __init__(self, url: str, timeout: float = 10.0) -> None:
        super().__init__()
        self.url = url
        self.timeout = timeout
        self._local = threading.local()

    def _session(self) -> requests.Session:
        session = getattr(self._local, "session", None)
        if session is None:
            session = self._local.session = requests.Session()
        return session

    async def async_request_tsa_response(self, req: tsp.TimeStampReq) -> tsp.TimeStampResp:
        # Blocking on purpose: each signing runs its own short-lived event loop, and a thread
        # hop per request would cost more than it saves.
        try:
            res = self._session().post(self.url, data=req.dump(), timeout=self.timeout,
                                       headers=set_tsp_headers({}))
        except OSError as e:
            raise TimestampRequestError(f"Could not reach the TSA at {self.url}: {e}") from e
        if res.status_code != 200 or res.headers.get("Content-Type") != (
                "application/timestamp-reply"):
            raise TimestampRequestError(
                f"The TSA at {self.url} answered HTTP {res.status_code} "
                f"({res.headers.get('Content-Type')}), not a timestamp reply."
            )
        return tsp.TimeStampResp.load(res.content)


@lru_cache(maxsize=16)
def timestamper_for(url: str, timeout: float) -> SessionTimeStamper:
    """The shared client for a TSA URL."""
    return SessionTimeStamper(url, timeout)
