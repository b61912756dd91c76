"""Simple bar charts as PNG images for the Word summary, drawn with Pillow (no plotting library needed).

Chinese labels need a CJK font: the first of STATS_CHART_FONTS (a setting)
or of the usual Debian/Ubuntu paths that exists. Without one the bars are
labelled with their numbers (1, 2, 3…) in the order of the table beside the
chart, and the caption says so: the chart never shows empty boxes.
"""

import io
from functools import cache
from pathlib import Path

from django.conf import settings
from PIL import Image, ImageDraw, ImageFont

FONT_CANDIDATES = (
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc",
    "/usr/share/fonts/truetype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/truetype/arphic/uming.ttc",
)
BAR = (64, 96, 160)
INK = (40, 40, 40)
GRID = (210, 210, 210)


@cache
def cjk_font_path() -> str | None:
    for path in (*getattr(settings, "STATS_CHART_FONTS", ()), *FONT_CANDIDATES):
        if path and Path(path).is_file():
            return path
    return None


def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    path = cjk_font_path()
    if path:
        return ImageFont.truetype(path, size)
    return ImageFont.load_default(size=size)


def labels_drawable(labels: list[str]) -> bool:
    """Whether the labels can be drawn as they are (ASCII, or a CJK font is installed)."""
    return cjk_font_path() is not None or all(label.isascii() for label in labels)


def bar_chart(labels: list[str], values: list[float], *, width: int = 1600, height: int = 800) -> bytes:
    """A vertical bar chart, each bar with its value above it; labels as given (see labels_drawable)."""
    if not labels_drawable(labels):
        labels = [str(i) for i in range(1, len(labels) + 1)]
    image = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(image)
    label_font, value_font = _font(30), _font(26)
    left, right, top, bottom = 90, 30, 50, 110
    plot_w, plot_h = width - left - right, height - top - bottom
    peak = max([*values, 1])
    for step in range(5):
        y = top + plot_h - plot_h * step / 4
        draw.line([(left, y), (width - right, y)], fill=GRID, width=2)
        draw.text((left - 10, y), f"{peak * step / 4:.0f}", fill=INK, font=value_font, anchor="rm")
    slot = plot_w / max(len(values), 1)
    for i, (label, value) in enumerate(zip(labels, values, strict=True)):
        x0 = left + slot * i + slot * 0.15
        x1 = left + slot * (i + 1) - slot * 0.15
        y0 = top + plot_h - plot_h * value / peak
        draw.rectangle([(x0, y0), (x1, top + plot_h)], fill=BAR)
        draw.text(((x0 + x1) / 2, y0 - 6), f"{value:,.0f}", fill=INK, font=value_font, anchor="md")
        draw.text(((x0 + x1) / 2, top + plot_h + 14), label, fill=INK, font=label_font, anchor="ma")
    draw.line([(left, top + plot_h), (width - right, top + plot_h)], fill=INK, width=3)
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()
