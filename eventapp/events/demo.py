"""Demo data: the Smart City Events series with six upcoming events at real Brussels venues, one of
them today (DOOR_OPEN_TODAY).

Idempotent: records are matched by slug and updated in place, so `demo load` can run on every start.
Dates are relative to `today`, so the demo is always upcoming.
"""

from datetime import date, datetime, time, timedelta
from typing import Any
from uuid import UUID

import sqlalchemy as sa

from eventapp.core.time import BRUSSELS
from eventapp.events.models import Event, EventStatus, Series, Session, SessionKind, Theme, Venue
from eventapp.extensions import db

SERIES = {
    "slug": "smart-city-events",
    "name_fr": "Smart City Events",
    "name_nl": "Smart City Events",
    "name_en": "Smart City Events",
}

THEMES = [
    {"slug": "education", "name_fr": "Éducation", "name_nl": "Onderwijs", "name_en": "Education"},
    {"slug": "culture", "name_fr": "Culture", "name_nl": "Cultuur", "name_en": "Culture"},
]


def _demo_place_id(n: int) -> UUID:
    """A made-up UiTdatabank place id, all zeros but its last digits: no real place has such an id, so the
    demo's UiTdatabank exports validate but could never be mistaken for real places. Set real ids in the
    back-office (venue form) before sending an export to UiTdatabank."""
    return UUID(int=n)


# Mixed values (text, coordinates, lists): each row is read field by field below.
VENUES: list[dict[str, Any]] = [
    {
        "slug": "bip",
        "name": "BIP – Brussels Info Place",
        "street": "Rue Royale 2-4",
        "postcode": "1000",
        "commune_nis": "21004",
        "city_fr": "Bruxelles",
        "city_nl": "Brussel",
        "latitude": 50.8443,
        "longitude": 4.3613,
        "uitdatabank_place_id": _demo_place_id(1),
    },
    {
        "slug": "bozar",
        "name": "Bozar",
        "street": "Rue Ravenstein 23",
        "postcode": "1000",
        "commune_nis": "21004",
        "city_fr": "Bruxelles",
        "city_nl": "Brussel",
        "latitude": 50.8437,
        "longitude": 4.3600,
        "uitdatabank_place_id": _demo_place_id(2),
    },
    {
        "slug": "flagey",
        "name": "Flagey",
        "street": "Place Sainte-Croix",
        "postcode": "1050",
        "commune_nis": "21009",
        "city_fr": "Ixelles",
        "city_nl": "Elsene",
        "latitude": 50.8275,
        "longitude": 4.3724,
        "uitdatabank_place_id": _demo_place_id(3),
    },
    {
        "slug": "muntpunt",
        "name": "Muntpunt",
        "street": "Place de la Monnaie 6",
        "postcode": "1000",
        "commune_nis": "21004",
        "city_fr": "Bruxelles",
        "city_nl": "Brussel",
        "latitude": 50.8502,
        "longitude": 4.3531,
        "uitdatabank_place_id": _demo_place_id(4),
    },
    {
        "slug": "mcccs-molenbeek",
        "name": "Maison des Cultures et de la Cohésion Sociale",
        "street": "Rue Mommaerts 4",
        "postcode": "1080",
        "commune_nis": "21012",
        "city_fr": "Molenbeek-Saint-Jean",
        "city_nl": "Sint-Jans-Molenbeek",
        "latitude": 50.8558,
        "longitude": 4.3371,
        "uitdatabank_place_id": _demo_place_id(5),
    },
    {
        "slug": "pianofabriek",
        "name": "Pianofabriek",
        "street": "Rue du Fort 35",
        "postcode": "1060",
        "commune_nis": "21013",
        "city_fr": "Saint-Gilles",
        "city_nl": "Sint-Gillis",
        "latitude": 50.8296,
        "longitude": 4.3463,
        "uitdatabank_place_id": _demo_place_id(6),
    },
]

