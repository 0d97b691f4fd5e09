// Door scanner: camera (native BarcodeDetector or the vendored ZXing wasm), hardware scanner or
// keyboard, and name search; verdicts from the server, or from the offline snapshot when the
// network is gone (scans are then queued in IndexedDB and uploaded when it returns).
import { createQrDetector } from "/static/vendor/barcode-detector/load.js";
import * as store from "./scanner-store.js";

const $ = (id) => document.getElementById(id);
const root = $("scanner");
const T = JSON.parse($("scan-texts").textContent);
const token = store.loadToken();
let paired = Boolean(token);
let me = null; // this scanner's key (the same across re-pairings): whose queued scans this phone may upload
let snapshot = null; // {event, scanner, sessions, tickets: Map digest -> ticket}
let showing = false;
let sticky = false; // the verdict stays until the next scan or a tap (it offers Undo)
let lastCode = "";
let lastCodeAt = 0;
let lastAdmission = null; // {scanId, digest} of the admission on screen that Undo takes back

const fill = (text, values) => text.replace(/\{(\w+)\}/g, (_, k) => (k in values ? values[k] : ""));
const plural = (forms, n) => fill(forms[n === 1 ? 0 : 1], { n });
const fmtTime = (iso) => new Date(iso).toLocaleTimeString(document.documentElement.lang, { hour: "2-digit", minute: "2-digit" });
/** A door day ("YYYY-MM-DD") written out in the page's language, e.g. "samedi 14 juin 2025". */
const fmtDay = (day) => new Intl.DateTimeFormat(document.documentElement.lang, { weekday: "long", day: "numeric", month: "long", year: "numeric", timeZone: "UTC" }).format(new Date(`${day}T00:00:00Z`));
const newScanId = () => (crypto.randomUUID ? crypto.randomUUID() : Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, "0")).join(""));

async function sha256(text) {
  const bytes = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return Array.from(new Uint8Array(bytes), (b) => b.toString(16).padStart(2, "0")).join("");
}

// A person found by name is admitted with the search's handle, not a ticket code: its ticket's digest
// (the snapshot's key) came with it.
const foundDigests = new Map();
const digestOf = async (code) => foundDigests.get(code) || sha256(code);

const MAX_BATCH = 500; // the server's limit (tickets/api.py)
const TIMEOUT = 4000; // a volunteer at the door waits no longer than this for the server's verdict
const UPLOAD_TIMEOUT = 30000;

/** Calls the door API. Rejects with "offline" when the answer is not the server's (no network, a
 * timeout, a proxy's 502/504, a captive portal's page, 408/429/5xx: try again later), "revoked" when
 * the device token is no longer valid, "http" when the server refused the request itself (4xx). */
async function api(path, { timeout = TIMEOUT, ...options } = {}) {
  if (!paired) throw new Error("revoked");
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeout);
  try {
    let response;
    try {
      response = await fetch(path, {
        ...options,
        signal: controller.signal,
        headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/json", ...(options.headers || {}) },
      });
    } catch { throw new Error("offline"); }
    if (response.status === 408 || response.status === 429 || response.status >= 500) throw new Error("offline");
    let body;
    try { body = await response.json(); } catch { throw new Error("offline"); }
    if (response.status === 403 && body.error && body.error.code === "scanner_unauthorised") {
      await revoked();
      throw new Error("revoked");
    }
    if (!response.ok) throw Object.assign(new Error("http"), { status: response.status, body });
    return body;
  } finally {
    clearTimeout(timer);
  }
}

/** The scanner was revoked or paired again elsewhere: forget the token, keep the unsent scans. */
async function revoked() {
  if (!paired) return;
  paired = false;
  snapshot = null;
  await store.forget();
  unpaired();
  const held = await showHeld();
  $("announce").textContent = [T.revoked, held].filter(Boolean).join(" ");
}

function unpaired() {
  paired = false;
  hideVerdict();
  $("scanner-ui").hidden = true;
  $("not-paired").hidden = false;
}

// --- Sound, vibration and the full-screen verdict ---------------------------------------------

