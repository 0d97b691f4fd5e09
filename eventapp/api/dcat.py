"""The open-data catalogue in DCAT-AP 3 (JSON-LD), which Brussels' open-data portal and data.europa.eu harvest.

Datasets: the events (distributions: the JSON API, the iCalendar feeds, the schema.org data of the pages)
and, for each past event, its anonymised participation results (CSV and JSON, see `open_results`).
Checked in the tests with pySHACL against SEMIC's DCAT-AP 3.0.1 shapes (tests/feeds/dcat_ap).

Controlled values come from the EU vocabularies DCAT-AP asks for (languages, data themes, publisher
types, licences) and IANA media types. Every such value is given with its type and label: DCAT-AP's
range shapes check the type of each object, and a harvester that does not load the vocabularies still
has a label to show. Built by a pure function: the caller passes the events, URLs and clock.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString

from eventapp.core.i18n import LANGUAGES, localized
from eventapp.events.facilities import in_language
from eventapp.events.ical import ALL_FEED_PATH, theme_feed_path
from eventapp.events.models import Event, Theme

EU = "http://publications.europa.eu/resource/authority"
LANGUAGE_URIS = {"fr": f"{EU}/language/FRA", "nl": f"{EU}/language/NLD", "en": f"{EU}/language/ENG"}
LANGUAGE_LABELS = {"fr": "French", "nl": "Dutch", "en": "English"}
# EU data themes: the events are about society and public services; the results about government.
THEMES = {
    "SOCI": "Population and society",
    "EDUC": "Education, culture and sport",
    "GOVE": "Government and public sector",
    "TECH": "Science and technology",
}
EVENT_THEMES = ("SOCI", "EDUC", "TECH")
RESULT_THEMES = ("GOVE", "SOCI")
PUBLISHER_NAME = "Digital.Brussels"
REGIONAL_AUTHORITY = "http://purl.org/adms/publishertype/RegionalAuthority"
IANA = "https://www.iana.org/assignments/media-types"

CONTEXT = {
    "dcat": "http://www.w3.org/ns/dcat#",
    "dct": "http://purl.org/dc/terms/",
    "foaf": "http://xmlns.com/foaf/0.1/",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "vcard": "http://www.w3.org/2006/vcard/ns#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
}

CATALOG_TITLE = _l("Smart City Events open data")
CATALOG_DESCRIPTION = _l(
    "Open data of the Brussels-Capital Region's Smart City Events: the programme of events and the "
    "anonymised results of their participatory sessions."
)
EVENTS_TITLE = _l("Smart City Events: events and programme")
EVENTS_DESCRIPTION = _l(
    "The published events of the Smart City Events series with their sessions, venues, times, seats "
    "left and accessibility facilities."
)
RESULTS_TITLE = _l("Participation results: %(event)s")
RESULTS_DESCRIPTION = _l(
    "Anonymised results of the event's participatory sessions: poll answers, number of ideas and "
    "questions, attendance and reach. Counts under 5 people are shown as “<5”, and more are hidden where "
    "needed so that none can be worked out."
)
JSON_API_TITLE = _l("JSON API")
ALL_FEED_TITLE = _l("iCalendar feed of all events")
THEME_FEED_TITLE = _l("iCalendar feed: %(theme)s")
SCHEMA_ORG_TITLE = _l("schema.org data (JSON-LD in the public pages)")
CSV_TITLE = _l("Results (CSV)")
JSON_TITLE = _l("Results (JSON)")
KEYWORDS = (_l("smart city"), _l("participation"), _l("events"))


@dataclass(frozen=True)
class CatalogueSettings:
    base_url: str  # the public site, without a trailing slash
    licence: str  # URI of the data's licence
    publisher_url: str


def _texts(text: LazyString, **values: str) -> list[dict[str, str]]:
    return [{"@value": in_language(text, lang) % values, "@language": lang} for lang in LANGUAGES]


def _event_title(event: Event, lang: str) -> str:
    return localized(event, "title", lang).text


def _date(moment: datetime) -> dict[str, str]:
    return {"@value": moment.astimezone(UTC).isoformat(timespec="seconds"), "@type": "xsd:dateTime"}


def _ref(uri: str) -> dict[str, str]:
    return {"@id": uri}


def _concept(uri: str, label: str) -> dict[str, Any]:
    return {"@id": uri, "@type": "skos:Concept", "skos:prefLabel": {"@value": label, "@language": "en"}}


def _languages() -> list[dict[str, Any]]:
    return [
        {"@id": uri, "@type": "dct:LinguisticSystem", "skos:prefLabel": LANGUAGE_LABELS[lang]}
        for lang, uri in LANGUAGE_URIS.items()
    ]


def _themes(codes: Sequence[str]) -> list[dict[str, Any]]:
    return [_concept(f"{EU}/data-theme/{code}", THEMES[code]) for code in codes]


def _media_type(name: str) -> dict[str, str]:
    return {"@id": f"{IANA}/{name}", "@type": "dct:MediaType"}


class _Builder:
    def __init__(self, settings: CatalogueSettings):
        self.s = settings
        self.licence = {"@id": settings.licence, "@type": "dct:LicenseDocument"}
        self.publisher = {
            "@id": settings.publisher_url,
            "@type": "foaf:Agent",
            "foaf:name": PUBLISHER_NAME,
            "dct:type": _concept(REGIONAL_AUTHORITY, "Regional authority"),
        }
        self.contact = {
            "@type": ["vcard:Kind", "vcard:Organization"],
            "vcard:fn": PUBLISHER_NAME,
            "vcard:hasURL": _ref(settings.publisher_url),
        }

    def url(self, path: str) -> str:
        return f"{self.s.base_url}{path}"

    def distribution(self, path: str, title: LazyString, media: str, download: bool, **values: str) -> dict:
        distribution: dict[str, Any] = {
            "@id": self.url(path) + "#distribution",
            "@type": "dcat:Distribution",
            "dct:title": _texts(title, **values),
            "dcat:accessURL": _ref(self.url(path)),
            "dcat:mediaType": _media_type(media),
            "dct:license": self.licence,
        }
        if download:
            distribution["dcat:downloadURL"] = _ref(self.url(path))
        return distribution

    def dataset(
        self,
        uri: str,
        title: list[dict[str, str]],
        description: LazyString,
        themes: Sequence[str],
        issued: datetime,
        modified: datetime,
        distributions: list[dict[str, Any]],
    ) -> dict[str, Any]:
        return {
            "@id": uri,
            "@type": "dcat:Dataset",
            "dct:identifier": uri,
            "dct:title": title,
            "dct:description": _texts(description),
            "dct:publisher": self.publisher,
            "dcat:contactPoint": self.contact,
            "dcat:theme": _themes(themes),
            "dcat:keyword": [item for keyword in KEYWORDS for item in _texts(keyword)],
            "dct:language": _languages(),
            "dct:issued": _date(issued),
            "dct:modified": _date(modified),
            "dcat:distribution": distributions,
        }


def build_catalogue(
    settings: CatalogueSettings,
    *,
    events_dates: tuple[datetime, datetime] | None,
    themes: Iterable[Theme],
    past_events: Sequence[Event],
    now: datetime,
) -> dict[str, Any]:
    """The DCAT-AP 3 catalogue. `events_dates` (first published, last changed) date the events dataset,
    `now` when there are no events; each of `past_events` gets a results dataset."""
    b = _Builder(settings)
    api = b.url("/api/v1")
    service = {
        "@id": api,
        "@type": "dcat:DataService",
        "dct:title": _texts(JSON_API_TITLE),
        "dcat:endpointURL": _ref(api),
        "dcat:endpointDescription": _ref(b.url("/api/v1/openapi.json")),
        "dct:license": b.licence,
    }
    events_distributions = [
        b.distribution("/api/v1/events", JSON_API_TITLE, "application/json", False) | {"dcat:accessService": _ref(api)},
        b.distribution(ALL_FEED_PATH, ALL_FEED_TITLE, "text/calendar", True),
        *(
            b.distribution(theme_feed_path(t.slug), THEME_FEED_TITLE, "text/calendar", True, theme=t.name_en)
            for t in themes
        ),
        b.distribution("/", SCHEMA_ORG_TITLE, "application/ld+json", False)
        | {"dct:conformsTo": {"@id": "https://schema.org/", "@type": "dct:Standard"}},
    ]
    issued, modified = events_dates or (now, now)
    datasets = [
        b.dataset(
            b.url("/api/v1/events"),
            _texts(EVENTS_TITLE),
            EVENTS_DESCRIPTION,
            EVENT_THEMES,
            issued,
            max(modified, issued),
            events_distributions,
        )
    ]
    service["dcat:servesDataset"] = _ref(datasets[0]["@id"])
    for event in past_events:
        path = f"/api/v1/events/{event.slug}/results"
        # The event's own title in each language, in the catalogue's translated wording.
        title = [
            {"@value": in_language(RESULTS_TITLE, lang) % {"event": _event_title(event, lang)}, "@language": lang}
            for lang in LANGUAGES
        ]
        dataset = b.dataset(
            b.url(path),
            title,
            RESULTS_DESCRIPTION,
            RESULT_THEMES,
            event.ends_at,
            max(event.ends_at, event.updated_at),
            [
                b.distribution(f"{path}.csv", CSV_TITLE, "text/csv", True),
                b.distribution(f"{path}.json", JSON_TITLE, "application/json", True),
            ],
        )
        dataset["dct:temporal"] = {
            "@type": "dct:PeriodOfTime",
            "dcat:startDate": _date(event.starts_at),
            "dcat:endDate": _date(event.ends_at),
        }
        datasets.append(dataset)
    catalogue_modified = max([modified, *(event.updated_at for event in past_events)])
    return {
        "@context": CONTEXT,
        "@id": b.url("/api/v1/catalog"),
        "@type": "dcat:Catalog",
        "dct:title": _texts(CATALOG_TITLE),
        "dct:description": _texts(CATALOG_DESCRIPTION),
        "dct:publisher": b.publisher,
        "foaf:homepage": {"@id": b.url("/"), "@type": "foaf:Document"},
        "dct:language": _languages(),
        "dct:license": b.licence,
        "dct:issued": _date(issued),
        "dct:modified": _date(max(catalogue_modified, issued)),
        "dcat:themeTaxonomy": {
            "@id": f"{EU}/data-theme",
            "@type": "skos:ConceptScheme",
            "dct:title": {"@value": "Data theme", "@language": "en"},
        },
        "dcat:service": [service],
        "dcat:dataset": datasets,
    }
