"""The scanner page in headless Chromium: its fake camera shows a ticket's QR, online then offline."""

import re
from contextlib import suppress
from datetime import timedelta

import pytest
import sqlalchemy as sa
from playwright.sync_api import Error

from eventapp.core.time import utcnow
from eventapp.extensions import db
from eventapp.registration.models import Registration
from eventapp.tickets.days import door_day
from eventapp.tickets.models import ScanAttempt, Scanner, ScannerProfile
from eventapp.tickets.qr import qr_png
from eventapp.tickets.scanners import create_scanner, renew_pairing
from tests.browser.conftest import write_y4m
from tests.factories import make_event
from tests.tickets.factories import make_registration

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.no_db_isolation]


def _png_image(code: str):
    import io

    from PIL import Image

    return Image.open(io.BytesIO(qr_png(code, box_size=8)))


def checked_in(app, registration_id: int) -> int:
    with app.app_context():
        value = db.session.get(Registration, registration_id).checked_in_people
        db.session.remove()
        return value


def test_scan_online_then_offline_then_reconcile(tmp_path, launch, live):
    server, app = live
    with app.app_context():
        event = make_event(starts_at=utcnow() - timedelta(hours=1))
        first, first_code = make_registration(event)
        second, second_code = make_registration(event, seats=1)
        _, pairing = create_scanner(None, event, name="Door A", now=utcnow())
        ids = (first.id, second.id)
        db.session.commit()
        db.session.remove()

    profile = tmp_path / "phone"
    # 1. Online: pair the phone, then the camera sees the first ticket.
    video = write_y4m(_png_image(first_code), tmp_path / "first.y4m")
    context = launch(video=video, user_data_dir=profile)
    page = context.new_page()
    page.goto(f"{server.url}/scan/pair/{pairing}")
    page.get_by_role("button").click()
    page.wait_for_url(re.compile(r"/scan$"))
    page.wait_for_selector("#verdict:not([hidden])", timeout=30000)
    assert page.get_attribute("#verdict", "data-status") == "ok"
    assert page.is_hidden("#verdict-offline")
    assert "1" in page.text_content("#announce")
    assert checked_in(app, ids[0]) == 1
    # The app shell is cached by the service worker and the snapshot is stored.
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    page.wait_for_selector('#scanner[data-ready="true"]', state="attached")
    context.close()

    # 2. Offline: the same phone, network cut, the camera sees the second ticket.
    video = write_y4m(_png_image(second_code), tmp_path / "second.y4m")
    context = launch(video=video, user_data_dir=profile)
    context.set_offline(True)
    page = context.new_page()
    page.goto(f"{server.url}/scan")
    page.wait_for_selector("#verdict:not([hidden])", timeout=30000)
    assert page.get_attribute("#verdict", "data-status") == "ok"
    assert page.is_visible("#verdict-offline")
    assert checked_in(app, ids[1]) == 0
    page.wait_for_selector('#scanner[data-pending="1"]', state="attached")

    # 3. Back online: the queued scan is uploaded and reconciled by the server.
    context.set_offline(False)
    page.evaluate("window.dispatchEvent(new Event('online'))")
    page.wait_for_selector('#scanner[data-pending="0"]', state="attached", timeout=30000)
    assert checked_in(app, ids[1]) == 1
    assert page.get_attribute("#scanner", "data-online") == "true"


# --- The door under bad Wi-Fi: reloads, long queues, proxies, revocation, hardware scanners -----


def pair(page, server, pairing: str) -> None:
    page.goto(f"{server.url}/scan/pair/{pairing}")
    page.get_by_role("button").click()
    page.wait_for_url(re.compile(r"/scan$"))
    page.wait_for_selector('#scanner[data-ready="true"]', state="attached")


