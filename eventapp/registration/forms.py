"""Registration forms: they check shape (lengths, formats, choices); services check the rules."""

import unicodedata

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    EmailField,
    IntegerField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    widgets,
)
from wtforms.validators import InputRequired, Length, Optional, ValidationError

from eventapp.core.communes import OUTSIDE_BRUSSELS, list_communes
from eventapp.core.i18n import LANGUAGE_NAMES, LANGUAGES, localized
from eventapp.core.validators import BoundedNumberRange, DeliverableEmail
from eventapp.registration.models import Audience
from eventapp.registration.names import NAME_MAX, NAME_RULE, is_name
from eventapp.registration.services import (
    CONFIRM_ABOVE_SEATS,
    CONFIRM_WITHIN,
    UNCONFIRMED_SEATS_PER_NETWORK,
    RegistrationData,
    network_allowance,
)

AUDIENCE_LABELS = {
    Audience.RESIDENT: _l("Brussels resident"),
    Audience.CIVIL_SOCIETY: _l("Civil-society organisation"),
    Audience.BUSINESS: _l("Business"),
    Audience.PROFESSIONAL: _l("Education or culture professional"),
    Audience.OTHER: _l("Other"),
}


def no_control_characters(multiline: bool = False):
    allowed = {"\n", "\r", "\t"} if multiline else set()

    def _check(form, field):
        value = field.data or ""
        if any(unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Co") and ch not in allowed for ch in value):
            raise ValidationError(_l("Remove the invisible control characters from this field."))

    return _check


def a_name(form, field) -> None:
    """The name goes into emails to the address beside it: a name, not a message (registration.names)."""
    if not is_name(" ".join((field.data or "").split())):
        raise ValidationError(NAME_RULE)


class CheckboxListField(SelectMultipleField):
    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


class SessionChoiceMixin:
    sessions = CheckboxListField(_l("Sessions"), coerce=int, choices=[], validators=[Optional()], validate_choice=True)

    def set_session_choices(self, event, lang: str) -> None:
        self.session_options = [s for s in event.sessions if s.capacity is not None]
        self.sessions.choices = [SelectChoice(s.id, localized(s, "title", lang).text) for s in self.session_options]


def _name_field() -> StringField:
    return StringField(
        _l("Full name"),
        validators=[InputRequired(_l("Enter your name.")), no_control_characters(), a_name],
        render_kw={"autocomplete": "name", "maxlength": NAME_MAX},
    )


def _email_field(label) -> EmailField:
    return EmailField(
        label,
        validators=[
            InputRequired(_l("Enter your email address.")),
            Length(max=254),
            # Stores the ASCII form (IDN domains in punycode); refuses accents before the @.
            DeliverableEmail(_l("Enter an email address like name@example.be.")),
        ],
        render_kw={"autocomplete": "email", "maxlength": 254, "spellcheck": "false", "autocapitalize": "off"},
    )


class RegistrationForm(SessionChoiceMixin, FlaskForm):
    name = _name_field()
    email = _email_field(_l("Email address"))
    language = SelectField(
        _l("Language of your emails"), choices=[SelectChoice(code, LANGUAGE_NAMES[code]) for code in LANGUAGES]
    )
    seats = IntegerField(
        _l("Number of seats"),
        default=1,
        validators=[InputRequired(_l("Enter a number of seats."))],
        render_kw={"inputmode": "numeric", "min": 1},
    )
    audience = SelectField(
        _l("You are… (optional)"),
        choices=[SelectChoice("", _l("Prefer not to say"))]
        + [SelectChoice(a.value, label) for a, label in AUDIENCE_LABELS.items()],
        validators=[Optional()],
    )
    commune = SelectField(_l("Where do you live? (optional)"), choices=[], validators=[Optional()])
    accessibility_needs = TextAreaField(
        _l("Accessibility needs (optional)"),
        validators=[Optional(), Length(max=500), no_control_characters(multiline=True)],
        render_kw={"maxlength": 500, "rows": 3},
    )
    consent = BooleanField(
        _l("I have read the privacy notice and agree that my registration data is processed as it describes."),
        validators=[InputRequired(_l("Please accept the privacy notice to register."))],
    )
    # Honeypot: hidden from people (CSS and aria-hidden), filled in by naive bots.
    website = StringField(_l("Leave this field empty"), render_kw={"autocomplete": "off", "tabindex": "-1"})

    def setup(self, event, lang: str, network_seats: int = UNCONFIRMED_SEATS_PER_NETWORK) -> "RegistrationForm":
        self.set_session_choices(event, lang)
        self.max_seats = event.max_seats_per_registration
        # The registration limits, told on the form (registration.services, module docstring).
        self.confirm_above = CONFIRM_ABOVE_SEATS
        self.confirm_hours = int(CONFIRM_WITHIN.total_seconds() // 3600)
        self.network_seats = network_allowance(event, network_seats) if network_seats else 0
        self.seats.validators = [
            InputRequired(_l("Enter a number of seats.")),
            BoundedNumberRange(
                min=1,
                max=self.max_seats,
                message=_l("You can book from 1 to %(num)d seats.", num=self.max_seats),
            ),
        ]
        self.seats.render_kw = {"inputmode": "numeric", "min": 1, "max": self.max_seats}
        self.commune.choices = (
            [SelectChoice("", _l("Prefer not to say"))]
            + [SelectChoice(c.nis_code, c.name(lang)) for c in sorted(list_communes(), key=lambda c: c.name(lang))]
            + [SelectChoice(OUTSIDE_BRUSSELS, _l("Outside the Brussels Region"))]
        )
        if not self.is_submitted():
            self.language.data = lang
        return self

    def to_data(self) -> RegistrationData:
        return RegistrationData(
            name=self.name.data,
            email=self.email.data,
            language=self.language.data,
            seats=self.seats.data,
            audience=Audience(self.audience.data) if self.audience.data else None,
            commune=self.commune.data or None,
            session_ids=tuple(self.sessions.data or ()),
            accessibility_needs=self.accessibility_needs.data or "",
            consent=bool(self.consent.data),
        )


class SessionsForm(SessionChoiceMixin, FlaskForm):
    pass


class SeatsForm(FlaskForm):
    seats = IntegerField(_l("New number of seats"), validators=[InputRequired(_l("Enter a number of seats."))])


class NameForm(FlaskForm):
    """Correct the name on the manage page."""

    name = _name_field()


class EmailForm(FlaskForm):
    """Ask for the emails to go to another address (services.request_email_change)."""

    email = _email_field(_l("New email address"))


class ConfirmAddressForm(FlaskForm):
    """A button only (and its CSRF token)."""


class ConfirmForm(FlaskForm):
    confirm = BooleanField(_l("Yes, I am sure"), validators=[InputRequired(_l("Tick the box to confirm."))])