let audio = null;
function beep(kind) {
  try {
    audio = audio || new AudioContext();
    const tones = kind === "ok" ? [[880, 0.15]] : kind === "warn" ? [[440, 0.2], [440, 0.2]] : [[220, 0.25], [180, 0.35]];
    let t = audio.currentTime;
    for (const [freq, length] of tones) {
      const osc = audio.createOscillator();
      const gain = audio.createGain();
      osc.frequency.value = freq;
      osc.type = kind === "ok" ? "sine" : "square";
      gain.gain.setValueAtTime(0.2, t);
      gain.gain.exponentialRampToValueAtTime(0.001, t + length);
      osc.connect(gain).connect(audio.destination);
      osc.start(t);
      osc.stop(t + length);
      t += length + 0.08;
    }
  } catch { /* no audio: colour, icon and text still tell */ }
  if (navigator.vibrate) navigator.vibrate(kind === "ok" ? 80 : [200, 80, 200]);
}

const KIND = { ok: "ok", already_checked_in: "warn", not_today: "warn", waitlisted: "warn", wrong_event: "bad", cancelled: "bad", invalid: "bad" };
const ICON = { ok: "✓", warn: "!", bad: "✗" };

function showVerdict(result, { offline = false, digest = null } = {}) {
  const kind = KIND[result.status] || "bad";
  const lines = [];
  if (result.status === "ok") {
    lines.push(plural(T.people_admitted, result.people));
    if (result.name) lines.push(result.name);
    if (result.people_remaining > 0) lines.push(plural(T.people_remaining, result.people_remaining));
    if (result.sessions && result.sessions.length) {
      lines.push(`${T.sessions} ${result.sessions.map((s) => `${s.title} (${fmtTime(s.start)}${s.room ? `, ${s.room}` : ""})`).join("; ")}`);
    }
  } else if (result.status === "already_checked_in") {
    if (result.previous) lines.push(fill(T.already_detail, { time: fmtTime(result.previous.at), gate: result.previous.gate }));
    if (result.people_remaining > 0) lines.push(plural(T.only_remaining, result.people_remaining));
    if (result.name) lines.push(result.name);
  } else if (result.status === "not_today" && result.door_days) {
    const { first, last } = result.door_days;
    lines.push(first === last ? fill(T.not_today_on, { day: fmtDay(first) }) : fill(T.not_today_between, { first: fmtDay(first), last: fmtDay(last) }));
  } else if (result.status === "wrong_event") {
    lines.push(fill(T.wrong_event_detail, { title: result.other_event ? result.other_event.title : "?" }));
  } else {
    lines.push(T[`${result.status}_detail`] || "");
  }
  if (result.duplicate_discovered) lines.push(T.duplicate);
  const box = $("verdict");
  box.className = `verdict verdict-${kind}`;
  box.dataset.status = result.status;
  $("verdict-icon").textContent = ICON[kind];
  $("verdict-title").textContent = T[result.status] || T.invalid;
  $("verdict-details").replaceChildren(...lines.map((line) => Object.assign(document.createElement("p"), { textContent: line })));
  $("verdict-offline").hidden = !offline;
  $("verdict-offline").textContent = T.offline_verdict;
  const canUndo = !offline && result.status === "ok" && snapshot && snapshot.scanner.profile === "supervisor";
  lastAdmission = canUndo ? { scanId: result.scan_id, digest } : null;
  $("verdict-undo").hidden = !canUndo;
  box.hidden = false;
  showing = true;
  $("announce").textContent = [offline ? T.offline_verdict : "", T[result.status] || T.invalid, ...lines].filter(Boolean).join(". ");
  beep(kind);
  $("verdict-next").focus();
  clearTimeout(showVerdict.timer);
  // An admission that can be undone stays (with its Undo button) until the next scan or a tap: a
  // supervisor must not lose the chance to take it back to a timer (WCAG 2.2.1). Others go by themselves.
  sticky = canUndo;
  if (!sticky) showVerdict.timer = setTimeout(hideVerdict, kind === "ok" ? 2500 : 6000);
}

function hideVerdict() {
  clearTimeout(showVerdict.timer);
  // Focus was on the verdict's buttons: give it back to the code field, ready for the next ticket
  // (a hidden element keeps no focus, and keyboard users would restart from the top of the page).
  const hadFocus = $("verdict").contains(document.activeElement) || document.activeElement === document.body;
  $("verdict").hidden = true;
  showing = false;
  sticky = false;
  if (hadFocus) $("manual-code").focus();
}