def type_code(page, code: str, *, offline: bool = False) -> str:
    """Types a code as a volunteer would; returns the verdict shown, after checking that it is marked
    offline (or not) as expected."""
    page.evaluate("document.getElementById('verdict').hidden || document.getElementById('verdict-next').click()")
    page.fill("#manual-code", code)
    page.press("#manual-code", "Enter")
    marker = ":not([hidden])" if offline else "[hidden]"
    page.wait_for_selector(f"#verdict:not([hidden]) #verdict-offline{marker}", state="attached")
    return page.get_attribute("#verdict", "data-status")


def arrange(app, *, seats=(1,), gates=("Door A",), profile=ScannerProfile.SCAN_ONLY):
    """An event under way, a registration per entry of `seats`, a scanner per gate waiting to be paired:
    ([(registration id, ticket code)], [(scanner id, pairing token)])."""
    with app.app_context():
        event = make_event(starts_at=utcnow() - timedelta(hours=1))
        registrations = [make_registration(event, seats=n) for n in seats]
        scanners = [create_scanner(None, event, name=gate, profile=profile, now=utcnow()) for gate in gates]
        arranged = [(r.id, code) for r, code in registrations], [(sc.id, token) for sc, token in scanners]
        db.session.commit()
        db.session.remove()
    return arranged


def go_online(page) -> None:
    page.context.set_offline(False)
    page.evaluate("window.dispatchEvent(new Event('online'))")


def attempts(app, registration_id: int) -> int:
    with app.app_context():
        value = db.session.scalar(
            sa.select(sa.func.count(ScanAttempt.id)).where(ScanAttempt.registration_id == registration_id)
        )
        db.session.remove()
        return value


def test_an_admission_online_is_remembered_when_the_phone_reloads_offline(tmp_path, launch, live):
    server, app = live
    [(rid, code)], [(_, pairing)] = arrange(app)
    page = launch(user_data_dir=tmp_path / "phone").new_page()
    pair(page, server, pairing)
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    assert type_code(page, code) == "ok"
    assert checked_in(app, rid) == 1

    page.context.set_offline(True)
    page.reload()
    page.wait_for_selector('#scanner[data-ready="true"]', state="attached")
    assert type_code(page, code, offline=True) == "already_checked_in"
    go_online(page)
    page.wait_for_selector('#scanner[data-pending="0"]', state="attached", timeout=30000)
    assert checked_in(app, rid) == 1


# Counts the ticket records each IndexedDB put serialises: one per put in a store of tickets, or
# the length of the list in a record that holds them all (the snapshot as one record).
COUNT_WRITES = """
window.__writes = [];
const put = IDBObjectStore.prototype.put;
IDBObjectStore.prototype.put = function (value, ...rest) {
  const tickets = value && Array.isArray(value.tickets) ? value.tickets.length : 1;
  window.__writes.push([this.name, tickets]);
  return put.call(this, value, ...rest);
};
const clear = IDBObjectStore.prototype.clear;
IDBObjectStore.prototype.clear = function () {
  window.__writes.push([this.name, "clear"]);
  return clear.call(this);
};
"""


def writes_after(page, scan) -> list:
    """What the phone writes to IndexedDB, scans of the queue aside, for one scan."""
    page.evaluate("window.__writes = []")
    scan()
    # Polled in the page: wait_for_function would evaluate a string, which the page's CSP refuses.
    page.evaluate(
        """() => new Promise((resolve) => {
          const until = Date.now() + 20000;
          const check = () => (window.__writes.some(([store]) => store !== "queue") || Date.now() > until
            ? resolve() : setTimeout(check, 50));
          check();
        })"""
    )
    return [w for w in page.evaluate("window.__writes") if w[0] != "queue"]


def test_a_scan_or_an_undo_writes_only_its_own_ticket_to_the_phone(tmp_path, launch, live):
    server, app = live
    [(rid, first), (_, second), *_], [(_, pairing)] = arrange(
        app, seats=(1, 1, 1, 1, 1), profile=ScannerProfile.SUPERVISOR
    )
    context = launch()
    context.add_init_script(COUNT_WRITES)
    page = context.new_page()
    pair(page, server, pairing)
    assert writes_after(page, lambda: type_code(page, first)) == [["tickets", 1]]
    assert writes_after(page, lambda: page.click("#verdict-undo")) == [["tickets", 1]]
    assert checked_in(app, rid) == 0

    context.set_offline(True)
    assert writes_after(page, lambda: type_code(page, second, offline=True)) == [["tickets", 1]]
    # The undo reached the phone's snapshot too: offline, the first ticket may enter again.
    assert type_code(page, first, offline=True) == "ok"


