"""Form validators shared by the domains."""

from flask_babel import lazy_gettext as _l
from wtforms.validators import NumberRange, ValidationError

# WTForms' own message (translated by WTForms' catalogs), in a variable so Babel does not extract it.
_DEFAULT_MESSAGE = "Number must be between %(min)s and %(max)s."


class BoundedNumberRange(NumberRange):
    """WTForms' NumberRange, refusing (not crashing on) integers too large for a float.

    NumberRange calls math.isnan(), which raises OverflowError for a number such as 10**400 typed
    into the field: a 500 found by fuzzing the registration form.
    """

    def __call__(self, form, field):
        if isinstance(field.data, int) and abs(field.data) > 10**15:
            if self.message is not None:
                raise ValidationError(self.message)
            raise ValidationError(field.gettext(_DEFAULT_MESSAGE) % {"min": self.min, "max": self.max})
        super().__call__(form, field)


def plausible_year(form, field):
    """Dates and times of this century only. Beyond it a date is a typo; at the calendar's ends it is
    one that no time-zone conversion survives ("0001-01-01T00:05" in Brussels is before year 1 in UTC,
    "9999-12-31" has no next day): a 500 where the visitor deserves a message."""
    if field.data and not 2000 <= field.data.year <= 2100:
        raise ValidationError(_l("Choose a date between 2000 and 2100."))
