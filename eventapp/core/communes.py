"""The 19 communes of the Brussels-Capital Region (NIS code, FR and NL names, postcodes)."""

import csv
from dataclasses import dataclass
from functools import cache
from pathlib import Path

OUTSIDE_BRUSSELS = "outside"
_CSV = Path(__file__).resolve().parent.parent / "data" / "brussels-communes.csv"


@dataclass(frozen=True)
class Commune:
    nis_code: str
    name_fr: str
    name_nl: str
    postcodes: tuple[str, ...]

    def name(self, lang: str) -> str:
        if self.name_fr == self.name_nl:
            return self.name_fr
        # Bilingual region: show the reader's language first, the other official name after it.
        first, second = (self.name_nl, self.name_fr) if lang == "nl" else (self.name_fr, self.name_nl)
        return f"{first} / {second}"


@cache
def list_communes() -> tuple[Commune, ...]:
    with _CSV.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    return tuple(
        Commune(row["nis_code"], row["name_fr"], row["name_nl"], tuple(row["postcodes"].split())) for row in rows
    )


def get_commune(nis_code: str) -> Commune | None:
    return next((c for c in list_communes() if c.nis_code == nis_code), None)
