"""Back-office forms: shape only (lengths, formats, choices). The rules are in the services."""

import re
from datetime import UTC
from uuid import UUID

from flask_babel import format_date
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    DateTimeLocalField,
    DecimalField,
    EmailField,
    HiddenField,
    IntegerField,
    SearchField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    Optional,
    Regexp,
    ValidationError,
)

from eventapp.core.i18n import LANGUAGE_NAMES, LANGUAGES, localized
from eventapp.core.time import BRUSSELS
from eventapp.core.validators import BoundedNumberRange, DeliverableEmail, plausible_year
from eventapp.events import images
from eventapp.events.facilities import FACILITIES, store_facilities
from eventapp.events.models import EventStatus, SessionKind
from eventapp.registration.forms import AUDIENCE_LABELS, RegistrationForm

SLUG = Regexp(r"^[a-z0-9]+(?:-[a-z0-9]+)*$", message=_l("Use lower-case letters, digits and dashes only."))
UUID_PATTERN = r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"
UUID_EXAMPLE = "85b04295-479c-40f5-b3dd-469dfb4387b3"
_CONTROL_LINE = re.compile(r"[\x00-\x1f\x7f]")
_CONTROL_TEXT = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def no_control(multiline: bool = False):
    pattern = _CONTROL_TEXT if multiline else _CONTROL_LINE

    def check(form, field):
        if field.data and pattern.search(field.data):
            raise ValidationError(_l("This text contains characters that are not allowed."))

    return check


def line(label, max_length: int, *validators, **kwargs):
    return StringField(label, validators=[*validators, Length(max=max_length), no_control()], **kwargs)


def text(label, max_length: int, *validators, **kwargs):
    return TextAreaField(label, validators=[*validators, Length(max=max_length), no_control(True)], **kwargs)


def when(label, required: bool = True):
    return DateTimeLocalField(label, validators=[InputRequired() if required else Optional(), plausible_year])


def ends_after_start(form, field):
    """The `validate_ends_at` of forms with a `starts_at` and an `ends_at`."""
    if field.data and form.starts_at.data and field.data <= form.starts_at.data:
        raise ValidationError(_l("The end must be after the start."))


def to_utc(value):
    """A datetime-local typed in Brussels time, as an aware UTC datetime."""
    return value.replace(tzinfo=BRUSSELS).astimezone(UTC) if value else None


def to_local(value):
    return value.astimezone(BRUSSELS).replace(tzinfo=None, second=0, microsecond=0) if value else None


def _without_untouched_times(data: dict, stored) -> dict:
    """Leave out the times that still show the stored value: the form shows minutes, a stored time
    may carry seconds, and a save that did not touch the time must not move it (and email everyone)."""
    if stored is not None:
        for name in ("starts_at", "ends_at", "registration_opens_at", "registration_closes_at"):
            if name in data and data[name] and to_local(data[name]) == to_local(getattr(stored, name, None)):
                del data[name]
    return data


def edit_token_field():
    """The `edit_token()` of the event or session when its edit page was loaded (empty when creating)."""
    return HiddenField(validators=[Optional(), Length(max=64)])


class TermIdsField(SelectMultipleField):
    """Checkboxes over a model field stored as space-separated ids (an event's facilities)."""

    def process_data(self, value):
        super().process_data(value.split() if isinstance(value, str) else value)


class MultilingualMixin:
    """Forms with fields `<name>_<lang>`: `lang_fields(name)` lists them for side-by-side fieldsets."""

    def by_language(self, *names):
        return [(lang, LANGUAGE_NAMES[lang], [self[f"{name}_{lang}"] for name in names]) for lang in LANGUAGES]


