"""Fill the FR and NL catalogs from the translation sources, and the EN catalog from the msgids.

    make translations   # extracts, merges, then: python scripts/translate.py eventapp/translations/sources/*.json

Translations are kept per domain in eventapp/translations/sources/<domain>.json (reviewable, and
free of .po merge conflicts); the .po catalogs are generated from them. Each JSON maps each
English msgid to its French and Dutch text: {"Seats": ["Places", "Plaatsen"]}. For a plural msgid
give [[fr_one, fr_many], [nl_one, nl_many]]. Msgids in the JSON that the code no longer uses are
reported, not added.
"""

import json
import sys
from pathlib import Path

from babel.messages.pofile import read_po, write_po

CATALOGS = Path(__file__).resolve().parent.parent / "eventapp" / "translations"


def _load(lang: str):
    path = CATALOGS / lang / "LC_MESSAGES" / "messages.po"
    with path.open("rb") as handle:
        return path, read_po(handle, locale=lang)


def _save(path: Path, catalog) -> None:
    with path.open("wb") as handle:
        write_po(handle, catalog, width=0, omit_header=False, sort_output=True, no_location=True, ignore_obsolete=True)


def main(json_paths: list[str]) -> int:
    texts = {}
    for json_path in json_paths:
        texts.update(json.loads(Path(json_path).read_text(encoding="utf-8")))
    unknown = set(texts)
    for index, lang in enumerate(("fr", "nl")):
        path, catalog = _load(lang)
        for message in catalog:
            key = message.id[0] if isinstance(message.id, tuple) else message.id
            if key and key in texts:
                value = texts[key][index]
                if isinstance(message.id, tuple):
                    # CLDR may want more forms than two (French has a third for millions): repeat the last.
                    forms = list(value) + [value[-1]] * (catalog.num_plurals - len(value))
                    message.string = tuple(forms[: catalog.num_plurals])
                else:
                    message.string = value
                message.flags.discard("fuzzy")
                unknown.discard(key)
        _save(path, catalog)
    path, catalog = _load("en")
    for message in catalog:
        if message.id:
            message.string = message.id
            message.flags.discard("fuzzy")
    _save(path, catalog)
    for key in sorted(unknown):
        print(f"translated but no longer used in the code: {key!r}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
