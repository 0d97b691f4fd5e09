"""Participation pages: the participant's phone page (works without JavaScript), joining by room code,
the organisers' moderation page and the screens."""

from datetime import timedelta
from functools import partial

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    jsonify,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import current_user

from eventapp.accounts.forms import EmptyForm
from eventapp.accounts.permissions import organiser_required, require_event_access
from eventapp.core.db import transaction
from eventapp.core.errors import DomainError, NotFound, PermissionDenied
from eventapp.core.i18n import current_language
from eventapp.core.time import utcnow
from eventapp.extensions import limiter
from eventapp.participation import forms, identity, live, queries, services
from eventapp.participation import projector as screens
from eventapp.participation.models import (
    SHORT_ANSWERS_PER_PARTICIPANT,
    Access,
    ActivityKind,
    ActivityStatus,
    Channel,
    ContributionStatus,
    Screen,
)
from eventapp.tickets.queries import find_registration_by_ticket_code

bp = Blueprint("participation", __name__)

# What one person does: ideas, answers, supports, reports (keyed by their participant cookie).
PARTICIPANT_LIMIT = "30/minute;300/hour"
# Per network, and only for finding a room and joining it: at a venue a whole room (a thousand phones)
# joins within a minute from the Wi-Fi's one public address. A flood of guests from one network shows on
# the manage page, where the moderator can pause new guests (docs/deploy.md).
JOIN_LIMIT = "1500/minute;15000/hour"
# A phone that has not joined is refused (it is told how to join); its network's allowance, the size
# of a room's, only bounds what answering those refusals costs.
STRANGER_LIMIT = JOIN_LIMIT
LIVE_CHANNELS = frozenset(c.value for c in Channel if c != Channel.FACILITATOR)
# How far back the manage page counts new guests, to show a surge.
GUEST_SURGE_WINDOW = timedelta(minutes=10)
# From how many new guests of one network in that time the page suggests a look (a venue's Wi-Fi is one).
GUEST_SURGE_NOTICE = 30
# The manage page follows the room less often than the phones: a moderator's queue, not the room's screen.
MANAGE_POLL_INTERVAL_MS = 3000


def _participant_limit() -> str:
    return PARTICIPANT_LIMIT if identity.signed_participant_uuid() else STRANGER_LIMIT


def _no_store(response):
    response.headers["Cache-Control"] = "no-store"
    return response


# ---------------------------------------------------------------------------- participant pages


def _sections_context(session, channel, participant, form_overrides=None) -> dict:
    """The activities as the page shows them to a participant of `channel`.

    With no `participant`, the room's view that every phone of the channel shares (the live fragment):
    nothing supported, nothing answered, no own contributions, all answers of a word cloud left; each
    phone's script then applies its own, or keeps its page's blocks (see _live_sections.html).
    """
    lang = current_language()
    activities = queries.list_activities(session, visible_only=True)
    answered = queries.answered_activity_ids(participant)
    sections = []
    for activity in activities:
        section = {"activity": activity, "form": (form_overrides or {}).get(activity.id)}
        if activity.kind in services.CONTRIBUTION_KINDS:
            own = queries.list_own_contributions(participant, activity)
            section["own"] = own
            if activity.kind == ActivityKind.SHORT_ANSWERS:
                section["cloud"] = queries.word_cloud(activity)
                given = sum(1 for mine in own if mine.contribution.answer_slot)
                section["left"] = SHORT_ANSWERS_PER_PARTICIPANT - given
            else:
                section["contributions"] = queries.list_public_contributions(activity, pinned_first=True)
            if section["form"] is None:
                section["form"] = _contribution_form(activity, formdata=None)
        else:
            section["answered"] = activity.id in answered
            if section["form"] is None:
                section["form"] = forms.vote_form(activity, lang, formdata=None)
            if activity.results_revealed and activity.kind == ActivityKind.POLL:
                section["results"] = queries.poll_results(activity)
        sections.append(section)
    return {
        "session": session,
        "channel": channel,
        "participant": participant,
        "sections": sections,
        "upvoted": queries.upvoted_ids(participant),
        "answers_per_participant": SHORT_ANSWERS_PER_PARTICIPANT,
        "moderation": queries.moderation_stamp(session),
        "shared": False,
        "room_card": _card_as_rendered,
    }


def _card_as_rendered(contribution, activity, caller):
    return caller()


