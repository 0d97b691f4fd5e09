"""The audit log: who did what in the back office."""

from flask import render_template, request, url_for
from flask_login import current_user

from eventapp.backoffice import queries
from eventapp.backoffice.views import bp


@bp.get("/audit")
def audit():
    page = queries.list_audit(current_user, page=request.args.get("page", 1, type=int) or 1)
    return render_template(
        "backoffice/audit.html",
        page=page,
        page_url=lambda n: url_for("backoffice.audit", page=n),
        attendees=queries.name_attendees(current_user, page.items),
    )
