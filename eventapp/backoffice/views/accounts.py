"""Organiser accounts: the list, inviting someone, their events, deactivating and reactivating."""

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from eventapp.accounts import services as account_services
from eventapp.accounts.forms import EmptyForm
from eventapp.accounts.models import Role
from eventapp.backoffice import queries
from eventapp.backoffice.forms import AssignmentsForm, InviteForm
from eventapp.backoffice.views import bp
from eventapp.backoffice.views.pages import save
from eventapp.core.db import transaction
from eventapp.core.errors import DomainError
from eventapp.core.i18n import current_language
from eventapp.core.time import utcnow


@bp.get("/users")
def users():
    return render_template(
        "backoffice/users.html", accounts=queries.list_accounts(current_user), now=utcnow(), action_form=EmptyForm()
    )


@bp.route("/users/new", methods=["GET", "POST"])
def user_new():
    queries.require_admin(current_user)
    form = InviteForm().setup(queries.list_managed_events(current_user), current_language())
    return save(
        form,
        lambda: account_services.invite_user(
            current_user,
            form.email.data,
            role=Role(form.role.data),
            event_ids=form.events.data or [],
            language=form.language.data,
            now=utcnow(),
            base_url=current_app.config["PUBLIC_BASE_URL"],
        ),
        lambda user: (
            _("Account created: %(email)s received a link to choose a password.", email=user.email),
            url_for("backoffice.users"),
        ),
        "backoffice/user_form.html",
    )


@bp.route("/users/<int:user_id>/events", methods=["GET", "POST"])
def user_events(user_id: int):
    """Which events an organiser manages: one joins the team of an event, another leaves it."""
    user = queries.get_account(current_user, user_id)
    form = AssignmentsForm().setup(queries.list_managed_events(current_user), current_language())
    if request.method == "GET":
        form.events.data = [event.id for event in queries.list_assigned_events(current_user, user)]
    return save(
        form,
        lambda: account_services.set_assignments(current_user, user, form.events.data or [], now=utcnow()),
        lambda changed: (_("Saved.") if changed else _("Nothing changed."), url_for("backoffice.users")),
        "backoffice/user_events.html",
        user=user,
    )


@bp.post("/users/<int:user_id>/deactivate")
def user_deactivate(user_id: int):
    """Someone leaves the team: their account stops working at once."""
    return _set_active(user_id, active=False)


@bp.post("/users/<int:user_id>/reactivate")
def user_reactivate(user_id: int):
    return _set_active(user_id, active=True)


def _set_active(user_id: int, *, active: bool):
    user = queries.get_account(current_user, user_id)
    if not EmptyForm().validate_on_submit():
        flash(_("The form has expired. Please try again."), "error")
        return redirect(url_for("backoffice.users"))
    try:
        with transaction():
            account_services.set_active(current_user, user, active, now=utcnow())
    except DomainError as error:
        flash(error.message, "error")
    else:
        if active:
            flash(_("%(email)s can log in again.", email=user.email), "info")
        else:
            flash(_("%(email)s can no longer log in.", email=user.email), "info")
    return redirect(url_for("backoffice.users"))