# What a phone kept before version 2 of the scanner's IndexedDB: the snapshot as one "kv" record,
# and here a scan still waiting to be uploaded.
SEED_VERSION_1 = """async () => {
  const token = localStorage.getItem("eventapp.scanner.token");
  const headers = { Authorization: `Bearer ${token}` };
  const snapshot = await (await fetch("/api/v1/scanner/snapshot", { headers })).json();
  const done = (request) => new Promise((resolve, reject) => {
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
    request.onblocked = () => reject(new Error("blocked"));
  });
  await done(indexedDB.deleteDatabase("eventapp-scanner"));
  const open = indexedDB.open("eventapp-scanner", 1);
  open.onupgradeneeded = () => {
    open.result.createObjectStore("kv");
    open.result.createObjectStore("queue", { keyPath: "scan_id" });
  };
  const db = await done(open);
  const tx = db.transaction(["kv", "queue"], "readwrite");
  tx.objectStore("kv").put(snapshot, "snapshot");
  const scan = { code: "EA1-NOTATICKET", scan_id: crypto.randomUUID(), people: null, verdict: "invalid" };
  await done(tx.objectStore("queue").put({ ...scan, scanned_at: new Date().toISOString() }));
  db.close();
}"""


def test_a_phone_holding_the_old_snapshot_still_judges_tickets_offline_after_the_update(tmp_path, launch, live):
    server, app = live
    [(_, admitted), (_, expected)], [(_, pairing)] = arrange(app, seats=(1, 1))
    page = launch(user_data_dir=tmp_path / "phone").new_page()
    pair(page, server, pairing)
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    assert type_code(page, admitted) == "ok"
    page.goto(f"{server.url}/")  # no scanner page holds the database open while it is rewritten
    page.evaluate(SEED_VERSION_1)

    # The new page first opens the database offline: it has only the old record to judge from.
    page.context.set_offline(True)
    page.goto(f"{server.url}/scan")
    page.wait_for_selector('#scanner[data-ready="true"][data-pending="1"]', state="attached")
    assert type_code(page, admitted, offline=True) == "already_checked_in"
    assert type_code(page, expected, offline=True) == "ok"


def test_a_queue_longer_than_one_batch_is_uploaded_in_batches(tmp_path, launch, live):
    server, app = live
    [(rid, code)], [(_, pairing)] = arrange(app)
    page = launch().new_page()
    pair(page, server, pairing)
    # 500 refused codes, then the one admission last: it travels in the second batch.
    page.evaluate(
        """code => new Promise((resolve, reject) => {
          const open = indexedDB.open("eventapp-scanner");
          open.onsuccess = () => {
            const tx = open.result.transaction("queue", "readwrite");
            const queue = tx.objectStore("queue");
            const at = (i) => new Date(Date.now() - 600000 + i * 1000).toISOString();
            for (let i = 0; i < 500; i += 1) {
              const scan = { code: `EA1-NOTATICKET${i}`, scan_id: crypto.randomUUID(), people: null };
              queue.put({ ...scan, scanned_at: at(i), verdict: "invalid" });
            }
            queue.put({ code, scan_id: crypto.randomUUID(), people: null, scanned_at: at(500), verdict: "ok" });
            tx.oncomplete = () => resolve(true);
            tx.onerror = () => reject(tx.error);
          };
        })""",
        code,
    )
    page.reload()  # the page uploads what is queued when it starts
    page.wait_for_selector('#scanner[data-ready="true"][data-pending="0"]', state="attached", timeout=60000)
    assert checked_in(app, rid) == 1
    with app.app_context():
        logged = db.session.scalar(sa.select(sa.func.count(ScanAttempt.id)))
        db.session.remove()
    assert logged == 501
    assert page.get_attribute("#scanner", "data-online") == "true"