// --- Judging a code -----------------------------------------------------------------------------

const BRUSSELS_HOUR = new Intl.DateTimeFormat("en-CA", { timeZone: "Europe/Brussels", year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", hourCycle: "h23" });

/** The door day of an instant, as the server counts it (eventapp/tickets/days.py): its date in
 * Brussels, the hours before `snapshot.day_starts` belonging to the day before (an evening past
 * midnight stays one day). "YYYY-MM-DD". */
function doorDay(instant) {
  const part = Object.fromEntries(BRUSSELS_HOUR.formatToParts(instant).map((p) => [p.type, p.value]));
  const date = new Date(Date.UTC(+part.year, +part.month - 1, +part.day));
  if (+part.hour < (snapshot.day_starts ?? 5)) date.setUTCDate(date.getUTCDate() - 1); // ?? : a copy saved before days were sent
  return date.toISOString().slice(0, 10);
}

/** The event's first and last door days, as the server sends them with a "not today" verdict. */
function eventDays() {
  return { first: doorDay(new Date(snapshot.event.start)), last: doorDay(new Date(snapshot.event.end)) };
}

function eventDay(today) {
  const { first, last } = eventDays();
  return first <= today && today <= last;
}

/** People of the ticket admitted on door day `day`. An event over several days admits a ticket once a
 * day: a count is that of the day it was kept for (`cd`, or the snapshot's day), so a phone still
 * holding yesterday's snapshot lets today's visitors in. */
function admittedOn(ticket, day) {
  const countedOn = ticket.cd || snapshot.day;
  return !countedOn || countedOn === day ? ticket.c : 0; // (no day: a copy saved before days were sent)
}

function setAdmitted(ticket, day, people) {
  ticket.c = people;
  ticket.cd = day;
}

/** The verdict from the snapshot, as the server would give it (marked offline on screen); an
 * admission counts on the ticket (the caller saves it). */
function judgeOffline(ticket, people) {
  const now = new Date();
  const today = doorDay(now);
  if (!ticket) return { status: "invalid", people: 0 };
  const remaining = ticket.n - admittedOn(ticket, today);
  const base = { people: 0, people_remaining: remaining, seats: ticket.n, name: ticket.name, sessions: [] };
  if (ticket.st === "cancelled" || snapshot.event.status === "cancelled") return { ...base, status: "cancelled" };
  if (ticket.st === "waitlisted") return { ...base, status: "waitlisted" };
  if (!eventDay(today)) return { ...base, status: "not_today", door_days: eventDays() };
  const wanted = people || remaining;
  if (remaining <= 0 || wanted > remaining) {
    return { ...base, status: "already_checked_in", previous: ticket.at ? { at: ticket.at, gate: ticket.g } : null };
  }
  setAdmitted(ticket, today, ticket.n - remaining + wanted);
  ticket.at = now.toISOString();
  ticket.g = snapshot.scanner.gate;
  return {
    ...base,
    status: "ok",
    people: wanted,
    people_remaining: remaining - wanted,
    sessions: (ticket.s || []).map((i) => snapshot.sessions[i]).filter(Boolean),
  };
}

/** The server's verdict, in the snapshot in memory; returns the ticket it changed, if any (the
 * caller saves it, so that a reload offline knows it too). */
async function rememberOnline(code, result) {
  if (!snapshot || !result.seats) return null;
  const ticket = snapshot.tickets.get(await digestOf(code));
  if (!ticket) return null;
  setAdmitted(ticket, doorDay(new Date()), ticket.n - result.people_remaining);
  if (result.status === "ok") { ticket.at = new Date().toISOString(); ticket.g = snapshot.scanner.gate; }
  return ticket;
}

/** Ask how many people of a group ticket are at the door (partial arrival), from the snapshot.
 * Resolves to a number, null when there is nothing to ask, or "cancel" (nothing is scanned then).
 * A ticket the door will refuse (cancelled, waiting, another day) goes straight to its verdict. */
async function chooseGroupSize(code) {
  const ticket = snapshot ? snapshot.tickets.get(await digestOf(code)) : null;
  const today = doorDay(new Date());
  const admissible = ticket && ticket.st === "confirmed" && snapshot.event.status !== "cancelled" && eventDay(today);
  const remaining = admissible ? ticket.n - admittedOn(ticket, today) : 0;
  if (remaining <= 1) return null;
  const dialog = $("group");
  return new Promise((resolve) => {
    $("group-title").textContent = T.how_many;
    const buttons = [];
    for (let n = remaining; n >= 1; n -= 1) {
      const button = Object.assign(document.createElement("button"), { type: "button", textContent: n === remaining ? fill(T.all, { n }) : String(n) });
      button.addEventListener("click", () => dialog.close(String(n)));
      buttons.push(button);
    }
    $("group-buttons").replaceChildren(...buttons);
    dialog.addEventListener("close", () => {
      showing = !$("verdict").hidden;
      const chosen = Number(dialog.returnValue);
      if (!chosen) $("manual-code").focus();
      resolve(chosen || "cancel");
    }, { once: true });
    dialog.returnValue = "";
    showing = true;
    dialog.showModal();
    buttons[0].focus();
  });
}

async function handleCode(raw) {
  const code = raw.trim().toUpperCase();
  if (!code) return;
  const people = await chooseGroupSize(code);
  if (people === "cancel") return;
  const scan = { code, scan_id: newScanId(), people };
  let result;
  try {
    result = await api("/api/v1/checkin", { method: "POST", body: JSON.stringify(scan) });
  } catch (error) {
    if (error.message === "revoked") return;
    // Refused as malformed (a code of 300 characters, say): not a ticket, and no use sending it again.
    if (error.message === "http") { showVerdict({ status: "invalid" }); return; }
    // No answer from the server: judge from the snapshot and keep the scan, under the same scan_id, for
    // later (if the server did admit it, the upload is recognised as the same scan and changes nothing).
    const ticket = snapshot ? snapshot.tickets.get(await digestOf(code)) : null;
    result = judgeOffline(ticket, people);
    scan.scanned_at = new Date().toISOString();
    scan.verdict = result.status;
    scan.owner = me;
    scan.gate = snapshot ? snapshot.scanner.gate : "";
    await store.queueScan(scan);
    if (result.status === "ok") await store.putTickets([ticket]);
    setOnline(false);
    showVerdict(result, { offline: true });
    return;
  }
  const changed = await rememberOnline(code, result);
  showVerdict(result, { digest: changed && changed.d });
  setOnline(true);
  if (changed) await store.putTickets([changed]);
  refreshStatus();
}

// --- Snapshot, upload and counts ----------------------------------------------------------------

function useSnapshot(data) {
  snapshot = { ...data, tickets: new Map(data.tickets.map((t) => [t.d, t])) };
  me = data.scanner.key || me;
  $("event-title").textContent = data.event.title;
  $("gate").textContent = data.scanner.gate;
  $("search").hidden = data.scanner.profile === "scan_only";
  if (data.counts) showCounts(data.counts);
  if (data.duplicates) showDuplicates(data.duplicates);
}

async function refreshSnapshot() {
  const data = await api("/api/v1/scanner/snapshot", { timeout: UPLOAD_TIMEOUT });
  useSnapshot(data);
  // Admissions still queued (made while the snapshot was on its way, or held for their gate) are
  // not in the server's counts yet: without them, the next offline scan would let the ticket in again.
  for (const scan of await store.queuedScans()) {
    const ticket = scan.verdict === "ok" ? snapshot.tickets.get(await digestOf(scan.code)) : null;
    if (!ticket || doorDay(new Date(scan.scanned_at)) !== snapshot.day) continue; // another day's count
    ticket.c = Math.min(ticket.n, ticket.c + (scan.people || ticket.n - ticket.c));
    ticket.at = scan.scanned_at;
    ticket.g = scan.gate || snapshot.scanner.gate;
  }
  const { tickets, ...meta } = snapshot;
  await store.replaceSnapshot(meta, Array.from(tickets.values()));
}

function showCounts(counts) {
  $("counts").textContent = fill(T.counts, { checked: counts.checked_in, expected: counts.expected });
  $("gate-counts").replaceChildren(...Object.entries(counts.gates).map(([gate, n]) => Object.assign(document.createElement("li"), { textContent: `${gate}: ${n}` })));
}

function showDuplicates(duplicates) {
  $("duplicates").hidden = duplicates.length === 0;
  $("duplicates-list").replaceChildren(...duplicates.map((d) => Object.assign(document.createElement("li"), { textContent: fill(T.duplicate_line, { gate: d.gate, time: fmtTime(d.scanned_at) }) })));
}

async function refreshStatus() {
  try {
    const data = await api("/api/v1/scanner/status");
    showCounts(data.counts);
    showDuplicates(data.duplicates);
    setOnline(true);
    // The network is back without an "online" event (the Wi-Fi never dropped, the server was down).
    if (root.dataset.pending !== "0") upload();
  } catch (error) { if (error.message === "offline") setOnline(false); }
}

let uploading = false;
/** Sends this scanner's queued scans, oldest first, in batches the server accepts; each batch leaves
 * the queue once the server has judged it. Then fetches a fresh snapshot. */
async function upload() {
  if (uploading || !paired) return;
  uploading = true;
  try {
    if ((await store.queuedScans()).length) {
      // Who is this phone now? The server says (it may have been paired again, as another gate).
      const status = await api("/api/v1/scanner/status");
      me = status.scanner.key;
      await store.claimScans(me, status.scanner.gate);
      for (;;) {
        const mine = (await store.queuedScans()).filter((s) => s.owner === me);
        if (!mine.length) break;
        mine.sort((a, b) => String(a.scanned_at).localeCompare(String(b.scanned_at)));
        const batch = mine.slice(0, MAX_BATCH).map(({ owner, gate, ...scan }) => scan);
        await api("/api/v1/checkin/batch", { method: "POST", body: JSON.stringify({ scans: batch }), timeout: UPLOAD_TIMEOUT });
        await store.dropScans(batch.map((s) => s.scan_id));
        await showPending();
      }
    }
    setOnline(true);
    await refreshSnapshot();
  } catch (error) {
    if (error.message === "offline") setOnline(false);
    // "http": the server refused the batch itself; the scans stay queued (nothing is lost) for a later try.
    else if (error.message === "http") console.warn("upload refused", error.status, error.body);
  } finally {
    uploading = false;
    showPending();
  }
}

/** Scans of this scanner waiting to be sent; those of another scanner are held (see showHeld). */
async function showPending() {
  const scans = await store.queuedScans();
  const n = scans.filter((s) => !s.owner || !me || s.owner === me).length;
  $("pending").textContent = n ? plural(T.pending, n) : "";
  root.dataset.pending = String(n);
  await showHeld(scans);
}

/** Scans made by another scanner (before a revocation or a re-pairing) stay on the phone until that
 * scanner is paired again here: only it may upload them. Returns the message shown, if any. */
async function showHeld(scans = null) {
  const all = scans || await store.queuedScans();
  const held = all.filter((s) => (paired ? s.owner && me && s.owner !== me : true));
  const gates = [...new Set(held.map((s) => s.gate).filter(Boolean))].join(", ") || "?";
  const text = held.length ? fill(T.held[held.length === 1 ? 0 : 1], { n: held.length, gate: gates }) : "";
  for (const id of ["held", "held-unpaired"]) {
    $(id).textContent = text;
    $(id).hidden = !text;
  }
  root.dataset.held = String(held.length);
  return text;
}

function setOnline(online) {
  $("net-status").textContent = online ? T.online : T.offline;
  $("net-status").className = `net-status ${online ? "is-online" : "is-offline"}`;
  root.dataset.online = String(online);
  showPending();
}

// --- Inputs: camera, hardware scanner / keyboard, search ---------------------------------------

/** Not ready for a camera scan: a question is open, or a verdict is on screen (an Undo-able one
 * gives way to the next ticket). */
const busy = () => $("group").open || (showing && !sticky);

function accept(code) {
  const now = Date.now();
  // The camera sees the same ticket many times a second: one scan per ticket per few seconds (and
  // never the ticket whose verdict is still on screen).
  if (busy() || (code === lastCode && (showing || now - lastCodeAt < 4000))) return;
  lastCode = code;
  lastCodeAt = now;
  handleCode(code);
}

async function startCamera() {
  const video = $("camera");
  const message = $("camera-message");
  try {
    const stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" }, audio: false });
    video.srcObject = stream;
    await video.play();
    $("camera-start").hidden = true;
    message.hidden = true;
    const detector = await createQrDetector(root.dataset.wasm);
    root.dataset.camera = "ready";
    const tick = async () => {
      if (!busy() && video.readyState >= 2) {
        try {
          const codes = await detector.detect(video);
          if (codes.length) accept(codes[0].rawValue);
        } catch { /* a frame that could not be read */ }
      }
      setTimeout(tick, 120);
    };
    tick();
  } catch {
    message.textContent = T.camera_error;
    message.hidden = false;
    $("camera-start").hidden = false;
  }
}

$("manual-form").addEventListener("submit", (event) => {
  event.preventDefault();
  const input = $("manual-code");
  const code = input.value;
  input.value = "";
  if (code.trim()) { lastCode = ""; handleCode(code); } else if (showing) hideVerdict(); // Enter on an empty field: next
});

$("search-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const q = $("search-q").value.trim();
  if (q.length < 2) return;
  let items = [];
  try {
    items = (await api(`/api/v1/scanner/search?q=${encodeURIComponent(q)}`)).results;
  } catch {
    // Offline: names from the snapshot (only this profile's snapshot holds them); admission needs the network.
    items = [];
  }
  const list = $("search-results");
  if (!items.length) { list.replaceChildren(Object.assign(document.createElement("li"), { textContent: T.search_none })); return; }
  list.replaceChildren(...items.map((item) => {
    const li = document.createElement("li");
    li.textContent = `${item.name} (${item.checked_in}/${item.seats}) `;
    if (item.status === "confirmed" && item.checked_in < item.seats) {
      const button = Object.assign(document.createElement("button"), { type: "button", textContent: T.admit });
      foundDigests.set(item.handle, item.d);
      button.addEventListener("click", () => handleCode(item.handle));
      li.append(button);
    }
    return li;
  }));
});

$("verdict-next").addEventListener("click", hideVerdict);
$("verdict").addEventListener("click", (event) => { if (event.target === $("verdict")) hideVerdict(); });
$("verdict-undo").addEventListener("click", async () => {
  if (!lastAdmission) return;
  try {
    const { scanId, digest } = lastAdmission;
    const undone = await api("/api/v1/checkin/undo", { method: "POST", body: JSON.stringify({ scan_id: scanId }) });
    $("announce").textContent = T.undone;
    $("verdict-details").append(Object.assign(document.createElement("p"), { textContent: T.undone }));
    $("verdict-undo").hidden = true;
    // The server says how many may still enter on the ticket: that one record is saved, so that the
    // phone offline lets them in again (the next snapshot download brings the rest up to date).
    const ticket = snapshot && snapshot.tickets.get(digest);
    if (ticket) {
      setAdmitted(ticket, doorDay(new Date()), ticket.n - undone.people_remaining);
      store.putTickets([ticket]).catch(() => {}); // the undo itself is done: no error on screen
    }
  } catch { $("announce").textContent = T.error; }
});
$("camera-start").addEventListener("click", startCamera);
$("group-cancel").addEventListener("click", () => $("group").close());
document.addEventListener("keydown", (event) => {
  if (!showing || $("group").open) return;
  if (event.key === "Escape") { hideVerdict(); return; }
  // A hardware scanner types the next code while a verdict is shown, its focus on "Next scan": the
  // characters go to the code field (whose Enter then checks the code) instead of being lost and
  // the Enter merely closing the verdict. Space still presses the focused button.
  const printable = event.key.length === 1 && event.key !== " " && !event.ctrlKey && !event.metaKey && !event.altKey;
  if (printable && ($("verdict").contains(document.activeElement) || document.activeElement === document.body)) {
    event.preventDefault();
    const input = $("manual-code");
    input.value = event.key;
    input.focus();
  }
});

// --- Start --------------------------------------------------------------------------------------

async function start() {
  if (!token) { unpaired(); await showHeld(); return; }
  $("scanner-ui").hidden = false;
  const saved = await store.getSnapshot().catch(() => null);
  if (saved) useSnapshot(saved);
  await upload(); // sends anything left from last time, then fetches a fresh snapshot
  window.addEventListener("online", upload);
  window.addEventListener("offline", () => setOnline(false));
  setInterval(refreshStatus, 15000);
  setInterval(upload, 60000);
  if ("serviceWorker" in navigator) navigator.serviceWorker.register(root.dataset.sw, { scope: "/scan" }).catch(() => {});
  root.dataset.ready = "true";
  startCamera();
}

start();
