"""QR images of registration codes and poster links (the `qrcode` library)."""

import io
import re

import qrcode
from qrcode.image.svg import SvgPathImage


def _qr(data: str, *, border: int = 4) -> qrcode.QRCode:
    # M (15 % recovery) survives a crumpled ticket while keeping a 26-character code at version 2.
    qr = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=border)
    qr.add_data(data)
    qr.make(fit=True)
    return qr


def qr_png(data: str, *, box_size: int = 10, border: int = 4) -> bytes:
    qr = _qr(data, border=border)
    qr.box_size = box_size
    buffer = io.BytesIO()
    qr.make_image().save(buffer, format="PNG")
    return buffer.getvalue()


def qr_svg(data: str, *, border: int = 4) -> str:
    """A scalable SVG (one path), sized by its container when inlined in a page."""
    image = _qr(data, border=border).make_image(image_factory=SvgPathImage)
    svg = image.to_string(encoding="unicode")
    # Drop the fixed millimetre size so the page's CSS sizes the code.
    return re.sub(r'^<svg width="[^"]*" height="[^"]*" ', "<svg ", svg, count=1)