def test_a_proxy_error_or_a_hung_request_gives_an_offline_verdict_and_the_scan_is_sent_later(tmp_path, launch, live):
    server, app = live
    [(first, first_code), (second, second_code)], [(_, pairing)] = arrange(app, seats=(1, 1))
    ids = (first, second)
    page = launch().new_page()
    pair(page, server, pairing)

    # The server admits the ticket but the proxy answers 502: the same scan_id, uploaded later, counts once.
    def bad_gateway(route):
        with suppress(Error):  # on a slow machine the phone may have stopped waiting already
            route.fetch()
            route.fulfill(status=502, body="<html>Bad Gateway</html>", content_type="text/html")

    page.route("**/api/v1/checkin", bad_gateway)
    assert type_code(page, first_code, offline=True) == "ok"
    page.unroute("**/api/v1/checkin")

    # A request that never comes back: the phone stops waiting and judges from its snapshot.
    # (Both scans may be uploaded as soon as the status poll finds the server again.)
    page.route("**/api/v1/checkin", lambda route: None)
    assert type_code(page, second_code, offline=True) == "ok"
    page.unroute("**/api/v1/checkin")

    go_online(page)
    page.wait_for_selector('#scanner[data-pending="0"]', state="attached", timeout=30000)
    assert [checked_in(app, i) for i in ids] == [1, 1]
    assert [attempts(app, i) for i in ids] == [1, 1]


def test_a_revoked_phone_keeps_its_queue_for_its_own_gate_only(tmp_path, launch, live):
    server, app = live
    [(rid, code)], [(a_id, pairing_a), (_, pairing_b)] = arrange(app, gates=("Door A", "Door B"))
    page = launch().new_page()
    pair(page, server, pairing_a)
    page.context.set_offline(True)
    assert type_code(page, code, offline=True) == "ok"
    page.wait_for_selector('#scanner[data-pending="1"]', state="attached")

    # The organiser re-pairs Door A (its old device token stops working) while the phone is offline.
    with app.app_context():
        repairing_a = renew_pairing(None, db.session.get(Scanner, a_id), now=utcnow())
        db.session.commit()
        db.session.remove()
    go_online(page)
    page.wait_for_selector("#not-paired:not([hidden])", timeout=30000)
    held = page.text_content("#held-unpaired")
    assert "Door A" in held and "1" in held
    assert "Door A" in page.text_content("#announce")

    # Paired as another gate, the phone does not upload Door A's scan.
    pair(page, server, pairing_b)
    page.wait_for_selector('#scanner[data-held="1"]', state="attached")
    assert "Door A" in page.text_content("#held")
    assert checked_in(app, rid) == 0
    # Door B's snapshot counts the admission Door A still holds: offline, the ticket is not let in again.
    page.context.set_offline(True)
    assert type_code(page, code, offline=True) == "already_checked_in"
    go_online(page)
    page.wait_for_selector('#scanner[data-pending="0"][data-held="1"]', state="attached", timeout=30000)
    assert checked_in(app, rid) == 0

    # Paired again as Door A: the scan is uploaded.
    pair(page, server, repairing_a)
    page.wait_for_selector('#scanner[data-held="0"][data-pending="0"]', state="attached", timeout=30000)
    assert checked_in(app, rid) == 1


def test_a_hardware_scanner_code_typed_over_a_verdict_is_checked(tmp_path, launch, live):
    server, app = live
    [(_, code)], [(_, pairing)] = arrange(app)
    page = launch().new_page()
    pair(page, server, pairing)
    page.focus("#manual-code")
    page.keyboard.type(code)
    page.keyboard.press("Enter")
    page.wait_for_selector('#verdict[data-status="ok"]')
    # The verdict is on screen; the scanner sends the next code (the same ticket again) and Enter.
    page.keyboard.type(code)
    page.keyboard.press("Enter")
    page.wait_for_selector('#verdict[data-status="already_checked_in"]')
    # Enter on the empty code field closes the verdict.
    page.keyboard.press("Enter")
    page.wait_for_selector("#verdict", state="hidden")


