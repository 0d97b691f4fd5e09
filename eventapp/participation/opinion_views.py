"""Pages of the opinion map (activity kind "opinions"), on the participation blueprint: the phone page that
shows one statement at a time, and the map page. Thin: the services in `opinions` do the work."""

import io
import zipfile

from flask import abort, flash, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from eventapp.accounts.forms import EmptyForm
from eventapp.accounts.permissions import organiser_required
from eventapp.core.db import transaction
from eventapp.core.errors import DomainError
from eventapp.core.i18n import current_language
from eventapp.core.time import utcnow
from eventapp.extensions import limiter
from eventapp.participation import identity, live, opinions, queries, services
from eventapp.participation.models import ActivityKind, ActivityStatus, Contribution, ContributionStatus, ExportLevel
from eventapp.participation.opinion_forms import ReactionForm, SeedStatementForm, StatementForm, TranslationForm
from eventapp.participation.reports import suppressed
from eventapp.participation.views import (
    _acting_participant,
    _form_errors,
    _live_fragment,
    _live_ttl,
    _managed_session,
    _no_store,
    _not_modified,
    _participant_limit,
    _to_manage,
    bp,
)

MAX_SKIPPED = 30  # statements a phone may skip before the oldest skipped comes back


def _opinions_activity(session_uuid: str, activity_uuid: str):
    session = queries.get_session(session_uuid)
    activity = queries.get_activity(session, activity_uuid)
    if activity.kind != ActivityKind.OPINIONS or activity.status == ActivityStatus.DRAFT:
        abort(404)
    return session, activity


def _skipped(activity) -> list[int]:
    """The statements this phone skipped, from the page's address (no JavaScript, no state on the server)."""
    wanted = [u for u in request.args.get("skip", "").split(",") if u][-MAX_SKIPPED:]
    return [s.id for s in opinions.list_statements(activity) if str(s.uuid) in wanted]


def _page(session, activity, **args):
    return url_for("participation.opinions_page", session_uuid=session.uuid, activity_uuid=activity.uuid, **args)


@bp.get("/participate/<session_uuid>/a/<activity_uuid>/opinions")
def opinions_page(session_uuid: str, activity_uuid: str):
    session, activity = _opinions_activity(session_uuid, activity_uuid)
    return _no_store(make_response(_render(session, activity)))


def _render(session, activity, *, statement_form=None, status=200):
    participant = identity.current_participant(session)
    skipped = _skipped(activity)
    mine = opinions.get_reactions_of(participant, activity) if participant else {}
    # Everything else reacted to: the skipped statements come back.
    statement = opinions.next_statement(participant, activity, skipped=skipped) or (
        opinions.next_statement(participant, activity) if skipped else None
    )
    statements = opinions.list_statements(activity)
    skip_with = ",".join(str(s.uuid) for s in statements if s.id in skipped)
    version = live.room_version(str(session.uuid), public=True, ttl=0)
    html = render_template(
        "participation/opinions/phone.html",
        session=session,
        event=session.event,
        activity=activity,
        joined=participant is not None,
        statement=statement,
        statement_text=statement and opinions.get_statement_text(statement, current_language()),
        # What this phone has no need to be brought: reacted to, skipped, shown now.
        seen=[s.uuid for s in statements if s.id in mine or s.id in skipped or s == statement],
        statements=statements,
        m=opinions.get_map_view(activity),
        live_url=url_for(
            "participation.opinions_live",
            session_uuid=session.uuid,
            activity_uuid=activity.uuid,
            lang=current_language(),
        ),
        live_etag=_live_etag(version),
        live_interval=live.POLL_INTERVAL_MS,
        reacted=len(mine),
        total=len(statements),
        skip_url=statement and _page(session, activity, skip=",".join(filter(None, [skip_with, str(statement.uuid)]))),
        skip_with=skip_with,
        reaction_form=ReactionForm(formdata=None),
        statement_form=statement_form or StatementForm(formdata=None),
        erase_form=EmptyForm(formdata=None, prefix="erase"),
    )
    return html, status


