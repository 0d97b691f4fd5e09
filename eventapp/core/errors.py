"""Domain errors. Each carries a stable code for the API and a translatable message."""

from flask_babel import lazy_gettext as _l


class DomainError(Exception):
    status = 400
    code = "error"
    default_message = _l("The request could not be completed.")

    def __init__(self, message: str | None = None, *, code: str | None = None, field: str | None = None) -> None:
        self.message = message if message is not None else self.default_message
        if code:
            self.code = code
        self.field = field
        super().__init__(str(self.code))


class NotFound(DomainError):
    status = 404
    code = "not_found"
    default_message = _l("This page does not exist.")


class PermissionDenied(DomainError):
    status = 403
    code = "permission_denied"
    default_message = _l("You are not allowed to do this.")


class Conflict(DomainError):
    status = 409
    code = "conflict"
    default_message = _l("This conflicts with the current state. Please reload and try again.")


class InvalidState(DomainError):
    status = 422
    code = "invalid_state"
    default_message = _l("This is not possible at the moment.")