def test_a_supervisor_admission_keeps_its_undo_button_until_a_tap(tmp_path, launch, live):
    server, app = live
    [(rid, code)], [(_, pairing)] = arrange(app, profile=ScannerProfile.SUPERVISOR)
    page = launch().new_page()
    page.clock.install()
    pair(page, server, pairing)
    assert type_code(page, code) == "ok"
    page.clock.fast_forward("01:00")
    assert page.is_visible("#verdict") and page.is_visible("#verdict-undo")
    page.click("#verdict-undo")
    page.wait_for_selector("#verdict-undo", state="hidden")
    assert checked_in(app, rid) == 0


def test_a_phone_still_offline_the_next_morning_lets_in_the_visitors_of_the_day_before(tmp_path, launch, live):
    server, app = live
    with app.app_context():
        event = make_event(starts_at=utcnow() - timedelta(hours=1), hours=30)  # over two door days
        _, code = make_registration(event)
        _, pairing = create_scanner(None, event, name="Door A", profile=ScannerProfile.SCAN_ONLY, now=utcnow())
        db.session.commit()
        db.session.remove()
    page = launch(user_data_dir=tmp_path / "phone").new_page()
    pair(page, server, pairing)
    assert type_code(page, code) == "ok"
    page.context.set_offline(True)
    assert type_code(page, code, offline=True) == "already_checked_in"
    # The next morning the phone is still offline, with the copy it downloaded the day before.
    page.clock.set_system_time(utcnow() + timedelta(days=1))
    assert type_code(page, code, offline=True) == "ok"
    assert type_code(page, code, offline=True) == "already_checked_in"


# Records every question the scanner opens (the group size dialog), so a test can say none was asked.
COUNT_QUESTIONS = """
window.__asked = 0;
const showModal = HTMLDialogElement.prototype.showModal;
HTMLDialogElement.prototype.showModal = function () { window.__asked += 1; return showModal.call(this); };
"""


def test_a_ticket_for_another_day_is_refused_at_once_with_its_days(tmp_path, launch, live):
    """Issue 18: no "how many people?" for a group ticket that will not be let in, and the verdict says
    for which days it is, in the scanner's language: online, then from the snapshot offline."""
    from babel.dates import format_date

    server, app = live
    with app.app_context():
        event = make_event(starts_at=utcnow() + timedelta(days=3), hours=30)  # over two door days
        registration, code = make_registration(event, seats=3)
        days = (door_day(event.starts_at), door_day(event.ends_at))
        _, pairing = create_scanner(None, event, name="Door A", now=utcnow())
        rid = registration.id
        db.session.commit()
        db.session.remove()
    assert days[0] != days[1]
    context = launch(user_data_dir=tmp_path / "phone", locale="nl-BE")
    context.add_init_script(COUNT_QUESTIONS)
    page = context.new_page()
    pair(page, server, pairing)
    assert page.evaluate("document.documentElement.lang") == "nl"
    expected = [format_date(day, "EEEE d MMMM y", locale="nl") for day in days]  # "zaterdag 14 juni 2031"

    def refused(*, offline: bool) -> None:
        assert type_code(page, code, offline=offline) == "not_today"
        assert page.text_content("#verdict-title") == "Niet vandaag"
        details = page.text_content("#verdict-details")
        assert details == f"Dit ticket is geldig van {expected[0]} tot en met {expected[1]}.", details
        assert expected[0] in page.text_content("#announce")  # read out too
        assert page.evaluate("window.__asked") == 0

    refused(offline=False)
    page.context.set_offline(True)
    refused(offline=True)
    assert checked_in(app, rid) == 0
