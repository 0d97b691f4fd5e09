from eventapp.core.qr import link_qr_svg
from tests.tickets.qrdecode import decode_svg


def test_a_link_qr_reads_back_as_the_link():
    url = "otpauth://totp/Smart%20City%20Events:admin@example.org?secret=JBSWY3DPEHPK3PXP&issuer=Smart%20City%20Events"
    svg = link_qr_svg(url)
    assert svg.startswith("<svg") and decode_svg(svg) == [(url, "QRCode")]
