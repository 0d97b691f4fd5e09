"""Check-in at the door: a ticket judged, its people admitted exactly once, and the corrections.

- `ticket`: finding the ticket a scan names, and the verdict on it
- `scan`: the scan as received, its answer, and the log that makes a retry count once
- `admit`: the admission (the registration's door counter and the check-in row), the late offline
  path of an earlier day included
- `offline`: reconciling offline scans uploaded late (duplicates found after the fact, the earliest
  scan keeping the admission, refusals)
- `door`: `check_in` and `check_in_by_hand`, which both go through one judgement and one admission
- `undo`: taking an admission back
"""

from eventapp.tickets.checkin.door import BACK_OFFICE_GATE, check_in, check_in_by_hand
from eventapp.tickets.checkin.offline import record_offline_refusal
from eventapp.tickets.checkin.scan import CheckInResult
from eventapp.tickets.checkin.undo import undo_check_in, undo_scan

__all__ = [
    "BACK_OFFICE_GATE",
    "CheckInResult",
    "check_in",
    "check_in_by_hand",
    "record_offline_refusal",
    "undo_check_in",
    "undo_scan",
]
