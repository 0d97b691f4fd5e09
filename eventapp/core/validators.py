"""Form validators shared by the domains."""

from wtforms.validators import NumberRange, ValidationError


class BoundedNumberRange(NumberRange):
    """WTForms' NumberRange, refusing (not crashing on) integers too large for a float.

    NumberRange calls math.isnan(), which raises OverflowError for a number such as 10**400 typed
    into the field: a 500 found by fuzzing the registration form.
    """

    def __call__(self, form, field):
        if isinstance(field.data, int) and abs(field.data) > 10**15:
            message = self.message or field.gettext("Number must be between %(min)s and %(max)s.")
            raise ValidationError(message % {"min": self.min, "max": self.max} if self.message is None else message)
        super().__call__(form, field)