# (slug, theme, venue, weeks from today, start hour, hours, capacity, max seats, titles, summaries, sessions)
# sessions: (slug, kind, offset minutes, minutes, room, languages, capacity, titles)
EVENTS: list[tuple[Any, ...]] = [
    (
        "digital-schools",
        "education",
        "bip",
        2,
        18,
        3,
        120,
        6,
        ("L'école numérique de demain", "De digitale school van morgen", "Tomorrow's digital school"),
        (
            "Comment le numérique peut-il aider les écoles bruxelloises ? Partagez vos idées.",
            "Hoe kan digitaal de Brusselse scholen helpen? Deel uw ideeën.",
            "How can digital tools help Brussels schools? Share your ideas.",
        ),
        [
            (
                "welcome",
                "plenary",
                0,
                45,
                "Auditorium",
                "fr nl",
                None,
                ("Accueil et introduction", "Onthaal en inleiding", "Welcome and introduction"),
            ),
            (
                "ideas-lab",
                "participatory",
                60,
                90,
                "Salle Horta",
                "fr nl en",
                60,
                (
                    "Atelier d'idées : l'école connectée",
                    "Ideeënlabo: de verbonden school",
                    "Ideas lab: the connected school",
                ),
            ),
            (
                "closing",
                "plenary",
                150,
                30,
                "Auditorium",
                "fr nl",
                None,
                ("Synthèse et suite", "Synthese en vervolg", "Wrap-up and next steps"),
            ),
        ],
    ),
    (
        "open-culture-data",
        "culture",
        "bozar",
        4,
        14,
        4,
        300,
        4,
        ("Culture ouverte : les données des musées", "Open cultuur: museumdata", "Open culture: museum data"),
        (
            "Quelles données culturelles ouvrir, et pour qui ?",
            "Welke culturele data openen, en voor wie?",
            "Which cultural data should be opened, and for whom?",
        ),
        [
            (
                "keynote",
                "plenary",
                0,
                60,
                "Salle Henry Le Bœuf",
                "fr nl en",
                None,
                ("Conférence d'ouverture", "Openingslezing", "Opening keynote"),
            ),
            (
                "workshop-apis",
                "workshop",
                75,
                90,
                "Salle M",
                "en",
                40,
                (
                    "Atelier : réutiliser les données culturelles",
                    "Workshop: culturele data hergebruiken",
                    "Workshop: reusing cultural data",
                ),
            ),
            (
                "citizens-panel",
                "participatory",
                75,
                120,
                "Salle Terarken",
                "fr nl",
                150,
                (
                    "Panel citoyen : la culture pour tous",
                    "Burgerpanel: cultuur voor iedereen",
                    "Citizens' panel: culture for all",
                ),
            ),
        ],
    ),
    (
        "media-literacy",
        "education",
        "muntpunt",
        6,
        10,
        3,
        80,
        30,
        ("Éducation aux médias pour les jeunes", "Mediawijsheid voor jongeren", "Media literacy for young people"),
        (
            "Enseignants et éducateurs : construisons ensemble des outils contre la désinformation.",
            "Leerkrachten en opvoeders: samen tools bouwen tegen desinformatie.",
            "Teachers and educators: let's build tools against disinformation together.",
        ),
        [
            (
                "talk",
                "plenary",
                0,
                45,
                "Forum",
                "nl fr",
                None,
                ("Ce que vivent les jeunes en ligne", "Wat jongeren online meemaken", "What young people live online"),
            ),
            (
                "co-design",
                "participatory",
                60,
                120,
                "Forum",
                "nl fr",
                None,
                ("Co-création d'outils pédagogiques", "Co-creatie van lesmateriaal", "Co-designing teaching tools"),
            ),
        ],
    ),
    (
        "festival-of-neighbourhoods",
        "culture",
        "mcccs-molenbeek",
        8,
        15,
        4,
        200,
        8,
        ("La culture dans nos quartiers", "Cultuur in onze wijken", "Culture in our neighbourhoods"),
        (
            "Des lieux culturels de proximité à l'ère numérique : vos besoins, vos envies.",
            "Buurtcultuur in het digitale tijdperk: uw noden, uw wensen.",
            "Local culture in the digital age: your needs, your wishes.",
        ),
        [
            ("opening", "plenary", 0, 30, "Grande salle", "fr nl", None, ("Ouverture", "Opening", "Opening")),
            (
                "world-cafe",
                "participatory",
                45,
                120,
                "Grande salle",
                "fr nl en",
                None,
                ("World café des quartiers", "Wijkcafé", "Neighbourhood world café"),
            ),
            (
                "digital-kiosk",
                "workshop",
                45,
                60,
                "Salle 2",
                "fr",
                25,
                ("Atelier : la borne culturelle", "Workshop: de cultuurzuil", "Workshop: the culture kiosk"),
            ),
            (
                "results",
                "plenary",
                180,
                45,
                "Grande salle",
                "fr nl",
                None,
                ("Restitution", "Terugkoppeling", "Feedback of results"),
            ),
        ],
    ),
    (
        "skills-for-all",
        "education",
        "flagey",
        11,
        9,
        6,
        250,
        10,
        ("Compétences numériques pour tous", "Digitale vaardigheden voor iedereen", "Digital skills for everyone"),
        (
            "Formation tout au long de la vie : comment ne laisser personne de côté ?",
            "Levenslang leren: hoe laten we niemand achter?",
            "Lifelong learning: how do we leave no one behind?",
        ),
        [
            (
                "plenary",
                "plenary",
                0,
                60,
                "Studio 4",
                "fr nl en",
                None,
                (
                    "Plénière : la fracture numérique à Bruxelles",
                    "Plenaire: de digitale kloof in Brussel",
                    "Plenary: the digital divide in Brussels",
                ),
            ),
            (
                "workshops",
                "workshop",
                75,
                120,
                "Studio 1",
                "fr nl",
                60,
                ("Ateliers pratiques", "Praktische workshops", "Hands-on workshops"),
            ),
            (
                "roadmap",
                "participatory",
                240,
                90,
                "Studio 4",
                "fr nl",
                None,
                ("Feuille de route participative", "Participatieve routekaart", "Participatory roadmap"),
            ),
        ],
    ),
    (
        "creative-tech",
        "culture",
        "pianofabriek",
        0,  # DOOR_OPEN_TODAY
        18,
        3,
        60,
        4,
        ("Tech créative et arts de la scène", "Creatieve tech en podiumkunsten", "Creative tech and performing arts"),
        (
            "Artistes et développeurs imaginent la scène bruxelloise de demain.",
            "Kunstenaars en ontwikkelaars verbeelden het Brusselse podium van morgen.",
            "Artists and developers imagine tomorrow's Brussels stage.",
        ),
        [
            (
                "showcase",
                "plenary",
                0,
                45,
                "Zaal 1",
                "nl fr en",
                None,
                ("Présentations de projets", "Projectvoorstellingen", "Project showcase"),
            ),
            ("jam", "participatory", 60, 105, "Zaal 1", "nl fr en", None, ("Jam d'idées", "Ideeënjam", "Idea jam")),
        ],
    ),
]