def _live_etag(version) -> str:
    return f"o{version}-{current_language()}"


@bp.get("/participate/<session_uuid>/a/<activity_uuid>/opinions/live")
def opinions_live(session_uuid: str, activity_uuid: str):
    """The phone page's shared part for its script (opinions.js): 304 while the room's version is unchanged,
    else the statements and the groups so far, rendered once per worker, version and language
    (live.fragment), as the session page's fragment. Nothing of the phone's own: that stays in its page."""
    version = live.room_version(session_uuid, public=True, ttl=_live_ttl())
    if version is None:
        abort(404)
    etag = _live_etag(version)
    if (unchanged := _not_modified(etag)) is not None:
        return unchanged

    def build():
        _session, activity = _opinions_activity(session_uuid, activity_uuid)
        return render_template(
            "participation/opinions/_phone_live.html",
            activity=activity,
            statements=opinions.list_statements(activity),
            m=opinions.get_map_view(activity),
        )

    return _live_fragment(live.fragment(("opinions", activity_uuid, etag), build), etag)


def _statement(activity, statement_uuid: str) -> Contribution:
    statement = queries.get_contribution(activity.session, statement_uuid)
    if statement.activity_id != activity.id or statement.status != ContributionStatus.PUBLISHED:
        abort(404)
    return statement


def _act(session, activity, do, *, skip: str = ""):
    """Run a participant's action in one transaction; PRG back to the phone page, the outcome flashed."""
    back = redirect(_page(session, activity, **({"skip": skip} if skip else {})), code=303)
    try:
        with transaction():
            message = do(_acting_participant(session, activity))
    except DomainError as error:
        flash(str(error.message), "error")
        return _no_store(back)
    if message:
        flash(message, "success")
    return _no_store(back)


@bp.post("/participate/<session_uuid>/a/<activity_uuid>/opinions/<statement_uuid>/react")
@limiter.limit(_participant_limit, key_func=identity.rate_limit_key)
def react(session_uuid: str, activity_uuid: str, statement_uuid: str):
    session, activity = _opinions_activity(session_uuid, activity_uuid)
    statement = _statement(activity, statement_uuid)
    form = ReactionForm()
    skip = request.form.get("skip", "")
    if not form.validate_on_submit():
        flash(_("Choose agree, disagree or pass."), "error")
        return _no_store(redirect(_page(session, activity, **({"skip": skip} if skip else {})), code=303))
    return _act(session, activity, lambda p: opinions.react(p, statement, form.vote.data, now=utcnow()), skip=skip)


@bp.post("/participate/<session_uuid>/a/<activity_uuid>/opinions/statement")
@limiter.limit(_participant_limit, key_func=identity.rate_limit_key)
def add_statement(session_uuid: str, activity_uuid: str):
    session, activity = _opinions_activity(session_uuid, activity_uuid)
    form = StatementForm()
    if not form.validate_on_submit():
        html, status = _render(session, activity, statement_form=form, status=422)
        return _no_store(make_response(html, status))

    def do(participant):
        sent = opinions.submit_statement(
            participant, activity, form.body.data, language=current_language(), now=utcnow()
        )
        if sent.status == ContributionStatus.PENDING:
            return _("Thank you! Your statement will appear once a moderator has approved it.")
        return _("Thank you! Your statement is online.")

    return _act(session, activity, do)


@bp.post("/participate/<session_uuid>/a/<activity_uuid>/opinions/erase")
@limiter.limit(_participant_limit, key_func=identity.rate_limit_key)
def erase_reactions(session_uuid: str, activity_uuid: str):
    session, activity = _opinions_activity(session_uuid, activity_uuid)
    participant = identity.current_participant(session)
    if EmptyForm(prefix="erase").validate_on_submit() and participant is not None:
        with transaction():
            opinions.erase_reactions(participant, activity)
        flash(_("Your reactions are erased. The map forgets them within seconds."), "success")
    return _no_store(redirect(_page(session, activity), code=303))


