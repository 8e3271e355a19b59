"""Fetching a record from a registry's API: a timeout on every attempt, a bounded number of retries for transient
failures only (a timeout, a refused connection, HTTP 429 or 5xx), and a size limit enforced while reading, so a
huge or endless answer is cut off rather than held in memory."""

from __future__ import annotations

import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass

from service.errors import RegistryError

DEFAULT_API = "https://clinicaltrials.gov/api/v2"
MAX_RECORD_BYTES = 16 * 1024 * 1024


@dataclass(frozen=True)
class FetchPolicy:
    timeout_seconds: float = 30.0
    retries: int = 2  # attempts after the first
    backoff_seconds: float = 1.0  # doubled after each failed attempt
    max_bytes: int = MAX_RECORD_BYTES


def fetch_bytes(url: str, policy: FetchPolicy = FetchPolicy(), sleep: Callable[[float], None] = time.sleep) -> bytes:
    """The body at `url`; RegistryError(permanent=False) when every attempt failed transiently, permanent for a
    4xx answer or a body over the size limit."""
    last = ""
    for attempt in range(policy.retries + 1):
        if attempt:
            sleep(policy.backoff_seconds * 2 ** (attempt - 1))
        try:
            request = urllib.request.Request(url, headers={"Accept": "application/json, application/xml"})
            with urllib.request.urlopen(request, timeout=policy.timeout_seconds) as response:
                declared = response.headers.get("Content-Length")
                if declared is not None and declared.isdigit() and int(declared) > policy.max_bytes:
                    raise RegistryError(f"{url}: the record is {declared} bytes, over the {policy.max_bytes} limit")
                body = response.read(policy.max_bytes + 1)
                if len(body) > policy.max_bytes:
                    raise RegistryError(f"{url}: the record is over the {policy.max_bytes}-byte limit")
                return bytes(body)
        except urllib.error.HTTPError as exc:
            if exc.code == 429 or exc.code >= 500:
                last = f"HTTP {exc.code}"
                continue
            if exc.code == 404:
                raise RegistryError(f"{url}: no such record (HTTP 404)") from None
            raise RegistryError(f"{url}: HTTP {exc.code} {exc.reason}") from None
        except (urllib.error.URLError, TimeoutError, ConnectionError) as exc:
            last = str(getattr(exc, "reason", exc)) or type(exc).__name__
            continue
    raise RegistryError(f"{url}: no answer after {policy.retries + 1} attempts ({last})", permanent=False)


def study_url(api: str, nct_id: str) -> str:
    return f"{api.rstrip('/')}/studies/{nct_id}"