def _kept_card(lang: str):
    """The room's fragment's cards from the worker's copy: a card is rendered again only when what it
    shows changes (its support count, pin, answer, outcome, the board opening or closing)."""

    def room_card(c, a, caller):
        key = (
            c.id,
            c.body,
            c.upvotes,
            c.pinned_at is not None,
            c.answered_at is not None,
            c.outcome,
            c.outcome_reason_fr,
            c.outcome_reason_nl,
            c.outcome_reason_en,
            a.kind,
            a.status,
            lang,
        )
        return live.card(key, caller)  # the caller's Markup, kept as it is

    return room_card


def _page_context(session, participant, form_overrides=None):
    channel = services.channel_of(participant) if participant else None
    version = live.room_version(str(session.uuid), public=True, ttl=0)
    live_channel = channel.value if channel else Channel.GUEST.value
    room = queries.get_room(session)
    return {
        **_sections_context(session, channel, participant, form_overrides),
        "event": session.event,
        "guests_paused": bool(room and room.guests_paused),
        "mine_url": url_for("participation.own_contributions", session_uuid=session.uuid, lang=current_language()),
        "live_url": url_for(
            "participation.live_sections", session_uuid=session.uuid, lang=current_language(), channel=live_channel
        ),
        "live_etag": f'"{version}-{current_language()}-{live_channel}"',
        "live_interval": live.POLL_INTERVAL_MS,
    }


def _join_with_ticket(session, code: str | None, response):
    """Make this phone the ticket's participant (its guest doings move to the ticket); flashes the outcome."""
    registration = find_registration_by_ticket_code(code) if code else None
    try:
        if registration is None:
            raise PermissionDenied(_("This ticket is not valid for this session."), code="ticket_not_valid")
        with transaction():
            guest = identity.current_participant(session)
            participant = services.join_with_ticket(session, registration, guest=guest, now=utcnow())
        identity.remember(response, session, participant)
        flash(_("Welcome! You take part with your ticket."), "success")
    except DomainError as error:
        flash(str(error.message), "error")
    return response


@bp.get("/participate/<session_uuid>")
def session_page(session_uuid: str):
    session = queries.get_session(session_uuid)
    code = request.args.get("ticket")
    if code is not None:
        # The ticket code only ever travels once: it becomes a cookie and the URL is cleaned at once,
        # so it stays out of the history, the Referer and shared screenshots.
        response = redirect(url_for("participation.session_page", session_uuid=session.uuid), code=303)
        current = identity.current_participant(session)
        registration = find_registration_by_ticket_code(code)
        if current is None or registration is None or current.registration_id == registration.id:
            _join_with_ticket(session, code, response)
        else:
            # The phone already takes part (as a guest, or with another ticket): a link alone must not
            # hand it, and what it did, to a ticket — a link anyone can send. The person confirms.
            response = identity.hold_ticket(
                redirect(url_for("participation.confirm_ticket", session_uuid=session.uuid), code=303), session, code
            )
        response.headers["Referrer-Policy"] = "no-referrer"
        return _no_store(response)
    participant = identity.current_participant(session)
    response = make_response(render_template("participation/session.html", **_page_context(session, participant)))
    response.headers["Referrer-Policy"] = "no-referrer"
    return _no_store(response)


@bp.route("/participate/<session_uuid>/ticket", methods=["GET", "POST"])
def confirm_ticket(session_uuid: str):
    """Continue with a ticket on a phone that already takes part in the session (see session_page)."""
    session = queries.get_session(session_uuid)
    code = identity.held_ticket()
    registration = find_registration_by_ticket_code(code) if code else None
    back = redirect(url_for("participation.session_page", session_uuid=session.uuid), code=303)
    if registration is None:
        return _no_store(identity.drop_held_ticket(back, session))
    form = EmptyForm()
    if form.validate_on_submit():
        return _no_store(identity.drop_held_ticket(_join_with_ticket(session, code, back), session))
    current = identity.current_participant(session)
    html = render_template(
        "participation/confirm_ticket.html",
        session=session,
        registration=registration,
        as_guest=current is None or current.registration_id is None,
        form=form,
    )
    response = make_response(html)
    response.headers["Referrer-Policy"] = "no-referrer"
    return _no_store(response)


JOIN_REQUIRED = "join_required"


