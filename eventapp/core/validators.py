"""Form validators shared by the domains."""

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
