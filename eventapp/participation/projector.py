"""What the room's screen shows, read for one render: the screen the organiser chose and its content.

The screen speaks the Region's two languages at once (FR and NL, and EN when the session is held in
English): interface text comes from `bilingual()`, each language in its own `lang` span; what
participants wrote is shown once, as written.
"""

from dataclasses import dataclass, field
from functools import lru_cache

from flask_babel import force_locale, ngettext
from flask_babel import lazy_gettext as _l
from markupsafe import Markup, escape

from eventapp.core.i18n import FORMAT_LOCALES, localized
from eventapp.core.qr import link_qr_svg
from eventapp.participation import opinions, queries
from eventapp.participation.models import ActivityKind, Screen

IDEAS_SHOWN = 6
QUESTIONS_SHOWN = 5
ANSWERED_SHOWN = 2

# Interface text of the screen, by key: the template asks `bi("ideas")`.
TEXTS = {
    "series": _l("Smart City Events"),
    "region": _l("Brussels Region"),
    "room_code": _l("Room code"),
    "take_part": _l("Take part on your phone"),
    "ideas": _l("Idea board"),
    "questions": _l("Questions"),
    "poll": _l("Live poll"),
    "results": _l("Results"),
    "words": _l("Word cloud"),
    "opinions": _l("Opinion map"),
    "opinions_waiting": _l("The map appears once people have reacted to enough statements."),
    "opinions_unite": _l("What unites the room"),
    "opinions_others": _l("Smaller groups (under 5 people)"),
    "no_ideas": _l("No idea yet: send yours from your phone."),
    "no_questions": _l("No question yet: ask yours from your phone."),
    "no_activity": _l("Nothing to show yet."),
    "no_results": _l("No results shown yet."),
    "hidden": _l("Results are hidden until the organisers reveal them."),
    "answered": _l("Answered"),
    "pinned": _l("Pinned"),
    "open": _l("open"),
    "closed": _l("closed"),
}
# Counts, each language with its own plural rule ("0 réponse", "0 antwoorden").
COUNTS = {
    "answers": lambda num: ngettext("%(num)d answer", "%(num)d answers", num),
    "ideas": lambda num: ngettext("%(num)d idea", "%(num)d ideas", num),
    "questions": lambda num: ngettext("%(num)d question", "%(num)d questions", num),
}
SCREEN_KEYS = {  # keys on the projector's keyboard
    "j": Screen.JOIN,
    "i": Screen.IDEAS,
    "q": Screen.QUESTIONS,
    "p": Screen.POLL,
    "r": Screen.RESULTS,
    "w": Screen.WORDS,
    "o": Screen.OPINIONS,
}


def languages(session) -> tuple[str, ...]:
    """French and Dutch, plus English when the session is held in English."""
    return ("fr", "nl", "en") if "en" in session.language_codes else ("fr", "nl")


def _spans(texts: dict[str, str]) -> Markup:
    """One span per language; the same text twice (a name, a number) is shown once."""
    if len(set(texts.values())) == 1:
        return escape(next(iter(texts.values())))
    return Markup("").join(
        Markup('<span class="bi" lang="{}">{}</span>').format(lang, text) for lang, text in texts.items()
    )


def bilingual(langs: tuple[str, ...], key: str) -> Markup:
    return _spans(_translations(langs, key))


@lru_cache(maxsize=256)
def _translations(langs: tuple[str, ...], key: str) -> dict[str, str]:
    out = {}
    for lang in langs:
        with force_locale(FORMAT_LOCALES[lang]):
            out[lang] = str(TEXTS[key])
    return out


def bilingual_count(langs: tuple[str, ...], key: str, num: int) -> Markup:
    texts = {}
    for lang in langs:
        with force_locale(FORMAT_LOCALES[lang]):
            texts[lang] = COUNTS[key](num)
    return _spans(texts)


def organiser_text(obj, name: str, langs: tuple[str, ...]) -> Markup:
    """An activity's question or a poll option in each language the organisers wrote it in (once when the same)."""
    texts = {}
    for lang in langs:
        text = localized(obj, name, lang)
        if not text.is_fallback and text.text:
            texts[lang] = text.text
    return _spans(texts) if texts else escape(localized(obj, name, langs[0]).text)


@lru_cache(maxsize=64)
def qr_svg(url: str) -> str:
    return link_qr_svg(url)


@dataclass
class ScreenView:
    screen: Screen
    langs: tuple[str, ...]
    activity: object = None
    items: list = field(default_factory=list)  # ideas or questions shown
    answered: list = field(default_factory=list)  # questions answered in the room
    count: int = 0
    result: object = None  # a poll's results (revealed) or its total only
    results: list = field(default_factory=list)  # the results screen: (poll, result)
    words: list = field(default_factory=list)  # the word cloud screen: queries.CloudWord
    opinion_map: object = None  # the opinion map screen: opinions.MapView, None until first computed


def screen_view(session, room) -> ScreenView:
    """Everything the screen's template needs for the room's current screen."""
    langs = languages(session)
    view = ScreenView(screen=room.screen, langs=langs)
    if room.screen == Screen.RESULTS:
        view.results = [(poll, queries.poll_results(poll)) for poll in queries.list_revealed_polls(session)]
        return view
    if room.screen == Screen.JOIN:
        return view
    if room.screen == Screen.WORDS and room.screen_activity_id is None:
        view.activity, view.words = queries.current_word_cloud(session)
        return view
    activity = queries.screen_activity(session, room)
    view.activity = activity
    if activity is None:
        return view
    if activity.kind in (ActivityKind.IDEAS, ActivityKind.QUESTIONS):
        questions = activity.kind == ActivityKind.QUESTIONS
        limit = QUESTIONS_SHOWN if questions else IDEAS_SHOWN
        view.items = queries.list_public_contributions(
            activity, limit=limit, unanswered_only=questions, pinned_first=True
        )
        if questions:
            view.answered = queries.list_answered_questions(activity, limit=ANSWERED_SHOWN)
        view.count, _ = queries.count_public_contributions(activity)
    elif activity.kind == ActivityKind.SHORT_ANSWERS:
        view.words = queries.word_cloud(activity)
    elif activity.kind == ActivityKind.OPINIONS:
        view.opinion_map = opinions.get_map_view(activity)
    else:
        view.result = queries.poll_results(activity)
    return view
