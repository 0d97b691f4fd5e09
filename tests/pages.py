"""Helpers for tests that read the HTML of pages."""

import html as html_lib
import re


def switch_language(client, page: str, code: str):
    """Follow the page's language switcher link to `code` (as a browser would: GET, redirects)."""
    link = re.search(rf'<a href="([^"]+)" lang="{code}" hreflang="{code}">', page)
    assert link, f"no language switcher link to {code}"
    return client.get(html_lib.unescape(link.group(1)), follow_redirects=True)
