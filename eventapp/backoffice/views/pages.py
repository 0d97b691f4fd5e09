"""What the back-office pages share: the mailing settings and the form page pattern."""

from flask import current_app, flash, redirect, render_template

from eventapp.core.db import transaction
from eventapp.core.errors import DomainError
from eventapp.core.web import show_domain_error
from eventapp.registration import notices

PER_PAGE = 50


def mailing() -> notices.Mailing:
    return notices.Mailing(key=current_app.config["SECRET_KEY"], base_url=current_app.config["PUBLIC_BASE_URL"])


def form_status(form) -> int:
    return 422 if form.errors else 200


def save(form, call, done, template: str, **context):
    """The form page pattern: on a valid POST, call the service in a transaction; a domain error
    with a field goes next to that field; on success flash and redirect (`done(result)` gives
    the message and the URL); otherwise show the page (422 when it has errors)."""
    if form.validate_on_submit():
        try:
            with transaction():
                result = call()
        except DomainError as error:
            if not show_domain_error(form, error):
                raise
        else:
            message, url = done(result)
            flash(message, "info")
            return redirect(url)
    return render_template(template, form=form, **context), form_status(form)
