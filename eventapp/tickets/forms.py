"""Shape checks for the organiser's scanner form."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Regexp

from eventapp.tickets.models import ScannerProfile


class ScannerForm(FlaskForm):
    name = StringField(
        _l("Gate name"),
        validators=[
            DataRequired(message=_l("Give the gate a name, for example “Door A”.")),
            Length(max=60, message=_l("At most 60 characters.")),
            Regexp(r"^[^\x00-\x1f\x7f]*$", message=_l("The name contains characters that cannot be shown.")),
        ],
    )
    profile = SelectField(
        _l("What this phone may do"),
        choices=[
            SelectChoice(ScannerProfile.SCAN_ONLY.value, _l("Scan tickets only")),
            SelectChoice(ScannerProfile.SCAN_AND_SEARCH.value, _l("Scan tickets and search attendees by name")),
            SelectChoice(ScannerProfile.SUPERVISOR.value, _l("Supervisor: scan, search and undo check-ins")),
        ],
        default=ScannerProfile.SCAN_ONLY.value,
    )


class ConfirmForm(FlaskForm):
    """An empty form: just the CSRF token, for buttons that change something."""
