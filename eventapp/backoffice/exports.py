"""The attendee export: the rows of a filtered attendee list, as CSV a spreadsheet opens correctly."""

import csv
import io
from collections.abc import Iterable, Iterator

from flask_babel import format_datetime
from flask_babel import gettext as _

from eventapp.accounts.models import User
from eventapp.backoffice import queries
from eventapp.backoffice.queries import AUDIENCE_LABELS, STATUS_LABELS, AttendeeFilter, commune_label
from eventapp.core.i18n import localized
from eventapp.events.models import Event

CSV_COLUMNS = (
    "name",
    "email",
    "status",
    "seats",
    "checked_in_people",
    "language",
    "audience",
    "commune",
    "sessions",
    "accessibility_needs",
    "registered_at",
)
# Rows written between two chunks of the streamed answer.
CHUNK_ROWS = 200


def csv_cell(value) -> str:
    """Text as it should appear in a spreadsheet; formulas are neutralised (CSV injection)."""
    text = "" if value is None else str(value)
    if text and text[0] in "=+-@\t\r":
        return "'" + text
    return text


def attendee_rows(actor: User, event: Event, flt: AttendeeFilter, *, lang: str) -> Iterator[list[str]]:
    """The heading row, then one row per registration the filter selects (read as they are written)."""
    headings = {
        "name": _("Name"),
        "email": _("Email"),
        "status": _("Status"),
        "seats": _("Seats"),
        "checked_in_people": _("Checked in"),
        "language": _("Language"),
        "audience": _("Audience"),
        "commune": _("Commune"),
        "sessions": _("Sessions"),
        "accessibility_needs": _("Accessibility needs"),
        "registered_at": _("Registered on"),
    }
    came = queries.count_people_who_came_by_registration(actor, event)

    def rows() -> Iterator[list[str]]:
        yield [headings[c] for c in CSV_COLUMNS]
        for registration in queries.iter_attendees(actor, event, flt):
            yield [
                csv_cell(v)
                for v in (
                    registration.name,
                    registration.email,
                    STATUS_LABELS[registration.status],
                    registration.seats,
                    came.get(registration.id, 0),
                    registration.language,
                    AUDIENCE_LABELS[registration.audience] if registration.audience else "",
                    commune_label(registration.commune, lang),
                    " | ".join(localized(s, "title", lang).text for s in registration.sessions),
                    registration.accessibility_needs,
                    format_datetime(registration.created_at, "yyyy-MM-dd HH:mm"),
                )
            ]

    return rows()


def to_csv(rows: Iterable[list[str]]) -> Iterator[str]:
    """The CSV text in chunks, for a streamed answer."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    buffer.write("\ufeff")  # BOM: Excel then reads the file as UTF-8 (accents in names)
    for n, row in enumerate(rows):
        writer.writerow(row)
        if n % CHUNK_ROWS == 0 and n:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def attendees_csv(actor: User, event: Event, flt: AttendeeFilter, *, lang: str) -> Iterator[str]:
    return to_csv(attendee_rows(actor, event, flt, lang=lang))
