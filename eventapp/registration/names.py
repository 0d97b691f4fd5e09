"""What a name given on the registration form may be: the form and the service check it the same way.

The name is written into emails sent to the address typed beside it, so a "name" that is really a
sentence with a web address turns our official email into someone else's phishing message (issue 17).
A name here is letters (any script), digits ("Louis 14", a class "5B"), spaces, hyphens,
apostrophes, full stops, commas and brackets, without a web or email address and without a domain
("Dr.Smith" needs its space).
"""

import re
import unicodedata

from flask_babel import lazy_gettext as _l

NAME_MAX = 80
NAME_PUNCTUATION = frozenset(" -'\u2019.,()")  # \u2019: the typographic apostrophe
# Two letters or digits, a dot, two letters: the shape of a domain ("evil-refund.example").
_DOMAIN = re.compile(r"[^\W_]{2,}\.[^\W\d_]{2,}")

NAME_RULE = _l(
    "Enter a person's name: at most %(num)d letters, digits, spaces, hyphens or apostrophes, "
    "without a web or email address.",
    num=NAME_MAX,
)


def is_name(name: str) -> bool:
    """Whether `name` (surrounding and repeated spaces already dropped) reads as a person's name."""
    if not name or len(name) > NAME_MAX:
        return False
    for ch in name:
        if ch in NAME_PUNCTUATION:
            continue
        if unicodedata.category(ch)[0] not in ("L", "M", "N"):  # letters, their combining marks, digits
            return False
    lowered = name.casefold()
    return not (_DOMAIN.search(lowered) or lowered.startswith("www") or " www" in lowered)