def _acting_participant(session, activity):
    """The cookie's participant. A phone that has not joined is refused: joining is a step of its own
    (join_session), so requests without the cookie cannot each make a new guest (security finding 7)."""
    participant = identity.current_participant(session)
    if participant is not None:
        return participant
    if activity.access != Access.LINK:
        raise PermissionDenied(
            _("This activity is for registered participants: open it from the link on your ticket."),
            code="registration_required",
        )
    raise PermissionDenied(
        _("To take part, first join the session with the “Take part” button at the top of the page."),
        code=JOIN_REQUIRED,
    )


def _back(session, activity=None):
    anchor = f"a-{activity.uuid}" if activity is not None else None
    return redirect(url_for("participation.session_page", session_uuid=session.uuid, _anchor=anchor), code=303)


def _script_answer(message, status: int = 200, **values):
    """The answer to the phone's script (votes and supports in place): JSON, never cached."""
    response = jsonify(message=str(message), **values)
    response.status_code = status
    return _no_store(response)


def _refused(session, activity, error: DomainError, form=None):
    """A participant action refused: for the script its message; otherwise the message on the page,
    which for a phone that has not joined is shown again at once with what it typed or ticked and the
    button to join (a redirect would lose them)."""
    if _from_script():
        return _script_answer(error.message, error.status, join=error.code == JOIN_REQUIRED)
    flash(str(error.message), "error")
    if error.code == JOIN_REQUIRED and form is not None:
        html = render_template("participation/session.html", **_page_context(session, None, {activity.id: form}))
        return _no_store(make_response(html, error.status))
    return _no_store(_back(session, activity))


def _handle(session, activity, form, action, script_values=None):
    """Run a participant action: PRG on success (or JSON for the page's script, with what
    `script_values(participant)` adds once committed); the page again with the errors next to the
    fields otherwise."""
    if not form.validate_on_submit():
        if _from_script():
            return _script_answer(_form_errors(form), 422)
        html = render_template(
            "participation/session.html",
            **_page_context(session, identity.current_participant(session), {activity.id: form}),
        )
        return _no_store(make_response(html, 422))
    try:
        with transaction():
            participant = _acting_participant(session, activity)
            message = action(participant)
    except DomainError as error:
        return _refused(session, activity, error, form)
    if _from_script():
        return _script_answer(message, **(script_values(participant) if script_values else {}))
    flash(message, "success")
    return _no_store(_back(session, activity))


CONTRIBUTION_FORMS = {
    ActivityKind.IDEAS: forms.IdeaForm,
    ActivityKind.QUESTIONS: forms.QuestionForm,
    ActivityKind.SHORT_ANSWERS: forms.ShortAnswersForm,
}


def _contribution_form(activity, **kwargs):
    return CONTRIBUTION_FORMS[activity.kind](prefix=f"a{activity.id}-", **kwargs)


@bp.post("/participate/<session_uuid>/a/<activity_uuid>/contribute")
@limiter.limit(_participant_limit, key_func=identity.rate_limit_key)
def contribute(session_uuid: str, activity_uuid: str):
    session = queries.get_session(session_uuid)
    activity = queries.get_activity(session, activity_uuid)
    if activity.kind not in CONTRIBUTION_FORMS:
        abort(404)
    form = _contribution_form(activity)

    def action(participant):
        if activity.kind == ActivityKind.SHORT_ANSWERS:
            sent = services.submit_short_answers(participant, activity, form.answers(), now=utcnow())
        else:
            sent = [services.submit_contribution(participant, activity, form.body.data, now=utcnow())]
        if sent[0].status == ContributionStatus.PENDING:
            return _("Thank you! Your contribution will appear once a moderator has approved it.")
        return _("Thank you! Your contribution is online.")

    def own_block(participant):
        # The script puts it in place of the page's "What you sent": the phone does not reload the
        # page (a whole board rendered for one phone), and the room's next version brings the card.
        own = queries.list_own_contributions(participant, activity)
        return {"mine": render_template("participation/_own_contributions.html", session=session, a=activity, own=own)}

    return _handle(session, activity, form, action, own_block)


@bp.post("/participate/<session_uuid>/a/<activity_uuid>/vote")
@limiter.limit(_participant_limit, key_func=identity.rate_limit_key)
def vote(session_uuid: str, activity_uuid: str):
    session = queries.get_session(session_uuid)
    activity = queries.get_activity(session, activity_uuid)
    if activity.kind not in (ActivityKind.POLL, ActivityKind.FEEDBACK):
        abort(404)
    form = forms.vote_form(activity, current_language(), formdata=request.form)

    def action(participant):
        choice = getattr(form, "choice", None)
        option_ids = (choice.data if isinstance(choice.data, list) else [choice.data]) if choice else []
        value = getattr(form, "value", None)
        text = getattr(form, "text", None)
        services.answer_poll(
            participant,
            activity,
            option_ids=option_ids,
            value=int(value.data) if value is not None and value.data else None,
            text=text.data or "" if text is not None else "",
            now=utcnow(),
        )
        return _("Thank you, your answer has been counted.")

    return _handle(session, activity, form, action)


