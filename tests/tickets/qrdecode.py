"""Decode ticket images with an independent decoder (zxing-cpp), rasterising SVG ourselves.

The SVG is rasterised here rather than with a Cairo binding so that the test needs nothing beyond
Pillow: the ticket SVG is one path of axis-aligned rectangles (M/H/V/Z commands), which we fill
as polygons at 10 pixels per unit, keeping the white background and the quiet zone it draws.
"""

import io
import re
import xml.etree.ElementTree as ET

import zxingcpp
from PIL import Image, ImageDraw

SVG_NS = "{http://www.w3.org/2000/svg}"
SCALE = 10


def decode_png(data: bytes) -> list[tuple[str, str]]:
    image = Image.open(io.BytesIO(data)).convert("L")
    return [(r.text, r.format.name) for r in zxingcpp.read_barcodes(image)]


def rasterise_svg(svg: str) -> Image.Image:
    root = ET.fromstring(svg)  # noqa: S314 (our own SVG)
    _, _, width, height = (float(v) for v in root.attrib["viewBox"].split())
    image = Image.new("L", (int(width * SCALE), int(height * SCALE)), 255)
    draw = ImageDraw.Draw(image)
    for path in root.iter(f"{SVG_NS}path"):
        x = y = 0.0
        points: list[tuple[float, float]] = []
        for command, args in re.findall(r"([MmHhVvLlZz])([^MmHhVvLlZz]*)", path.attrib["d"]):
            numbers = [float(n) for n in re.findall(r"-?\d+(?:\.\d+)?", args)]
            if command in "Mm":
                if points:
                    draw.polygon(points, fill=0)
                x, y = (numbers[0], numbers[1]) if command == "M" else (x + numbers[0], y + numbers[1])
                points = [(x * SCALE, y * SCALE)]
                continue
            if command == "H":
                x = numbers[0]
            elif command == "h":
                x += numbers[0]
            elif command == "V":
                y = numbers[0]
            elif command == "v":
                y += numbers[0]
            elif command in "Ll":
                x, y = (numbers[0], numbers[1]) if command == "L" else (x + numbers[0], y + numbers[1])
            elif command in "Zz":
                if points:
                    draw.polygon(points, fill=0)
                    x, y = points[0][0] / SCALE, points[0][1] / SCALE
                points = []
                continue
            points.append((x * SCALE, y * SCALE))
        if points:
            draw.polygon(points, fill=0)
    return image


def decode_svg(svg: str) -> list[tuple[str, str]]:
    return [(r.text, r.format.name) for r in zxingcpp.read_barcodes(rasterise_svg(svg))]
