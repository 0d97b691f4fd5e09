"""Form validators shared by the domains."""

from decimal import Decimal

import email_validator
from flask_babel import lazy_gettext as _l
from wtforms import Field
from wtforms.form import BaseForm
from wtforms.validators import NumberRange, ValidationError

# WTForms' own message (translated by WTForms' catalogs), in a variable so Babel does not extract it.
_DEFAULT_MESSAGE = "Number must be between %(min)s and %(max)s."


class BoundedNumberRange(NumberRange):
    """WTForms' NumberRange, refusing (not crashing on) what it cannot compare: every number field
    of a form uses this one, never NumberRange itself.

    NumberRange calls math.isnan(), which raises OverflowError for an integer such as 10**400 typed
    into the field (a 500 found by fuzzing the registration form) and ValueError for a decimal
    "sNaN"; a decimal NaN or Infinity is no coordinate or count either.
    """

    def __call__(self, form: BaseForm, field: Field) -> None:
        data = field.data
        if (isinstance(data, int) and abs(data) > 10**15) or (isinstance(data, Decimal) and not data.is_finite()):
            if self.message is not None:
                raise ValidationError(self.message)
            raise ValidationError(field.gettext(_DEFAULT_MESSAGE) % {"min": self.min, "max": self.max})
        super().__call__(form, field)


def plausible_year(form: BaseForm, field: Field) -> None:
    """Dates and times of this century only. Beyond it a date is a typo; at the calendar's ends it is
    one that no time-zone conversion survives ("0001-01-01T00:05" in Brussels is before year 1 in UTC,
    "9999-12-31" has no next day): a 500 where the visitor deserves a message."""
    if field.data and not 2000 <= field.data.year <= 2100:
        raise ValidationError(_l("Choose a date between 2000 and 2100."))


def ascii_email(value: str | None) -> str | None:
    """The address as our SMTP server can deliver it (domain in punycode), or None if it cannot be.

    No SMTPUTF8: an accented part before the @ (françois@…) cannot be sent by smtplib without it,
    and most receiving servers refuse it anyway. The domain may be internationalised: it is written
    in its ASCII (IDNA) form, which every mail server reads.
    """
    try:
        return email_validator.validate_email(
            (value or "").strip(), check_deliverability=False, allow_smtputf8=False
        ).ascii_email
    except email_validator.EmailNotValidError:
        return None


class DeliverableEmail:
    """An email address we can send to; replaces the field's data by its normalised ASCII form.

    Refuses malformed addresses and those with non-ASCII characters before the @ (each with its
    own message); empty values are left to InputRequired / Optional.
    """

    def __init__(self, message: str | None = None) -> None:
        self.message = message

    def __call__(self, form: BaseForm, field: Field) -> None:
        value = (field.data or "").strip()
        if not value:
            return
        normalised = ascii_email(value)
        if normalised is None:
            if not value.rpartition("@")[0].isascii():
                raise ValidationError(
                    _l(
                        "Use an address without accents or special letters before the @ "
                        "(for example francois@example.be): emails cannot be sent to it."
                    )
                )
            raise ValidationError(self.message or _l("Enter an email address like name@example.be."))
        field.data = normalised
