"""User text: what may be stored. Rendering is always escaped by Jinja; this only refuses what no one types."""

import re
import unicodedata

# Bidirectional overrides and isolates let a text display in another order than it is stored.
_BIDI_CONTROLS = set("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")

IDEA_MAX = 500
QUESTION_MAX = 300
OPEN_ANSWER_MAX = 40
SHORT_ANSWER_MAX = 40  # a word or a short phrase of a word cloud
COMMENT_MAX = 500
REASON_MAX = 300


def has_control_characters(text: str, *, multiline: bool = False) -> bool:
    """True when `text` holds control characters (newlines and tabs are allowed in multi-line text)."""
    allowed = {"\n", "\r", "\t"} if multiline else set()
    for char in text:
        if char in allowed:
            continue
        if char in _BIDI_CONTROLS or unicodedata.category(char) in ("Cc", "Cs", "Co"):
            return True
    return False


def normalise(text: str, *, multiline: bool = False) -> str:
    """NFC, trimmed; line ends unified and runs of blank lines collapsed."""
    text = unicodedata.normalize("NFC", text).replace("\r\n", "\n").replace("\r", "\n").strip()
    if multiline:
        return re.sub(r"\n{3,}", "\n\n", text)
    return re.sub(r"\s+", " ", text)


def answer_key(text: str) -> str:
    """A short answer as the word cloud groups it: "Vélo !" and "vélo" are one word (case and the
    punctuation around it aside; accents kept, as they can change the word)."""
    text = normalise(text)
    start, end = 0, len(text)
    while start < end and _is_edge(text[start]):
        start += 1
    while end > start and _is_edge(text[end - 1]):
        end -= 1
    return text[start:end].casefold()


def _is_edge(char: str) -> bool:
    return char.isspace() or unicodedata.category(char).startswith("P")
