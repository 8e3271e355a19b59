"""Checking an ICTRP record against the mended 2017 WHO DTD and the ICTRP XSD, with messages that name the
element and say what to fix."""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

from lxml import etree

from registry.xmlsafe import parse_untrusted
from service.problems import Problem
from service.resources import schemas_dir


@cache
def dtd_2017() -> etree.DTD:
    return etree.DTD(str(schemas_dir("registry.irct") / "who_ictrp_2017.dtd"))


@cache
def xsd() -> etree.XMLSchema:
    parser = etree.XMLParser(resolve_entities=False, no_network=True)
    return etree.XMLSchema(etree.parse(str(schemas_dir("registry.irct") / "who_ictrp.xsd"), parser))


def validate_record(root: etree._Element) -> list[Problem]:
    problems = []
    dtd = dtd_2017()
    if not dtd.validate(root):
        problems += [_finding("2017 DTD", e) for e in dtd.error_log]  # type: ignore[attr-defined]
    schema = xsd()
    if not schema.validate(root):
        problems += [_finding("ICTRP XSD", e) for e in schema.error_log]  # type: ignore[attr-defined]
    return problems


def validate_irct_file(path: Path) -> list[Problem]:
    return validate_record(parse_untrusted(path).getroot())


def _finding(layer: str, error: object) -> Problem:
    message = str(getattr(error, "message", error))
    match = re.search(r"[Ee]lement '?([\w:]+)'?", message)
    element = match.group(1) if match else "trials"
    advice = ""
    if "not expected" in message or "does not follow the DTD" in message:
        advice = " — put the elements in the order the DTD gives, and include every required one (empty if unknown)"
    elif "length" in message:
        advice = " — shorten the text"
    elif "No declaration" in message or "not declared" in message:
        advice = " — remove it; the ICTRP format has no such element or attribute"
    line = int(getattr(error, "line", 0) or 0)
    return Problem(f"{layer}, line {line}, element <{element}>", message + advice)