def _contribution_action(session_uuid, contribution_uuid, do, *, stranger=None):
    """Act on a contribution as the phone's participant; a phone that has not joined is told how to, or
    `stranger` (a DomainError) when given. `do` returns the message, or (message, values for the script)."""
    session = queries.get_session(session_uuid)
    contribution = queries.get_contribution(session, contribution_uuid)
    activity = contribution.activity
    try:
        with transaction():
            if stranger is None:
                participant = _acting_participant(session, activity)
            else:
                participant = identity.current_participant(session)
                if participant is None:
                    raise stranger
            done = do(participant, contribution)
    except DomainError as error:
        return _refused(session, activity, error)
    message, values = done if isinstance(done, tuple) else (done, {})
    if _from_script():
        return _script_answer(message, **values)
    flash(message, "success")
    return _no_store(_back(session, activity))


@bp.post("/participate/<session_uuid>/c/<contribution_uuid>/upvote")
@limiter.limit(_participant_limit, key_func=identity.rate_limit_key)
def upvote(session_uuid: str, contribution_uuid: str):
    """Support an idea or question. The page's script posts here and updates the card in place."""

    def do(participant, contribution):
        counted = services.upvote(participant, contribution, now=utcnow())
        message = _("Your support has been counted.") if counted else _("You already support this one.")
        count = ngettext("%(num)d support", "%(num)d supports", contribution.upvotes)
        return message, {"count": count}

    return _contribution_action(session_uuid, contribution_uuid, do)


@bp.post("/participate/<session_uuid>/c/<contribution_uuid>/report")
@limiter.limit(_participant_limit, key_func=identity.rate_limit_key)
def report(session_uuid: str, contribution_uuid: str):
    def do(participant, contribution):
        services.report_contribution(participant, contribution, now=utcnow())
        return _("Thank you, the organisers will look at it.")

    # A report from a phone that never took part would be a fresh guest each time: one phone without
    # its cookie could take any post-moderated idea offline.
    return _contribution_action(session_uuid, contribution_uuid, do)


@bp.post("/participate/<session_uuid>/c/<contribution_uuid>/withdraw")
@limiter.limit(_participant_limit, key_func=identity.rate_limit_key)
def withdraw(session_uuid: str, contribution_uuid: str):
    def do(participant, contribution):
        services.withdraw_contribution(participant, contribution)
        return _("Your contribution has been withdrawn.")

    return _contribution_action(session_uuid, contribution_uuid, do, stranger=NotFound())


@bp.post("/participate/<session_uuid>/join")
@limiter.limit(JOIN_LIMIT)
def join_session(session_uuid: str):
    """Take part as a guest: the explicit step that gives this phone its participant cookie."""
    session = queries.get_session(session_uuid)
    response = _back(session)
    if identity.current_participant(session) is not None:
        return _no_store(response)
    try:
        with transaction():
            participant = services.join_as_guest(session, network=identity.network_of_request(), now=utcnow())
    except DomainError as error:
        flash(str(error.message), "error")
        return _no_store(response)
    identity.remember(response, session, participant)
    flash(_("Welcome! You take part as a guest."), "success")
    return _no_store(response)


@bp.get("/participate/<session_uuid>/mine")
def own_contributions(session_uuid: str):
    """What this phone's participant sent, where each stands: the page's script asks again whenever an
    organiser has decided on something in the session (the room fragment's moderation stamp)."""
    session = queries.get_session(session_uuid)
    participant = identity.current_participant(session)
    if participant is None:
        return _no_store(make_response("", 204))
    activities = [
        a for a in queries.list_activities(session, visible_only=True) if a.kind in services.CONTRIBUTION_KINDS
    ]
    html = render_template(
        "participation/_own_blocks.html",
        session=session,
        blocks=[(a, queries.list_own_contributions(participant, a)) for a in activities],
    )
    return _no_store(make_response(html))


