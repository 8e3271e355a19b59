"""What an upload will change in PRS: the downloaded record against the record to upload, section by section of
its results (rrs:result), and whether the protocol section is untouched."""

from __future__ import annotations

import difflib

from lxml import etree

from registry.ctgov.build import RRS

_RESULT = f"{{{RRS}}}result"


def describe_changes(before: etree._Element, after: etree._Element) -> list[str]:
    """One line per results section (added, removed, changed with how many lines, unchanged), then the protocol."""
    old_study, new_study = before.find("clinical_study"), after.find("clinical_study")
    old = _sections(old_study.find(_RESULT) if old_study is not None else None)
    new = _sections(new_study.find(_RESULT) if new_study is not None else None)
    lines = []
    for name in dict.fromkeys([*new, *old]):
        if name not in old:
            lines.append(f"results: {name}: added ({len(new[name])} lines)")
        elif name not in new:
            lines.append(f"results: {name}: removed")
        elif old[name] != new[name]:
            changed = sum(1 for line in difflib.unified_diff(old[name], new[name], lineterm="", n=0)
                          if line[:1] in "+-" and not line.startswith(("+++", "---")))  # fmt: skip
            lines.append(f"results: {name}: changed ({changed} lines differ)")
        else:
            lines.append(f"results: {name}: unchanged")
    protocol_same = _protocol(old_study) == _protocol(new_study)
    lines.append("protocol section: unchanged" if protocol_same else "protocol section: CHANGED")
    return lines


def _sections(result: etree._Element | None) -> dict[str, list[str]]:
    if result is None:
        return {}
    return {etree.QName(child).localname: _lines(child) for child in result if isinstance(child.tag, str)}


def _protocol(study: etree._Element | None) -> list[str]:
    if study is None:
        return []
    return [line for child in study if isinstance(child.tag, str) and child.tag != _RESULT for line in _lines(child)]


def _lines(element: etree._Element) -> list[str]:
    copy = etree.fromstring(etree.tostring(element))
    for node in copy.iter():
        if node.text is not None and not node.text.strip():
            node.text = None
        if node.tail is not None and not node.tail.strip():
            node.tail = None
    return etree.tostring(copy, pretty_print=True, encoding="unicode").splitlines()
