"""A registry document as built: its root element and the warnings about fields stated by default."""

from __future__ import annotations

from dataclasses import dataclass, field

from lxml import etree


@dataclass
class Built:
    root: etree._Element
    warnings: list[str] = field(default_factory=list)

    def to_bytes(self) -> bytes:
        return etree.tostring(self.root, xml_declaration=True, encoding="UTF-8", pretty_print=True)
