"""Fetching a record from a registry's API: a deadline on every request (connecting to the last byte), one for the
whole run (every attempt and every wait between them), a bounded number of retries for transient failures only (a
timeout, a refused connection, HTTP 429 or 5xx), a size limit enforced while reading, so a huge or endless answer
is cut off rather than held in memory, and redirects followed only on the API's own scheme, host and port."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from registry.http import DeadlinePassed, send
from service.errors import RegistryError

DEFAULT_API = "https://clinicaltrials.gov/api/v2"
MAX_RECORD_BYTES = 16 * 1024 * 1024
REDIRECTS = 3  # within the API's origin
ACCEPT = {"Accept": "application/json, application/xml"}


@dataclass(frozen=True)
class FetchPolicy:
    timeout_seconds: float = 30.0  # one request, from connecting to the last byte
    retries: int = 2  # attempts after the first
    backoff_seconds: float = 1.0  # doubled after each failed attempt
    max_bytes: int = MAX_RECORD_BYTES
    run_deadline: float | None = None  # time.monotonic() by which the run's every request must be done


def fetch_bytes(url: str, policy: FetchPolicy = FetchPolicy(), sleep: Callable[[float], None] = time.sleep) -> bytes:
    """The body at `url`; RegistryError(permanent=False) when every attempt failed transiently or the run's time
    ran out, permanent for a 4xx answer, a redirect off the API's host or a body over the size limit."""
    last = ""
    for attempt in range(policy.retries + 1):
        if attempt:
            wait = policy.backoff_seconds * 2 ** (attempt - 1)
            if policy.run_deadline is not None and time.monotonic() + wait >= policy.run_deadline:
                raise DeadlinePassed(f"{url}: the run's time for registry requests ran out after {attempt} "
                                     f"attempt(s) ({last})")  # fmt: skip
            sleep(wait)
        deadline = time.monotonic() + policy.timeout_seconds
        if policy.run_deadline is not None:
            if time.monotonic() >= policy.run_deadline:
                raise DeadlinePassed(f"{url}: the run's time for registry requests ran out")
            deadline = min(deadline, policy.run_deadline)
        try:
            answer = send("GET", url, deadline=deadline, max_bytes=policy.max_bytes, headers=ACCEPT,
                          same_origin_redirects=REDIRECTS)  # fmt: skip
        except DeadlinePassed:
            last = f"no complete answer within {policy.timeout_seconds:g} s"
            if policy.run_deadline is not None and time.monotonic() >= policy.run_deadline:
                raise DeadlinePassed(f"{url}: the run's time for registry requests ran out ({last})") from None
            continue
        except RegistryError as exc:
            if exc.permanent:
                raise
            last = str(exc).removeprefix(f"{url}: ")
            continue
        if answer.status == 200:
            return answer.body
        if answer.status == 429 or answer.status >= 500:
            last = f"HTTP {answer.status}"
            continue
        if answer.status == 404:
            raise RegistryError(f"{url}: no such record (HTTP 404)")
        raise RegistryError(f"{url}: HTTP {answer.status} {answer.reason}")
    raise RegistryError(f"{url}: no answer after {policy.retries + 1} attempts ({last})", permanent=False)


def study_url(api: str, nct_id: str) -> str:
    return f"{api.rstrip('/')}/studies/{nct_id}"
