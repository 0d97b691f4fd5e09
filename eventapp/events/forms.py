from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, SelectField
from wtforms.validators import Optional, ValidationError

from eventapp.core.validators import plausible_year


class CatalogueFilterForm(FlaskForm):
    """The catalogue's GET filter form (no CSRF: it changes nothing)."""

    class Meta:
        csrf = False

    theme = SelectField(_l("Theme"), choices=[], validators=[Optional()], validate_choice=True)
    date_from = DateField(_l("From"), validators=[Optional(), plausible_year])
    date_to = DateField(_l("Until"), validators=[Optional(), plausible_year])

    def validate_date_to(self, field):
        if field.data and self.date_from.data and field.data < self.date_from.data:
            raise ValidationError(_l("The end date must not be before the start date."))
