"""Writing the upload's elements: a child, a child with text (none for an empty value), a number."""

from __future__ import annotations

from lxml import etree


def sub(parent: etree._Element, tag: str, **attributes: str) -> etree._Element:
    return etree.SubElement(parent, tag, **attributes)


def text(parent: etree._Element, tag: str, value: str | None) -> None:
    if value is not None and str(value) != "":
        etree.SubElement(parent, tag).text = str(value)


def num(value: float | None) -> str:
    """A computed number to 4 decimals, trailing zeros dropped; NA for none."""
    if value is None:
        return "NA"
    rendered = f"{value:.4f}".rstrip("0").rstrip(".")
    return "0" if rendered in ("-0", "") else rendered
