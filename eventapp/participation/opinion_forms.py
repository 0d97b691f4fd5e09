"""Forms of the opinion map's phone page: shape only; the services check the rules."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, RadioField, SelectField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import AnyOf, InputRequired

from eventapp.core.i18n import LANGUAGE_NAMES, LANGUAGES
from eventapp.participation.forms import _text
from eventapp.participation.opinion_models import STATEMENT_MAX


class StatementForm(FlaskForm):
    body = _text(_l("Your statement"), STATEMENT_MAX, render_kw={"maxlength": STATEMENT_MAX, "autocomplete": "off"})


class SeedStatementForm(StatementForm):
    """The organisers' statement and the language it is written in (choices: the session's, set by the view)."""

    body = _text(_l("Statement"), STATEMENT_MAX, render_kw={"maxlength": STATEMENT_MAX, "autocomplete": "off"})
    language = SelectField(
        _l("Written in"),
        choices=[SelectChoice(code, LANGUAGE_NAMES[code], render_kw={"lang": code}) for code in LANGUAGES],
    )


class TranslationForm(FlaskForm):
    language = HiddenField(validators=[AnyOf(LANGUAGES, message=_l("Choose one of the session's languages."))])
    body = _text(_l("Translation"), STATEMENT_MAX, render_kw={"maxlength": STATEMENT_MAX, "autocomplete": "off"})


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