# Accessibility facilities (UiTdatabank term ids, see events.facilities) of each demo event: the venue's
# step-free access everywhere, and a few services on some, so that the page and the exports show them.
_STEP_FREE = "3.27.0.0.0 3.31.0.0.0"
FACILITIES = {
    "digital-schools": f"{_STEP_FREE} 3.17.1.0.0 3.33.0.0.0",
    "open-culture-data": f"{_STEP_FREE} 3.17.3.0.0",
    "media-literacy": f"{_STEP_FREE} 3.34.0.0.0",
}

# Its door is open on the day `demo load` runs (README, "Try it"): a newcomer can register, pair a phone and scan.
DOOR_OPEN_TODAY = "creative-tech"

DESCRIPTION = {
    "fr": "Événement gratuit et participatif du programme Smart City Events de la Région de Bruxelles-Capitale.\n"
    "Inscription obligatoire. Les sessions se déroulent en français et en néerlandais, "
    "avec des échanges possibles en anglais.",
    "nl": "Gratis participatief evenement van het programma Smart City Events van het Brussels Hoofdstedelijk "
    "Gewest.\nInschrijving verplicht. De sessies verlopen in het Frans en het Nederlands, "
    "met uitwisselingen in het Engels mogelijk.",
    "en": "A free, participatory event of the Brussels-Capital Region's Smart City Events programme.\n"
    "Registration required. Sessions are held in French and Dutch, with discussion in English possible.",
}


