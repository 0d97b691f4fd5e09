"""Forms of the opinion map's phone page: shape only; the services check the rules."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import RadioField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired

from eventapp.participation.forms import _text
from eventapp.participation.opinion_models import STATEMENT_MAX


class StatementForm(FlaskForm):
    body = _text(_l("Your statement"), STATEMENT_MAX, render_kw={"maxlength": STATEMENT_MAX, "autocomplete": "off"})


class ReactionForm(FlaskForm):
    # Three submit buttons named "vote" send it; a radio field checks the value.
    vote = RadioField(
        choices=[
            SelectChoice("agree", _l("Agree")),
            SelectChoice("disagree", _l("Disagree")),
            SelectChoice("pass", _l("Pass / unsure")),
        ],
        validators=[InputRequired(_l("Choose agree, disagree or pass."))],
    )