@bp.route("/join", methods=["GET", "POST"])
@limiter.limit(JOIN_LIMIT, methods=["POST"])
def join():
    form = forms.JoinForm()
    if form.validate_on_submit():
        room = queries.find_room_by_code(form.code.data)
        if room is not None:
            return redirect(url_for("participation.session_page", session_uuid=room.session.uuid), code=303)
        form.code.errors.append(_("No session has this code. Check the code shown in the room."))
    status = 422 if form.errors else 200
    return render_template("participation/join.html", form=form), status


@bp.get("/join/<code>")
@limiter.limit(JOIN_LIMIT)
def join_code(code: str):
    room = queries.find_room_by_code(code)
    if room is None:
        form = forms.JoinForm(formdata=None)
        form.code.errors = [_("No session has this code. Check the code shown in the room.")]
        return render_template("participation/join.html", form=form), 404
    return redirect(url_for("participation.session_page", session_uuid=room.session.uuid), code=303)


# ---------------------------------------------------------------------------- organiser pages


def _managed_session(session_uuid: str):
    session = queries.get_session(session_uuid, public=False)
    require_event_access(current_user, session.event_id)
    return session


def _manage_live_context(session) -> dict:
    """What the manage page follows live (_manage_live.html): the room's screen, new guests, the
    activities with their results, the moderation queue."""
    activities = queries.list_activities(session)
    room = queries.get_room(session)
    return {
        "session": session,
        "room": room,
        "guest_joins": queries.count_guest_joins(session, utcnow() - GUEST_SURGE_WINDOW),
        "surge_minutes": int(GUEST_SURGE_WINDOW.total_seconds() // 60),
        "surge_notice": GUEST_SURGE_NOTICE,
        "screens": list(Screen),
        "screen_activity": queries.screen_activity(session, room) if room else None,
        "screen_for": services.screen_for,
        "activities": activities,
        "results": {
            a.id: queries.poll_results(a) for a in activities if a.kind in (ActivityKind.POLL, ActivityKind.FEEDBACK)
        },
        "comments": {a.id: queries.list_feedback_comments(a) for a in activities if a.kind == ActivityKind.FEEDBACK},
        "clouds": {a.id: queries.word_cloud(a) for a in activities if a.kind == ActivityKind.SHORT_ANSWERS},
        "contributions": queries.list_contributions_for_moderation(session),
        "reject_form": forms.RejectForm(formdata=None),
        "outcome_form": forms.OutcomeForm(formdata=None),
        "card_form": forms.PaperCardForm(formdata=None),
        "count_form": forms.CountForm(formdata=None),
        "statuses": ActivityStatus,
    }


def _manage_etag(session) -> str:
    """The manage page's version: the room's, and the new guests it shows (joining bumps no version)."""
    joins = queries.count_guest_joins(session, utcnow() - GUEST_SURGE_WINDOW)
    version = live.room_version(str(session.uuid), public=False, ttl=_live_ttl())
    return f"m{version}-{joins.total}-{joins.busiest_network}-{current_language()}"


def _manage_context(session, activity_form=None):
    return {
        **_manage_live_context(session),
        "event": session.event,
        "activity_form": activity_form or forms.ActivityForm(formdata=None),
        "live_url": url_for("participation.manage_live", session_uuid=session.uuid, lang=current_language()),
        "live_etag": f'"{_manage_etag(session)}"',
        "live_interval": MANAGE_POLL_INTERVAL_MS,
    }


def _to_manage(session, anchor=None):
    return redirect(url_for("participation.manage", session_uuid=session.uuid, _anchor=anchor), code=303)


@bp.get("/participate/<session_uuid>/manage")
@organiser_required
def manage(session_uuid: str):
    session = _managed_session(session_uuid)
    return _no_store(make_response(render_template("participation/manage.html", **_manage_context(session))))


@bp.get("/participate/<session_uuid>/manage/live")
@organiser_required
def manage_live(session_uuid: str):
    """The manage page's live part for its script: 304 while nothing changed, else its HTML (rendered
    for this organiser: a handful of them poll, not the room)."""
    session = _managed_session(session_uuid)
    etag = _manage_etag(session)
    if (unchanged := _not_modified(etag)) is not None:
        return unchanged
    html = render_template("participation/_manage_live.html", **_manage_live_context(session))
    return _live_fragment(live.Fragment(html, None), etag)


@bp.post("/participate/<session_uuid>/manage/guests")
@organiser_required
def pause_guests(session_uuid: str):
    """Pause new guest joins (a flood from one network), or allow them again."""
    session = _managed_session(session_uuid)
    paused = request.form.get("paused") == "1"
    return _room_control(
        session,
        lambda: services.pause_guest_joins(current_user, session, paused=paused),
        _("New guests are paused.") if paused else _("New guests may join again."),
        anchor="guests",
    )


@bp.post("/participate/<session_uuid>/manage/activities")
@organiser_required
def create_activity(session_uuid: str):
    session = _managed_session(session_uuid)
    form = forms.ActivityForm()
    if form.validate_on_submit():
        try:
            with transaction():
                services.create_activity(
                    current_user,
                    session,
                    kind=form.kind.data,
                    prompts={lang: getattr(form, f"prompt_{lang}").data or "" for lang in ("fr", "nl", "en")},
                    access=form.access.data,
                    moderation=form.moderation.data,
                    poll_type=form.poll_type.data if form.kind.data == ActivityKind.POLL else None,
                    options=form.options(),
                    now=utcnow(),
                )
        except DomainError as error:
            target = getattr(form, error.field or "", None) or form.prompt_fr
            target.errors = [*target.errors, str(error.message)]
        else:
            flash(_("The activity has been created as a draft."), "success")
            return _to_manage(session)
    html = render_template("participation/manage.html", **_manage_context(session, activity_form=form))
    return _no_store(make_response(html, 422))


ACTIVITY_ACTIONS = {
    "open": (lambda user, a, now: services.open_activity(user, a, now=now), _l("The activity is open.")),
    "close": (lambda user, a, now: services.close_activity(user, a, now=now), _l("The activity is closed.")),
    "reveal": (lambda user, a, now: services.reveal_results(user, a, revealed=True), _l("The results are shown.")),
    "conceal": (lambda user, a, now: services.reveal_results(user, a, revealed=False), _l("The results are hidden.")),
}


@bp.post("/participate/<session_uuid>/manage/a/<activity_uuid>/<action>")
@organiser_required
def activity_action(session_uuid: str, activity_uuid: str, action: str):
    session = _managed_session(session_uuid)
    activity = queries.get_activity(session, activity_uuid)
    if action in ACTIVITY_ACTIONS:
        do, message = ACTIVITY_ACTIONS[action]
        try:
            with transaction():
                do(current_user, activity, utcnow())
        except DomainError as error:
            flash(str(error.message), "error")
        else:
            flash(str(message), "success")
    elif action in ("card", "count"):
        form = forms.PaperCardForm() if action == "card" else forms.CountForm()
        if not form.validate_on_submit():
            flash(_form_errors(form), "error")
        else:
            try:
                with transaction():
                    _facilitator_entry(activity, form)
            except DomainError as error:
                flash(str(error.message), "error")
            else:
                flash(
                    _("The paper card has been added.") if action == "card" else _("The count has been added."),
                    "success",
                )
    else:
        abort(404)
    return _to_manage(session, f"a-{activity.uuid}")


def _facilitator_entry(activity, form) -> None:
    """A paper card, or a show of hands / paper ballots counted for one answer."""
    if isinstance(form, forms.PaperCardForm):
        services.enter_paper_card(current_user, activity, form.body.data, now=utcnow())
        return
    choice = form.choice.data or ""
    services.record_show_of_hands(
        current_user,
        activity,
        count=form.count.data,
        option_ids=[int(choice)] if choice.isdigit() and activity.poll_type in ("single", "multiple") else [],
        value=int(choice) if choice.isdigit() and activity.poll_type == "scale" else None,
        text=form.text.data or "",
        now=utcnow(),
    )


@bp.post("/participate/<session_uuid>/manage/c/<contribution_uuid>/<action>")
@organiser_required
def contribution_action(session_uuid: str, contribution_uuid: str, action: str):
    session = _managed_session(session_uuid)
    contribution = queries.get_contribution(session, contribution_uuid)
    now = utcnow()
    try:
        with transaction():
            _moderate(session, contribution, action, now)
    except DomainError as error:
        flash(str(error.message), "error")
    except _FormInvalid as invalid:
        flash(str(invalid), "error")
    else:
        flash(_("Saved."), "success")
    return _to_manage(session, f"c-{contribution.uuid}")


class _FormInvalid(Exception):
    pass


def _form_errors(form) -> str:
    return " ".join(str(e) for errors in form.errors.values() for e in errors)


def _moderate(session, contribution, action, now):
    if action == "approve":
        services.approve(current_user, contribution, now=now)
    elif action == "hide":
        form = forms.HideForm()
        if not form.validate_on_submit():
            raise _FormInvalid(_form_errors(form))
        services.hide(current_user, contribution, reason=form.reason.data or "", now=now)
    elif action in ("answered", "unanswered"):
        services.mark_answered(current_user, contribution, answered=action == "answered", now=now)
    elif action in ("pin", "unpin"):
        services.pin(current_user, contribution, pinned=action == "pin", now=now)
    elif action == "reject":
        form = forms.RejectForm()
        if not form.validate_on_submit():
            raise _FormInvalid(_form_errors(form))
        services.reject(current_user, contribution, form.reason.data, now=now)
    elif action == "merge":
        target = queries.get_contribution(session, request.form.get("target", ""))
        services.merge(current_user, contribution, target, now=now)
    elif action == "outcome":
        form = forms.OutcomeForm()
        if not form.validate_on_submit():
            raise _FormInvalid(_form_errors(form))
        services.set_outcome(
            current_user,
            contribution,
            form.outcome.data,
            {lang: getattr(form, f"reason_{lang}").data or "" for lang in ("fr", "nl", "en")},
            now=now,
        )
    else:
        abort(404)


# ---------------------------------------------------------------------------- projector and live updates


def _join_url(room) -> str:
    return current_app.config["PUBLIC_BASE_URL"].rstrip("/") + url_for("participation.join_code", code=room.code)


def _projector_context(session, room) -> dict:
    langs = screens.languages(session)
    join_url = _join_url(room)
    return {
        "session": session,
        "room": room,
        "view": screens.screen_view(session, room),
        "join_page_url": join_url.rsplit("/", 1)[0],
        "qr": screens.qr_svg(join_url),
        "bi": partial(screens.bilingual, langs),
        "bic": partial(screens.bilingual_count, langs),
        "organiser_text": lambda obj, name: screens.organiser_text(obj, name, langs),
    }


def _live_ttl() -> float:
    return current_app.config["LIVE_VERSION_TTL"]


def _not_modified(etag: str):
    """304 when the device already holds this version (in either encoding: If-None-Match compares weakly,
    RFC 9110 13.1.2); None otherwise."""
    if request.if_none_match.contains_weak(etag):
        response = make_response("", 304)
        response.set_etag(etag)
        response.headers["Cache-Control"] = "no-cache, private"
        return response
    return None


def _live_fragment(fragment: live.Fragment, etag: str):
    """The fragment, gzipped when it may be and the device accepts it (a phone's browser always does):
    1,000 phones fetch each new version, and a board of 100 cards is some 150 KiB of HTML."""
    if fragment.gzipped is not None and "gzip" in request.accept_encodings:
        response = make_response(fragment.gzipped)
        response.headers["Content-Encoding"] = "gzip"
        response.set_etag(etag, weak=True)  # another encoding of the same version
    else:
        response = make_response(fragment.html)
        response.set_etag(etag)
    response.vary.add("Accept-Encoding")
    response.headers["Cache-Control"] = "no-cache, private"
    return response


@bp.get("/participate/<session_uuid>/projector")
@organiser_required
def projector(session_uuid: str):
    session = _managed_session(session_uuid)
    with transaction():
        room = services.ensure_room(session, now=utcnow())
    version = live.room_version(session_uuid, public=False, ttl=0)
    return _no_store(
        make_response(
            render_template(
                "participation/projector.html",
                etag=f'"p{version}"',
                keys=screens.SCREEN_KEYS,
                **_projector_context(session, room),
            )
        )
    )


@bp.get("/participate/<session_uuid>/projector/live")
@organiser_required
def projector_live(session_uuid: str):
    """The room's screen for the projector's script: 304 while nothing changed, else the screen's HTML."""
    session = _managed_session(session_uuid)  # the organiser's access, checked on every poll
    etag = f"p{live.room_version(session_uuid, public=False, ttl=_live_ttl())}"
    if (unchanged := _not_modified(etag)) is not None:
        return unchanged

    def build():
        room = queries.get_room(session)
        return render_template("participation/_projector_screen.html", **_projector_context(session, room))

    return _live_fragment(live.fragment(("projector", session_uuid, etag), build), etag)


@bp.get("/participate/<session_uuid>/live")
def live_sections(session_uuid: str):
    """The phone page's activities for its script: 304 while nothing changed, else their HTML.

    The same for every phone of a language and channel (the phone's own state stays in its page), so
    it is rendered once per version and served from memory to the room. `channel` only picks which
    forms are shown; the services check who may answer.
    """
    version = live.room_version(session_uuid, public=True, ttl=_live_ttl())
    if version is None:
        abort(404)
    lang = current_language()
    channel = request.args.get("channel", "")
    if channel not in LIVE_CHANNELS:
        channel = Channel.GUEST.value
    etag = f"{version}-{lang}-{channel}"
    if (unchanged := _not_modified(etag)) is not None:
        return unchanged

    def build():
        session = queries.get_session(session_uuid)
        context = {**_sections_context(session, channel, None), "shared": True, "room_card": _kept_card(lang)}
        return render_template("participation/_live_sections.html", **context)

    return _live_fragment(live.fragment(("phone", session_uuid, version, lang, channel), build, compress=True), etag)


@bp.post("/participate/<session_uuid>/manage/screen")
@organiser_required
def show_on_screen(session_uuid: str):
    """Choose the room's screen (manage page buttons, and the projector's keys through its script)."""
    session = _managed_session(session_uuid)
    try:
        screen = Screen(request.form.get("screen", ""))
    except ValueError:
        abort(400)
    activity_uuid = request.form.get("activity")
    activity = queries.get_activity(session, activity_uuid) if activity_uuid else None
    return _room_control(
        session,
        lambda: services.show_on_screen(current_user, session, screen, activity),
        _("The room screen has changed."),
    )


@bp.post("/participate/<session_uuid>/manage/next")
@organiser_required
def next_activity(session_uuid: str):
    """Close the activity on the room's screen and open the next one, on the screen."""
    session = _managed_session(session_uuid)
    return _room_control(
        session,
        lambda: services.next_activity(current_user, session, now=utcnow()),
        _("The next activity is open and on the room screen."),
    )


def _room_control(session, do, done: str, anchor: str = "screen"):
    """Run an organiser's room control: back to the manage page with a message, or for the projector's
    script (its keys) a bare 204, or the refusal's message and status."""
    try:
        with transaction():
            do()
    except DomainError as error:
        if _from_script():
            return str(error.message), error.status
        flash(str(error.message), "error")
    else:
        if _from_script():
            return "", 204
        flash(done, "success")
    return _to_manage(session, anchor)


def _from_script() -> bool:
    """The projector's keys and the phone's votes, supports and ideas post through a script, which wants
    no page back."""
    return request.headers.get("X-Requested-With") == "live"


# ---------------------------------------------------------------------------- results, report, exports


@bp.get("/participate/<session_uuid>/results")
def results(session_uuid: str):
    from eventapp.participation.reports import session_results

    session = queries.get_session(session_uuid)
    return render_template(
        "participation/results.html", session=session, event=session.event, r=session_results(session)
    )


@bp.get("/participate/events/<slug>/report")
def event_report(slug: str):
    from eventapp.events.queries import get_public_event
    from eventapp.participation import reports

    event = get_public_event(slug)
    lang = current_language()
    sessions = queries.list_participatory_sessions(event)
    return render_template(
        "participation/report.html",
        event=event,
        attendance=reports.attendance(event, lang),
        sessions=[reports.session_results(s) for s in sessions],
        contributions=reports.count_contributions(event),
    )


@bp.get("/participate/events/<slug>/export.<fmt>")
def export(slug: str, fmt: str):
    from eventapp.events.queries import get_public_event
    from eventapp.participation import exports
    from eventapp.participation.models import ExportLevel

    if fmt not in ("csv", "json"):
        abort(404)
    try:
        level = ExportLevel(request.args.get("level", "public"))
    except ValueError:
        abort(404)
    event = get_public_event(slug)
    if level != ExportLevel.PUBLIC:
        if not current_user.is_authenticated:
            raise PermissionDenied()
        require_event_access(current_user, event.id)
    rows = exports.build_rows(event, level)
    if level != ExportLevel.PUBLIC:
        with transaction():
            services.log_export(current_user, event, level, fmt, len(rows), now=utcnow())
    if fmt == "csv":
        body, mimetype = exports.to_csv(rows), "text/csv; charset=utf-8"
    else:
        body, mimetype = exports.to_json(rows, event, level), "application/json"
    response = make_response(body)
    response.mimetype = mimetype.split(";")[0]
    if fmt == "csv":
        response.headers["Content-Type"] = mimetype
    response.headers["Content-Disposition"] = f'attachment; filename="{event.slug}-participation-{level.value}.{fmt}"'
    if level != ExportLevel.PUBLIC:
        response.headers["Cache-Control"] = "no-store, private"
    return response
