"""Password hashing with Argon2id (argon2-cffi's current recommended parameters)."""

import re

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher()

MIN_LENGTH = 12
MAX_LENGTH = 200
# zxcvbn's score 3, "safely unguessable": about 10^8 guesses at least, from its offline lists of
# common passwords, names and words and its patterns (repeats, sequences, keyboard rows, dates).
MIN_STRENGTH = 3
# zxcvbn judges this many characters at most (longer ones are slow to estimate); a password whose
# beginning is guessable is refused even if it goes on.
STRENGTH_PREFIX = 72
# Words anyone attacking this site would try first.
SITE_WORDS = ("smart city events", "smartcityevents", "events", "brussels", "bruxelles", "brussel", "admin")


def is_guessable(password: str, *, email: str = "", name: str = "") -> bool:
    """True for a common or easily guessed password, the person's own address or name included. Offline."""
    # Imported here: its word lists take 13 MB in every web worker, and only setting a password needs them.
    from zxcvbn import zxcvbn

    personal = [email, *re.split(r"[@.+_-]", email), name, *name.split()]
    inputs = [*SITE_WORDS, *(word.lower() for word in personal if len(word) >= 3)]
    return zxcvbn(password[:STRENGTH_PREFIX], user_inputs=inputs)["score"] < MIN_STRENGTH


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(stored_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(stored_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(stored_hash: str) -> bool:
    """True when the hash was made with other parameters than today's (then rehash at login)."""
    try:
        return _hasher.check_needs_rehash(stored_hash)
    except InvalidHashError:
        return True


# Verifying against this when no account matches keeps the login time the same either way.
DUMMY_HASH = hash_password("not a real password, only for timing")