def _upsert(model, slug: str, values: dict, **match):
    obj = db.session.scalar(sa.select(model).filter_by(slug=slug, **match))
    if obj is None:
        obj = model(slug=slug, **match)
        db.session.add(obj)
    for key, value in values.items():
        setattr(obj, key, value)
    return obj


def _starts_tonight(today: date, hour: int, now: datetime) -> datetime:
    """`today` at `hour`, or at the next whole hour when that has passed (registration closes at the
    start), but still within the door day: it ends at 05:00 the next morning (tickets.days)."""
    next_hour = now.astimezone(BRUSSELS).replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)
    latest = datetime.combine(today + timedelta(days=1), time(4), tzinfo=BRUSSELS)
    return min(max(datetime.combine(today, time(hour), tzinfo=BRUSSELS), next_hour), latest)


def load_demo(today: date, now: datetime) -> list[Event]:
    """Create or refresh the demo series; returns the six events. Does not commit.

    `today` is the door day of `now`: the DOOR_OPEN_TODAY event takes place on it."""
    series = _upsert(Series, SERIES["slug"], {k: v for k, v in SERIES.items() if k != "slug"})
    themes = {t["slug"]: _upsert(Theme, t["slug"], {k: v for k, v in t.items() if k != "slug"}) for t in THEMES}
    venues = {v["slug"]: _upsert(Venue, v["slug"], {k: x for k, x in v.items() if k != "slug"}) for v in VENUES}
    db.session.flush()
    events = []
    for slug, theme, venue, weeks, hour, hours, capacity, max_seats, titles, summaries, sessions in EVENTS:
        # Events fall on the same weekday as `today` + whole weeks; local wall-clock times in Brussels.
        if slug == DOOR_OPEN_TODAY:
            starts = _starts_tonight(today, hour, now)
        else:
            starts = datetime.combine(today + timedelta(weeks=weeks), time(hour), tzinfo=BRUSSELS)
        existing = db.session.scalar(sa.select(Event).where(Event.slug == slug))
        event = _upsert(
            Event,
            slug,
            {
                "series": series,
                "theme": themes[theme],
                "venue": venues[venue],
                "title_fr": titles[0],
                "title_nl": titles[1],
                "title_en": titles[2],
                "summary_fr": summaries[0],
                "summary_nl": summaries[1],
                "summary_en": summaries[2],
                "description_fr": DESCRIPTION["fr"],
                "description_nl": DESCRIPTION["nl"],
                "description_en": DESCRIPTION["en"],
                "starts_at": starts,
                "ends_at": starts + timedelta(hours=hours),
                "status": EventStatus.PUBLISHED,
                "registration_opens_at": None,
                "registration_closes_at": starts,
                "max_seats_per_registration": max_seats,
                "facilities": FACILITIES.get(slug, _STEP_FREE),
                "updated_at": now,
            },
        )
        if existing is None:
            event.capacity = capacity
            event.published_at = now
            event.created_at = now
        db.session.flush()
        for s_slug, kind, offset, minutes, room, langs, s_capacity, s_titles in sessions:
            s_start = starts + timedelta(minutes=offset)
            session = _upsert(
                Session,
                s_slug,
                {
                    "kind": SessionKind(kind),
                    "starts_at": s_start,
                    "ends_at": s_start + timedelta(minutes=minutes),
                    "room": room,
                    "languages": langs,
                    "title_fr": s_titles[0],
                    "title_nl": s_titles[1],
                    "title_en": s_titles[2],
                    "updated_at": now,
                },
                event_id=event.id,
            )
            if session.id is None:  # new: capacities are the organisers' to change afterwards
                session.capacity = s_capacity
        events.append(event)
    db.session.flush()
    return events
