"""QR images of ticket codes (SVG for pages and print, PNG for the email attachment)."""

import io

import qrcode
import qrcode.image.svg
from qrcode.constants import ERROR_CORRECT_Q


def _qr(text: str) -> qrcode.QRCode:
    # Level Q survives a cracked screen or a creased print; border=4 is the quiet zone the spec asks.
    qr = qrcode.QRCode(error_correction=ERROR_CORRECT_Q, box_size=10, border=4)
    qr.add_data(qrcode.util.QRData(text.encode("ascii"), mode=qrcode.util.MODE_ALPHA_NUM))
    qr.make(fit=True)
    return qr


def qr_version(text: str) -> int:
    return _qr(text).version


def qr_png(text: str, box_size: int = 10) -> bytes:
    qr = _qr(text)
    qr.box_size = box_size
    buffer = io.BytesIO()
    qr.make_image().save(buffer, format="PNG")
    return buffer.getvalue()


def qr_svg(text: str) -> str:
    """A standalone SVG (path-based, scalable) without an XML declaration, ready to inline."""
    image = _qr(text).make_image(image_factory=qrcode.image.svg.SvgPathFillImage)
    return image.to_string(encoding="unicode")
