"""The site the accessibility suite walks: one live server with demo data, and the list of its pages.

`PAGES` is the single list of pages: each entry names a page, builds its path from the data arranged
by `arrange()`, and says at which widths and in which languages it is checked and how it is reached
(anonymous, as an organiser, as a paired scanner phone). Adding a page is one line.
"""

from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from eventapp.core.time import BRUSSELS, utcnow
from eventapp.events.demo import load_demo
from eventapp.events.models import EventStatus
from eventapp.extensions import db
from eventapp.participation import queries as participation_queries
from eventapp.participation import services as participation
from eventapp.participation.models import ActivityKind, Moderation, PollType
from eventapp.registration.models import RegistrationStatus
from eventapp.registration.tokens import manage_token
from eventapp.tickets.scanners import create_scanner
from tests.factories import make_event, make_session
from tests.tickets.factories import KEY, make_registration, make_scanner, make_user

LANGS = ("fr", "nl", "en")
WIDTHS = {"phone": {"width": 360, "height": 740}, "desktop": {"width": 1280, "height": 800}}
AXE_SOURCE = (Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js").read_text(encoding="utf-8")
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
SCANNER_TOKEN_KEY = "eventapp.scanner.token"  # eventapp/static/tickets/scanner-store.js


@dataclass(frozen=True)
class PageSpec:
    name: str
    path: str  # formatted with the values of `arrange()`: "/events/{event}"
    langs: tuple[str, ...] = LANGS
    widths: tuple[str, ...] = tuple(WIDTHS)
    who: str = "anonymous"  # "anonymous", "organiser" (session cookie) or "scanner" (paired phone)
    ready: str | None = None  # a selector to wait for before checking (pages built by JavaScript)
    status: int = 200
    public: bool = True  # a resident's page: must work without JavaScript and stay light
    needs_js: bool = False  # camera or live updates: exempt from the no-JavaScript check
    skip_link: bool = True  # False for display-only screens (the projector hides the site's header)
    extra: dict = field(default_factory=dict)

    def url(self, base: str, values: dict) -> str:
        return base + self.path.format(**values)


PAGES = [
    PageSpec("catalogue", "/"),
    PageSpec("catalogue-filtered", "/?theme={theme}"),
    PageSpec("catalogue-bad-filter", "/?date_from=31-02-2020"),
    PageSpec("event", "/events/{event}"),
    PageSpec("event-full", "/events/{full_event}"),
    PageSpec("event-cancelled", "/events/{cancelled_event}"),
    PageSpec("event-fallback", "/events/{fallback_event}"),
    PageSpec("feeds", "/feeds"),
    PageSpec("ticket", "/tickets/{ticket}"),
    PageSpec("ticket-waitlisted", "/tickets/{ticket_waitlisted}"),
    PageSpec("ticket-cancelled", "/tickets/{ticket_cancelled}"),
    PageSpec("manage-feed", "/manage/{manage}/feed"),
    PageSpec("scan-pair", "/scan/pair/{pairing}", public=False),
    PageSpec("scan-unpaired", "/scan", ready="#not-paired:not([hidden])", public=False, needs_js=True),
    PageSpec("scan-paired", "/scan", who="scanner", ready='#scanner[data-camera="ready"]', public=False, needs_js=True),
    PageSpec("organiser-scanners", "/admin/events/{today_event}/scanners", who="organiser", public=False),
    # The UiTdatabank export of a demo event (its venue has a place id), and of one without (a notice).
    PageSpec("organiser-uitdatabank", "/admin/events/{event}/uitdatabank", who="organiser", public=False),
    PageSpec("organiser-no-place-id", "/admin/events/{today_event}/uitdatabank", who="organiser", public=False),
    # registration
    PageSpec("check-mailbox", "/registered"),
    PageSpec("confirmation", "/registered/{manage}"),
    PageSpec("confirmation-waitlisted", "/registered/{manage_waitlisted}"),
    PageSpec("manage", "/manage/{manage}"),
    PageSpec("manage-waitlisted", "/manage/{manage_waitlisted}"),
    PageSpec("manage-cancelled", "/manage/{manage_cancelled}"),
    PageSpec("privacy", "/privacy"),
    PageSpec("accessibility-statement", "/accessibility"),
    PageSpec("erased", "/erased"),
    # participation
    PageSpec("join", "/join"),
    PageSpec("join-unknown-code", "/join/ZZZZZZ", status=404),
    PageSpec("participate", "/participate/{session}"),
    PageSpec("results", "/participate/{session}/results"),
    PageSpec("report", "/participate/events/{today_event}/report"),
    PageSpec("moderation", "/participate/{session}/manage", who="organiser", public=False),
    PageSpec(
        "projector", "/participate/{session}/projector", who="organiser", public=False, needs_js=True, skip_link=False
    ),
    # errors
    PageSpec("not-found", "/no-such-page", status=404),
    PageSpec("event-not-found", "/events/no-such-event", status=404),
]


def arrange(app) -> dict:
    """Demo data plus what the pages need: full, cancelled, untranslated and today's events, tickets
    in each state, a scanner phone, an organiser. Returns the values the page paths are built from."""
    now = utcnow()
    with app.app_context():
        events = load_demo(now.astimezone(BRUSSELS).date(), now)
        event = events[0]
        theme = event.theme
        full = make_event(slug="a11y-full", theme=theme, capacity=2, seats_taken=2, seats_waiting=1, sessions=2)
        cancelled = make_event(slug="a11y-cancelled", theme=theme, status=EventStatus.CANCELLED, cancelled_at=now)
        # Only partly translated: the title exists in French only, the summary in Dutch only.
        fallback = make_event(
            slug="a11y-fallback",
            theme=theme,
            title_fr="Atelier sans traduction",
            title_nl="",
            title_en="",
            summary_fr="",
            summary_nl="Alleen in het Nederlands beschreven.",
            summary_en="",
        )
        make_session(fallback, title_fr="Séance en français", title_nl="", title_en="")
        today = make_event(slug="a11y-today", theme=theme, starts_at=now - timedelta(hours=1), sessions=2)
        confirmed, ticket = make_registration(event, seats=2, sessions=event.sessions[:1])
        on_list, waitlisted = make_registration(full, status=RegistrationStatus.WAITLISTED)
        gone, cancelled_ticket = make_registration(event, status=RegistrationStatus.CANCELLED)
        _, scan_group = make_registration(today, seats=3, name="Amélie Dupont")
        _, scan_single = make_registration(today, seats=1, name="Jan Peeters")
        make_scanner(today, name="Door A")
        _, device_token = make_scanner(today, name="Door B")
        _, pairing = create_scanner(None, today, name="Door C", now=now)
        admin = make_user(admin=True)
        session = _participation(today, admin, now)
        values = {
            "event": event.slug,
            "theme": theme.slug,
            "full_event": full.slug,
            "cancelled_event": cancelled.slug,
            "fallback_event": fallback.slug,
            "today_event": today.slug,
            "ticket": ticket,
            "ticket_waitlisted": waitlisted,
            "ticket_cancelled": cancelled_ticket,
            "manage": manage_token(KEY, confirmed.secret_seed),
            "manage_waitlisted": manage_token(KEY, on_list.secret_seed),
            "manage_cancelled": manage_token(KEY, gone.secret_seed),
            "session": str(session.uuid),
            "room": participation_queries.get_room(session).code,
            "pairing": pairing,
            "device_token": device_token,
            "scan_ticket": scan_single,
            "scan_group_ticket": scan_group,
            "admin_id": admin.id,
        }
        db.session.commit()
        serializer = app.session_interface.get_signing_serializer(app)
        values["organiser_cookie"] = (
            app.config["SESSION_COOKIE_NAME"],
            serializer.dumps({"_user_id": str(admin.id), "_fresh": True}),
        )
        db.session.remove()
    return values


def _participation(event, organiser, now):
    """The event's participatory session with a revealed poll, an ideas wall with one public idea, open
    questions, and a word cloud of short answers."""
    session = event.sessions[0]
    labels = [
        {"fr": "Écoles", "nl": "Scholen", "en": "Schools"},
        {"fr": "Musées", "nl": "Musea", "en": "Museums"},
    ]
    prompts = {
        ActivityKind.POLL: {"fr": "Quelle priorité ?", "nl": "Welke prioriteit?", "en": "Which priority?"},
        ActivityKind.IDEAS: {"fr": "Vos idées", "nl": "Uw ideeën", "en": "Your ideas"},
        ActivityKind.QUESTIONS: {"fr": "Vos questions", "nl": "Uw vragen", "en": "Your questions"},
        ActivityKind.SHORT_ANSWERS: {"fr": "En un mot ?", "nl": "In één woord?", "en": "In one word?"},
    }
    for kind, text in prompts.items():
        activity = participation.create_activity(
            organiser,
            session,
            kind=kind,
            prompts=text,
            moderation=Moderation.POST,
            poll_type=PollType.SINGLE if kind == ActivityKind.POLL else None,
            options=labels if kind == ActivityKind.POLL else (),
            now=now,
        )
        participation.open_activity(organiser, activity, now=now)
        if kind == ActivityKind.POLL:
            participation.reveal_results(organiser, activity)
        if kind == ActivityKind.IDEAS:
            guest = participation.join_as_guest(session, now=now)
            participation.submit_contribution(guest, activity, "Plus de bancs dans les parcs.", now=now)
        if kind == ActivityKind.SHORT_ANSWERS:
            for answers in (["Vélo", "Espaces verts"], ["vélo"], ["Une place de jeux pour les plus petits"]):
                guest = participation.join_as_guest(session, now=now)
                participation.submit_short_answers(guest, activity, answers, now=now)
    return session


def new_context(
    browser, server_url: str, values: dict, *, lang: str, width: str = "desktop", who="anonymous", **options
):
    """A fresh browser context in `lang` at `width`, signed in as `who`."""
    context = browser.new_context(
        viewport=WIDTHS[width], locale={"fr": "fr-BE", "nl": "nl-BE", "en": "en-GB"}[lang], **options
    )
    cookies = [{"name": "lang", "value": lang, "url": server_url}]
    if who == "organiser":
        name, value = values["organiser_cookie"]
        cookies.append({"name": name, "value": value, "url": server_url})
    context.add_cookies(cookies)
    # axe-core in every document of the context, injected by the browser outside the page's CSP (and
    # compiled once per context rather than sent over on each check).
    context.add_init_script(AXE_SOURCE)
    if who == "scanner":
        # What pair.js stores after a real pairing (the pairing flow itself is tested in test_scanner.py).
        context.add_init_script(f"localStorage.setItem({SCANNER_TOKEN_KEY!r}, {values['device_token']!r});")
    return context


_AXE_RUN = """(tags) => axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})
  .then(r => r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.map(n => ({target: n.target.join(' '), html: n.html.slice(0, 200), why: n.failureSummary}))})))"""


def axe_violations(page) -> list[dict]:
    """axe-core's WCAG 2.1 A/AA violations on the page as it is now (axe injected outside the page's CSP)."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(AXE_SOURCE)
    return page.evaluate(_AXE_RUN, AXE_TAGS)


def format_violations(violations: list[dict]) -> str:
    lines = []
    for v in violations:
        lines.append(f"- {v['id']} ({v['impact']}): {v['help']}")
        for node in v["nodes"][:5]:
            lines.append(f"    {node['target']}: {node['html']}\n      {node['why']}".replace("\n", "\n      "))
    return "\n".join(lines)


def assert_accessible(page, where: str = "") -> None:
    violations = axe_violations(page)
    assert not violations, (
        f"axe found WCAG 2.1 A/AA violations on {where or page.url}:\n{format_violations(violations)}"
    )