class EventForm(MultilingualMixin, FlaskForm):
    edit_token = edit_token_field()
    title_fr = line(_l("Title"), 200)
    title_nl = line(_l("Title"), 200)
    title_en = line(_l("Title"), 200)
    summary_fr = text(_l("Summary"), 500)
    summary_nl = text(_l("Summary"), 500)
    summary_en = text(_l("Summary"), 500)
    description_fr = text(_l("Description"), 20000)
    description_nl = text(_l("Description"), 20000)
    description_en = text(_l("Description"), 20000)
    slug = line(_l("Web address"), 120, DataRequired(), SLUG)
    theme_id = SelectField(_l("Theme"), coerce=int, validators=[InputRequired()])
    venue_id = SelectField(_l("Venue"), coerce=int, validators=[InputRequired()])
    starts_at = when(_l("Starts"))
    ends_at = when(_l("Ends"))
    registration_opens_at = when(_l("Registration opens"), required=False)
    registration_closes_at = when(_l("Registration closes"), required=False)
    capacity = IntegerField(_l("Capacity (seats)"), validators=[InputRequired(), BoundedNumberRange(min=0, max=100000)])
    max_seats_per_registration = IntegerField(
        _l("Seats per registration, at most"),
        validators=[InputRequired(), BoundedNumberRange(min=1, max=50)],
        default=4,
    )

    facilities = TermIdsField(_l("Accessibility facilities offered"))

    image = FileField(_l("Image"), render_kw={"accept": "image/jpeg,image/png,image/webp,image/gif"})
    remove_image = BooleanField(_l("Remove the image"))
    image_alt_fr = line(_l("Text alternative of the image"), 300)
    image_alt_nl = line(_l("Text alternative of the image"), 300)
    image_alt_en = line(_l("Text alternative of the image"), 300)

    validate_ends_at = ends_after_start

    def __init__(self, *args, stored_image_key: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.facilities.choices = [(facility.term_id, facility.label) for facility in FACILITIES]
        self.stored_image_key = stored_image_key
        self.uploaded_image = None

    def validate_image(self, field):
        if field.data:
            try:
                self.uploaded_image = images.read_image(field.data.read())
            except images.ImageRefused as refused:
                raise ValidationError(refused.message) from None

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        keeps_image = self.uploaded_image is not None or (self.stored_image_key and not self.remove_image.data)
        if keeps_image:
            # French and Dutch are both required of a Brussels public body; English falls back.
            for lang in ("fr", "nl"):
                field = self[f"image_alt_{lang}"]
                if not (field.data or "").strip():
                    field.errors.append(_l("Describe the image for people who cannot see it, in this language."))
                    valid = False
        return valid

    def values(self, stored=None, *, image_dir: str = "") -> dict:
        """The fields for the service; with `stored` (the event being edited), times left as shown are left out.

        A new image is written into `image_dir` here (its files are named by their content, so an
        edit that fails afterwards leaves only unused files behind, never a broken page).
        """
        data = {name: self[name].data or "" for name in ("slug", *self._text_names())}
        data |= {name: self[name].data for name in ("theme_id", "venue_id", "capacity", "max_seats_per_registration")}
        data["facilities"] = store_facilities(self.facilities.data or [])
        for name in ("starts_at", "ends_at", "registration_opens_at", "registration_closes_at"):
            data[name] = to_utc(self[name].data)
        if self.uploaded_image is not None:
            data["image_key"] = images.store_image(self.uploaded_image, image_dir)
        elif self.remove_image.data:
            data["image_key"] = ""
        return _without_untouched_times(data, stored)

    @staticmethod
    def _text_names():
        return [f"{n}_{lang}" for n in ("title", "summary", "description", "image_alt") for lang in LANGUAGES]


class SessionForm(MultilingualMixin, FlaskForm):
    edit_token = edit_token_field()
    title_fr = line(_l("Title"), 200)
    title_nl = line(_l("Title"), 200)
    title_en = line(_l("Title"), 200)
    description_fr = text(_l("Description"), 5000)
    description_nl = text(_l("Description"), 5000)
    description_en = text(_l("Description"), 5000)
    slug = line(_l("Short name (for addresses)"), 120, DataRequired(), SLUG)
    kind = SelectField(_l("Kind"))
    starts_at = when(_l("Starts"))
    ends_at = when(_l("Ends"))
    room = line(_l("Room"), 120)
    languages = SelectMultipleField(_l("Languages spoken"), validators=[DataRequired()])
    capacity = IntegerField(
        _l("Own capacity (leave empty to share the event's seats)"),
        validators=[Optional(), BoundedNumberRange(min=0, max=100000)],
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Choices set after construction: WTForms 3.3 deprecates tuples passed to the constructor.
        self.kind.choices = [
            (SessionKind.PLENARY.value, _l("Plenary")),
            (SessionKind.WORKSHOP.value, _l("Workshop")),
            (SessionKind.PARTICIPATORY.value, _l("Participatory session")),
        ]
        self.languages.choices = [(code, LANGUAGE_NAMES[code]) for code in LANGUAGES]

    validate_ends_at = ends_after_start

    def validate_title_fr(self, field):
        if not any(self[f"title_{lang}"].data for lang in LANGUAGES):
            raise ValidationError(_l("Give the session a title in at least one language."))

    def values(self, stored=None) -> dict:
        """The fields for the service; with `stored` (the session being edited), times left as shown are left out."""
        data = {f"{n}_{lang}": self[f"{n}_{lang}"].data or "" for n in ("title", "description") for lang in LANGUAGES}
        data |= {
            "slug": self.slug.data,
            "kind": SessionKind(self.kind.data),
            "room": self.room.data or "",
            "languages": " ".join(code for code in LANGUAGES if code in self.languages.data),
            "capacity": self.capacity.data,
            "starts_at": to_utc(self.starts_at.data),
            "ends_at": to_utc(self.ends_at.data),
        }
        return _without_untouched_times(data, stored)


class VenueForm(FlaskForm):
    name = line(_l("Name"), 200, DataRequired())
    slug = line(_l("Short name (for addresses)"), 80, DataRequired(), SLUG)
    street = line(_l("Street and number"), 200, DataRequired())
    postcode = line(_l("Postcode"), 10, DataRequired(), Regexp(r"^\d{4}$", message=_l("Four digits.")))
    commune_nis = SelectField(_l("Commune"), validators=[DataRequired()])
    city_fr = line(_l("Locality in French"), 100, DataRequired())
    city_nl = line(_l("Locality in Dutch"), 100, DataRequired())
    latitude = DecimalField(
        _l("Latitude"), places=None, validators=[InputRequired(), BoundedNumberRange(min=-90, max=90)]
    )
    longitude = DecimalField(
        _l("Longitude"), places=None, validators=[InputRequired(), BoundedNumberRange(min=-180, max=180)]
    )
    uitdatabank_place_id = StringField(
        _l("UiTdatabank place id"),
        filters=[lambda value: value.strip().lower() if value else value],
        validators=[
            Optional(),
            Regexp(UUID_PATTERN, message=_l("A UiTdatabank id, such as %(example)s.", example=UUID_EXAMPLE)),
        ],
    )

    def values(self) -> dict:
        data = {
            name: self[name].data
            for name in ("name", "slug", "street", "postcode", "commune_nis", "city_fr", "city_nl")
        }
        place_id = self.uitdatabank_place_id.data
        return data | {
            "latitude": float(self.latitude.data),
            "longitude": float(self.longitude.data),
            "uitdatabank_place_id": UUID(place_id) if place_id else None,
        }


class ThemeForm(MultilingualMixin, FlaskForm):
    slug = line(_l("Short name (for addresses)"), 80, DataRequired(), SLUG)
    name_fr = line(_l("Name"), 120, DataRequired())
    name_nl = line(_l("Name"), 120, DataRequired())
    name_en = line(_l("Name"), 120, DataRequired())

    def values(self) -> dict:
        return {name: self[name].data for name in ("slug", "name_fr", "name_nl", "name_en")}


class CancelForm(FlaskForm):
    """Cancel an event: everyone registered is emailed."""

    confirm = BooleanField(_l("Yes, cancel it and tell everyone who registered"), validators=[DataRequired()])


class CancelSessionForm(FlaskForm):
    """Cancel a session: those who chose it are emailed."""

    confirm = BooleanField(_l("Yes, cancel it and tell those who chose it"), validators=[DataRequired()])


class CancelRegistrationForm(FlaskForm):
    """Cancel one registration: only that person is emailed."""

    confirm = BooleanField(_l("Yes, cancel this registration and email the person"), validators=[DataRequired()])


class MessageForm(MultilingualMixin, FlaskForm):
    message_id = HiddenField(validators=[DataRequired(), Regexp(r"^[0-9a-f]{32}$")])
    subject_fr = line(_l("Subject"), 200)
    subject_nl = line(_l("Subject"), 200)
    subject_en = line(_l("Subject"), 200)
    body_fr = text(_l("Message"), 10000)
    body_nl = text(_l("Message"), 10000)
    body_en = text(_l("Message"), 10000)
    confirmed = BooleanField(_l("People with a seat"), default=True)
    waitlisted = BooleanField(_l("People on the waiting list"))

    def validate_subject_fr(self, field):
        if not any(self[f"subject_{lang}"].data for lang in LANGUAGES):
            raise ValidationError(_l("Write a subject in at least one language."))

    def validate_body_fr(self, field):
        if not any(self[f"body_{lang}"].data for lang in LANGUAGES):
            raise ValidationError(_l("Write the message in at least one language."))

    def validate_confirmed(self, field):
        if not field.data and not self.waitlisted.data:
            raise ValidationError(_l("Choose who receives the message."))


class AttendeeFilterForm(FlaskForm):
    class Meta:
        csrf = False

    q = SearchField(_l("Name or email"), validators=[Optional(), Length(max=100), no_control()])
    status = SelectField(_l("Status"), validators=[Optional()])
    session = SelectField(_l("Session"), validators=[Optional()])
    checked_in = SelectField(_l("Checked in"), validators=[Optional()])
    commune = SelectField(_l("Commune"), validators=[Optional()])
    audience = SelectField(_l("Audience"), validators=[Optional()])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.checked_in.choices = [("", _l("All")), ("yes", _l("Checked in")), ("no", _l("Not checked in"))]


# The kinds of audited action with a name; another kind shows as written in the log.
AUDIT_KIND_LABELS = {
    "login": _l("Logins"),
    "user": _l("Accounts"),
    "event": _l("Events"),
    "session": _l("Sessions"),
    "venue": _l("Venues"),
    "theme": _l("Themes"),
    "registration": _l("Registrations"),
    "attendee": _l("Attendees"),
    "attendees": _l("Attendee exports"),
    "scanner": _l("Door scanners"),
}


class AuditFilterForm(FlaskForm):
    class Meta:
        csrf = False

    kind = SelectField(_l("Kind of action"), validators=[Optional()])

    def setup(self, kinds: list[str]) -> "AuditFilterForm":
        self.kind.choices = [("", _l("All"))] + [(kind, AUDIT_KIND_LABELS.get(kind, kind)) for kind in kinds]
        return self


class OnBehalfForm(RegistrationForm):
    """The public registration form, worded for an organiser registering someone else."""

    name = StringField(_l("Their full name"), validators=[InputRequired(), Length(max=120), no_control()])
    language = SelectField(_l("Language of their emails"))
    audience = SelectField(_l("Audience (optional)"), validators=[Optional()])
    commune = SelectField(_l("Commune (optional)"), validators=[Optional()])
    consent = BooleanField(
        _l("The person was told about the privacy notice and agrees to it."), validators=[InputRequired()]
    )
    website = None  # no honeypot: organisers are not bots

    def setup(self, event, lang: str, network_seats: int = 0) -> "OnBehalfForm":
        super().setup(event, lang, network_seats)  # 0: registrations by organisers are not limited
        self.language.choices = [(code, LANGUAGE_NAMES[code]) for code in LANGUAGES]
        self.audience.choices = [("", _l("Not given"))] + [(a.value, label) for a, label in AUDIENCE_LABELS.items()]
        return self


def event_choices(events, lang: str) -> list[tuple[int, str]]:
    """Each event by its title and its day (a copy has the title of the original), drafts marked."""

    def label(event) -> str:
        text = f"{localized(event, 'title', lang).text or event.slug} · {format_date(event.starts_at, 'medium')}"
        return f"{text} ({_('draft')})" if event.status == EventStatus.DRAFT else text

    return [(e.id, label(e)) for e in events]


class AssignmentsForm(FlaskForm):
    events = SelectMultipleField(_l("Events they manage"), coerce=int, validators=[Optional()])

    def setup(self, events, lang: str) -> "AssignmentsForm":
        self.events.choices = event_choices(events, lang)
        return self


class InviteForm(FlaskForm):
    email = EmailField(_l("Email address"), validators=[InputRequired(), DeliverableEmail(), Length(max=254)])
    role = SelectField(_l("Role"))
    language = SelectField(_l("Language of their emails"))
    events = SelectMultipleField(_l("Events they manage"), coerce=int, validators=[Optional()])

    def setup(self, events, lang: str) -> "InviteForm":
        self.role.choices = [
            ("organiser", _l("Organiser (only the events chosen below)")),
            ("admin", _l("Administrator (everything)")),
        ]
        self.language.choices = [(code, LANGUAGE_NAMES[code]) for code in LANGUAGES]
        self.events.choices = event_choices(events, lang)
        if not self.is_submitted():
            self.language.data = lang
        return self
