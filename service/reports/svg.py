"""A small SVG writer for the report's figures. Every label is a text node or attribute set through lxml, so
report content (a site name, an AE term) is escaped as data and can never become markup."""

from __future__ import annotations

from collections.abc import Sequence

from lxml import etree
from markupsafe import Markup

SVG_NS = "http://www.w3.org/2000/svg"
FONT = "Report Sans"
MARKERS = ("circle", "square", "triangle", "diamond", "inverted triangle")


class Canvas:
    def __init__(self, width: float, height: float, title: str) -> None:
        self.root = etree.Element(
            f"{{{SVG_NS}}}svg",
            nsmap={None: SVG_NS},
            width=f"{width:g}",
            height=f"{height:g}",
            viewBox=f"0 0 {width:g} {height:g}",
            role="img",
        )
        self.root.set("font-family", FONT)
        self.root.set("font-size", "8")
        etree.SubElement(self.root, f"{{{SVG_NS}}}title").text = title

    def line(
        self,
        x1: float,
        y1: float,
        x2: float,
        y2: float,
        stroke: str = "#444",
        width: float = 0.8,
        dash: str | None = None,
    ) -> None:
        element = self._add("line", x1=_n(x1), y1=_n(y1), x2=_n(x2), y2=_n(y2), stroke=stroke)
        element.set("stroke-width", _n(width))
        if dash:
            element.set("stroke-dasharray", dash)

    def polyline(
        self, points: Sequence[tuple[float, float]], stroke: str, width: float = 1.4, dash: str | None = None
    ) -> None:
        element = self._add(
            "polyline", points=" ".join(f"{_n(x)},{_n(y)}" for x, y in points), fill="none", stroke=stroke
        )
        element.set("stroke-width", _n(width))
        if dash:
            element.set("stroke-dasharray", dash)

    def rect(self, x: float, y: float, width: float, height: float, fill: str = "#fff", stroke: str = "#444") -> None:
        self._add("rect", x=_n(x), y=_n(y), width=_n(width), height=_n(height), fill=fill, stroke=stroke)

    def circle(self, x: float, y: float, r: float, fill: str, stroke: str | None = None) -> None:
        self._add("circle", cx=_n(x), cy=_n(y), r=_n(r), fill=fill, stroke=stroke or fill)

    def diamond(self, x: float, y: float, r: float, fill: str) -> None:
        points = f"{_n(x)},{_n(y - r)} {_n(x + r)},{_n(y)} {_n(x)},{_n(y + r)} {_n(x - r)},{_n(y)}"
        self._add("polygon", points=points, fill=fill, stroke=fill)

    def set_height(self, height: float) -> None:
        """For a figure whose height is known only once it is drawn."""
        self.root.set("height", f"{height:g}")
        self.root.set("viewBox", f"0 0 {self.root.get('width')} {height:g}")

    def marker(self, shape: str, x: float, y: float, r: float, fill: str) -> None:
        """One of MARKERS, centred on (x, y): what tells comparisons apart where colour may not (a masked edition)."""
        if shape == "circle":
            self.circle(x, y, r, fill)
        elif shape == "diamond":
            self.diamond(x, y, r * 1.2, fill)
        else:
            corners = {
                "square": ((-0.85, -0.85), (0.85, -0.85), (0.85, 0.85), (-0.85, 0.85)),
                "triangle": ((0, -1.1), (1, 0.75), (-1, 0.75)),
                "inverted triangle": ((0, 1.1), (1, -0.75), (-1, -0.75)),
            }[shape]
            points = " ".join(f"{_n(x + r * dx)},{_n(y + r * dy)}" for dx, dy in corners)
            self._add("polygon", points=points, fill=fill, stroke=fill)

    def text(
        self,
        x: float,
        y: float,
        content: str,
        anchor: str = "start",
        size: float | None = None,
        bold: bool = False,
        fill: str = "#111",
    ) -> None:
        element = self._add("text", x=_n(x), y=_n(y), fill=fill)
        element.set("text-anchor", anchor)
        if size is not None:
            element.set("font-size", _n(size))
        if bold:
            element.set("font-weight", "bold")
        element.text = content

    def markup(self) -> Markup:
        """The figure as inline SVG for the template (built above from escaped text, so safe to insert)."""
        return Markup(etree.tostring(self.root, encoding="unicode"))

    def _add(self, tag: str, **attributes: str) -> etree._Element:
        return etree.SubElement(self.root, f"{{{SVG_NS}}}{tag}", **attributes)


def _n(value: float) -> str:
    return f"{value:.2f}".rstrip("0").rstrip(".")
