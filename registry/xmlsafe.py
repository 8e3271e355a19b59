"""Reading XML from outside (a PRS record download, a registry's ICTRP record, a file to validate): entities
are never resolved, nothing is fetched from the network, and a document that declares entities is refused
before anything uses it, so neither an external entity nor an entity-expansion bomb can do harm."""

from __future__ import annotations

from pathlib import Path

from lxml import etree

from service.errors import DataError

MAX_BYTES = 64 * 1024 * 1024


def parse_untrusted(path: Path) -> etree._ElementTree:
    try:
        content = path.read_bytes()
    except OSError as exc:
        raise DataError(f"cannot be read: {exc.strerror}", file=str(path)) from None
    return parse_untrusted_bytes(content, str(path))


def parse_untrusted_bytes(content: bytes, source: str) -> etree._ElementTree:
    if len(content) > MAX_BYTES:
        raise DataError(f"is larger than {MAX_BYTES // (1024 * 1024)} MB", file=source)
    parser = etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, dtd_validation=False, huge_tree=False
    )
    try:
        root = etree.fromstring(content, parser)
    except etree.XMLSyntaxError as exc:
        raise DataError(f"is not well-formed XML: {exc.msg} (line {exc.lineno})", file=source, row=exc.lineno) from None
    tree = root.getroottree()
    dtd = tree.docinfo.internalDTD
    if dtd is not None and any(True for _ in dtd.iterentities()):
        raise DataError(
            "declares XML entities in its DOCTYPE, which regsync refuses (an external entity can read files or "
            "the network, and nested entities can expand without bound)",
            file=source,
            hint="Remove the <!ENTITY …> declarations; registry XML does not need them.",
        )
    return tree
