"""Three independent iCalendar parsers, reduced to the same shape for cross-checking.

- icalendar (Python; resolves TZIDs through zoneinfo),
- vobject (Python; builds its time zones from the file's VTIMEZONE),
- ical.js (Mozilla's, used by Thunderbird; node, from the file's VTIMEZONE).
"""

import json
import shutil
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import icalendar
import vobject

ROOT = Path(__file__).resolve().parents[2]
ICALJS = ROOT / "tests" / "tools" / "icaljs_parse.mjs"


def _utc(value: datetime) -> datetime:
    assert value.tzinfo is not None, "floating time"
    return value.astimezone(UTC)


def with_icalendar(data: bytes) -> dict[str, dict]:
    calendar = icalendar.Calendar.from_ical(data)
    out = {}
    for ev in calendar.walk("VEVENT"):
        out[str(ev["UID"])] = {
            "start": _utc(ev.decoded("DTSTART")),
            "end": _utc(ev.decoded("DTEND")),
            "summary": str(ev["SUMMARY"]),
            "description": str(ev.get("DESCRIPTION", "")),
            "location": str(ev.get("LOCATION", "")),
            "status": str(ev.get("STATUS", "")),
            "sequence": int(ev.get("SEQUENCE", 0)),
        }
    return out


def with_vobject(data: bytes) -> dict[str, dict]:
    calendar = vobject.readOne(data.decode())
    out = {}
    for ev in calendar.vevent_list:
        out[ev.uid.value] = {
            "start": _utc(ev.dtstart.value),
            "end": _utc(ev.dtend.value),
            "summary": ev.summary.value,
            "description": ev.description.value if hasattr(ev, "description") else "",
            "location": ev.location.value if hasattr(ev, "location") else "",
            "status": ev.status.value if hasattr(ev, "status") else "",
            "sequence": int(ev.sequence.value) if hasattr(ev, "sequence") else 0,
        }
    return out


def with_icaljs(data: bytes, tmp_path: Path) -> dict[str, dict]:
    node = shutil.which("node")
    assert node, "node is needed to run ical.js (tests/tools/icaljs_parse.mjs)"
    path = tmp_path / "feed.ics"
    path.write_bytes(data)
    result = subprocess.run([node, str(ICALJS), str(path)], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    out = {}
    for ev in json.loads(result.stdout):
        out[ev["uid"]] = {
            "start": datetime.strptime(ev["start_utc"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC),
            "end": datetime.strptime(ev["end_utc"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC),
            "summary": ev["summary"],
            "description": ev["description"] or "",
            "location": ev["location"] or "",
            "status": ev["status"] or "",
            "sequence": ev["sequence"],
        }
    return out


def parse_all(data: bytes, tmp_path: Path) -> dict[str, dict[str, dict]]:
    """{parser name: {uid: fields}} for the three parsers."""
    return {
        "icalendar": with_icalendar(data),
        "vobject": with_vobject(data),
        "ical.js": with_icaljs(data, tmp_path),
    }
