"""Reading XML from outside (a PRS record download, a registry's ICTRP record, a file to validate): only a regular
file is read (registry.files), entities are never resolved, nothing is fetched from the network, a document that
declares entities is refused before anything uses it, so neither an external entity nor an entity-expansion bomb
can do harm, and elements nest no deeper than libxml2 allows without XML_PARSE_HUGE."""

from __future__ import annotations

from pathlib import Path

from lxml import etree

from registry.files import read_regular_file
from service.errors import DataError

MAX_BYTES = 64 * 1024 * 1024
MAX_DEPTH = 256  # libxml2's xmlParserMaxDepth when XML_PARSE_HUGE (lxml's huge_tree) is off


def parse_untrusted(path: Path) -> etree._ElementTree:
    return parse_untrusted_bytes(read_regular_file(path, MAX_BYTES), str(path))


def parse_untrusted_bytes(content: bytes, source: str) -> etree._ElementTree:
    if len(content) > MAX_BYTES:
        raise DataError(f"is larger than {MAX_BYTES // (1024 * 1024)} MB", file=source)
    parser = etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, dtd_validation=False, huge_tree=False
    )
    try:
        root = etree.fromstring(content, parser)
    except etree.XMLSyntaxError as exc:
        if "Excessive depth" in str(exc.msg):
            hint = "A registry record nests far less: check that this is the right file."
            raise DataError(f"nests elements deeper than {MAX_DEPTH} levels", file=source, hint=hint) from None
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
