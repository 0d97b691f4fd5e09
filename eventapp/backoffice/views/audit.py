"""The audit log: who did what in the back office."""

from flask import render_template, request, url_for
from flask_login import current_user

from eventapp.backoffice import queries
from eventapp.backoffice.forms import AuditFilterForm
from eventapp.backoffice.views import bp
from eventapp.backoffice.views.pages import PER_PAGE
from eventapp.events.queries import Page


@bp.get("/audit")
def audit():
    form = AuditFilterForm(request.args).setup(queries.list_audit_kinds(current_user))
    valid, kind = form.validate(), form.kind.data or ""
    number = request.args.get("page", 1, type=int) or 1
    page = queries.list_audit(current_user, page=number, kind=kind) if valid else Page([], 1, PER_PAGE, 0)
    return render_template(
        "backoffice/audit.html",
        form=form,
        page=page,
        page_url=lambda n: url_for("backoffice.audit", page=n, kind=kind or None),
        attendees=queries.name_attendees(current_user, page.items),
    ), (200 if valid else 400)