@bp.get("/participate/<session_uuid>/a/<activity_uuid>/opinion-map")
def opinion_map(session_uuid: str, activity_uuid: str):
    session, activity = _opinions_activity(session_uuid, activity_uuid)
    return render_template(
        "participation/opinions/map.html",
        session=session,
        event=session.event,
        activity=activity,
        m=opinions.get_map_view(activity),
    )


# ---------------------------------------------------------------------------- organisers


def _seed_form(session, *, blank: bool = False) -> SeedStatementForm:
    """The organisers' statement form offering the session's languages; a blank one proposes the page's."""
    languages = opinions.statement_languages(session)
    if blank:
        form = SeedStatementForm(
            formdata=None, language=current_language() if current_language() in languages else "fr"
        )
    else:
        form = SeedStatementForm()
    form.language.choices = [c for c in form.language.choices if c.value in languages]
    return form


@bp.context_processor
def _organiser_helpers():
    """For the opinions blocks of the organisers' page, the results page and the report (participation/opinions/)."""
    return {
        "opinion_statements": opinions.list_statements,
        "opinion_statement_form": lambda session: _seed_form(session, blank=True),
        "opinion_translations": opinions.get_translations,
        "opinion_languages": opinions.statement_languages,
        "opinion_translation_form": lambda language, body: TranslationForm(
            formdata=None, data={"language": language, "body": body}
        ),
        "opinion_report": opinions.opinions_report,
        "opinion_map_view": opinions.get_map_view,
        "suppressed": suppressed,
    }


def _managed_opinions(session_uuid: str, activity_uuid: str):
    session = _managed_session(session_uuid)
    activity = queries.get_activity(session, activity_uuid)
    if activity.kind != ActivityKind.OPINIONS:
        abort(404)
    return session, activity


def _organiser_action(session, anchor: str, form, do, done: str):
    """Validate the form, run the organiser's action in one transaction, flash the outcome, back to the
    organisers' page at `anchor`."""
    if not form.validate_on_submit():
        flash(_form_errors(form), "error")
    else:
        try:
            with transaction():
                do()
        except DomainError as error:
            flash(str(error.message), "error")
        else:
            flash(done, "success")
    return _to_manage(session, anchor)


@bp.post("/participate/<session_uuid>/manage/a/<activity_uuid>/opinions/statement")
@organiser_required
def seed_statement(session_uuid: str, activity_uuid: str):
    session, activity = _managed_opinions(session_uuid, activity_uuid)
    form = _seed_form(session)
    return _organiser_action(
        session,
        f"a-{activity.uuid}",
        form,
        lambda: opinions.seed_statement(
            current_user, activity, form.body.data, language=form.language.data, now=utcnow()
        ),
        _("The statement has been added."),
    )


@bp.post("/participate/<session_uuid>/manage/c/<statement_uuid>/translation")
@organiser_required
def translate_statement(session_uuid: str, statement_uuid: str):
    session = _managed_session(session_uuid)
    statement = queries.get_contribution(session, statement_uuid)
    form = TranslationForm()
    return _organiser_action(
        session,
        f"s-{statement.uuid}",
        form,
        lambda: opinions.translate_statement(current_user, statement, form.language.data, form.body.data, now=utcnow()),
        _("The translation has been saved."),
    )


@bp.get("/participate/<session_uuid>/manage/a/<activity_uuid>/polis.zip")
@organiser_required
def polis_export(session_uuid: str, activity_uuid: str):
    """The activity in Polis's open-data format, zipped; logged as a research export (reactions per person)."""
    session, activity = _managed_opinions(session_uuid, activity_uuid)
    files = opinions.export_polis(activity)
    with transaction():
        rows = files["votes.csv"].count("\n") - 1
        services.log_export(current_user, session.event, ExportLevel.RESEARCH, "polis", rows, now=utcnow())
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in files.items():
            archive.writestr(name, text)
    response = make_response(buffer.getvalue())
    response.mimetype = "application/zip"
    response.headers["Content-Disposition"] = f'attachment; filename="opinions-{activity.uuid}-polis.zip"'
    response.headers["Cache-Control"] = "no-store, private"
    return response
