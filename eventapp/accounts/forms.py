from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, StringField
from wtforms.validators import DataRequired, EqualTo, Length, Regexp

from eventapp.accounts.passwords import MAX_LENGTH, MIN_LENGTH
from eventapp.core.validators import DeliverableEmail, ascii_email


class LoginForm(FlaskForm):
    # The stored form of the address (IDN domains in punycode, as the invitation saved it); a
    # malformed one is left as typed and simply matches no account.
    email = EmailField(
        _l("Email address"),
        validators=[DataRequired(), Length(max=254)],
        filters=[lambda value: ascii_email(value) or value],
    )
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=MAX_LENGTH)])


class TotpForm(FlaskForm):
    code = StringField(
        _l("6-digit code"),
        validators=[DataRequired(), Regexp(r"^\s*\d{3}\s?\d{3}\s*$", message=_l("Enter the 6 digits."))],
    )


class ForgotPasswordForm(FlaskForm):
    email = EmailField(_l("Email address"), validators=[DataRequired(), DeliverableEmail(), Length(max=254)])


class ResetPasswordForm(FlaskForm):
    password = PasswordField(
        _l("New password"),
        validators=[DataRequired(), Length(min=MIN_LENGTH, max=MAX_LENGTH)],
    )
    confirm = PasswordField(
        _l("Repeat the new password"),
        validators=[DataRequired(), EqualTo("password", message=_l("The two passwords are not the same."))],
    )


class EmptyForm(FlaskForm):
    """A form with only the CSRF token, for POST buttons (logout, publish…)."""
