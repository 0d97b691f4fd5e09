"""QR images of links (pairing links, authenticator enrolment, the projector's join link).

Ticket codes have their own encoding in `eventapp.tickets.qr` (alphanumeric mode, level Q)."""

import qrcode
import qrcode.image.svg
from qrcode.constants import ERROR_CORRECT_M


def link_qr_svg(url: str) -> str:
    """An SVG QR of a link (byte mode, level M), path-based, without an XML declaration: ready to inline."""
    qr = qrcode.QRCode(error_correction=ERROR_CORRECT_M, box_size=10, border=4)
    qr.add_data(url)
    qr.make(fit=True)
    svg: str = qr.make_image(image_factory=qrcode.image.svg.SvgPathFillImage).to_string(encoding="unicode")
    return svg
