"""Reading JSON from outside (a registry record, an ARS document): parsed only when it nests no deeper than
MAX_DEPTH arrays and objects, so a document of ten thousand `[` neither exhausts the parser's recursion nor reaches
code that walks it (a JSON-schema validator recurses once per level)."""

from __future__ import annotations

import json
from typing import Any

from service.errors import DataError

MAX_DEPTH = 64  # a ClinicalTrials.gov API v2 study nests 7 deep, a CDISC ARS ReportingEvent about 10
HINT = "A registry record or ARS document nests far less: check that this is the right file."


def load_untrusted_json(content: bytes, source: str) -> Any:
    """The document in `content`; DataError naming `source` when it is not UTF-8 JSON or nests too deep."""
    try:
        document = json.loads(content.decode("utf-8-sig"))
    except RecursionError:
        raise _too_deep(source) from None
    except (UnicodeDecodeError, ValueError) as exc:
        raise DataError(f"is not valid JSON: {exc}", file=source) from None
    if depth_of(document) > MAX_DEPTH:
        raise _too_deep(source)
    return document


def depth_of(document: Any) -> int:
    """How deep arrays and objects nest in `document` (a scalar is 0), found without recursion."""
    deepest = 0
    stack: list[tuple[Any, int]] = [(document, 0)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, dict):
            children: Any = value.values()
        elif isinstance(value, list):
            children = value
        else:
            continue
        deepest = max(deepest, depth + 1)
        if depth + 1 > MAX_DEPTH:
            return depth + 1
        stack.extend((child, depth + 1) for child in children)
    return deepest


def _too_deep(source: str) -> DataError:
    return DataError(f"nests arrays and objects deeper than {MAX_DEPTH} levels", file=source, hint=HINT)
