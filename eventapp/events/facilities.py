"""Accessibility facilities an event can offer, from UiTdatabank's facility vocabulary.

Each keeps its UiTdatabank term id, so the UiTdatabank export carries the organiser's choice as it is.
Ids and Dutch labels are UiTdatabank's own, as publiq documents them for events ("Voorzieningen op
eventniveau" in github.com/cultuurnet/uit-documentatie, content/uitdatabank/latest/categorisatie/
voorzieningen.md; the Entry API takes them as `terms` of the `facility` domain). UiTdatabank has a term
for Flemish Sign Language interpreting only, none for French Belgian Sign Language (LSFB): LSFB is not
offered rather than exported under a wrong id. Labels shown to people go through gettext (FR, NL, EN).
"""

from dataclasses import dataclass

from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString

from eventapp.core.i18n import FORMAT_LOCALES


@dataclass(frozen=True)
class Facility:
    term_id: str  # UiTdatabank term id (domain "facility")
    uitdatabank_label: str  # UiTdatabank's own (Dutch) label, sent with the id in the export
    label: LazyString

    def label_in(self, lang: str) -> str:
        return in_language(self.label, lang)


def in_language(text: LazyString, lang: str) -> str:
    """A translatable text in `lang`, whatever the request's language (open-data documents carry all three)."""
    with force_locale(FORMAT_LOCALES[lang]):
        return str(text)


FACILITIES: tuple[Facility, ...] = (
    Facility("3.27.0.0.0", "Rolstoeltoegankelijk", _l("Wheelchair accessible")),
    Facility("3.31.0.0.0", "Toegankelijk sanitair", _l("Accessible toilet")),
    Facility("3.17.1.0.0", "Ringleiding", _l("Hearing loop")),
    Facility("3.33.0.0.0", "Tolken Vlaamse Gebarentaal", _l("Flemish Sign Language interpreting")),
    Facility("3.17.3.0.0", "Boven- of ondertiteling", _l("Surtitles or subtitles")),
    Facility("3.13.2.0.0", "Audiodescriptie", _l("Audio description")),
    Facility("3.34.0.0.0", "Vereenvoudigde informatie", _l("Simplified information")),
    Facility("3.23.2.0.0", "Assistentie", _l("Assistance for people with a disability")),
    Facility("3.13.1.0.0", "Voorzieningen voor assistentiehonden", _l("Assistance dogs welcome")),
)
BY_ID = {facility.term_id: facility for facility in FACILITIES}


def parse_facilities(stored: str) -> list[Facility]:
    """The facilities of a stored value (space-separated term ids), in the vocabulary's order."""
    chosen = set(stored.split())
    return [facility for facility in FACILITIES if facility.term_id in chosen]


def store_facilities(term_ids) -> str:
    """The stored value of a choice of term ids: known ones only, in the vocabulary's order."""
    chosen = set(term_ids)
    return " ".join(facility.term_id for facility in FACILITIES if facility.term_id in chosen)
