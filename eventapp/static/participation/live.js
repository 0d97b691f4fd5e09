// Phone page: follows the room (follow.js), and sends votes, supports, ideas and questions in place. The
// page works without this script (its forms post and the page reloads; its Refresh link).
// The room's fragment is the same for every phone; what is this phone's own — the ideas it supports,
// the polls it answered, what it sent (it may not support those), its form token — is applied again
// after each update. What it sent, and where each stands, is asked for again whenever an organiser
// decided something (the fragment's moderation stamp changes), not on every vote of the room.
import { announce, follow, morph, parse, say, update } from "./follow.js";

const root = document.getElementById("live");
const notice = document.getElementById("live-notice");

const supported = new Set();
const answered = new Set();
for (const el of document.querySelectorAll("#live .card .supported:not([hidden])")) supported.add(el.closest(".card").id);
for (const el of document.querySelectorAll("#live .thanks:not([hidden])")) answered.add(el.id.slice("thanks-".length));

// The cards of what this phone sent: its own-contribution items name them.
const mine = () => Array.from(root.querySelectorAll(".own-item"), (el) => `c-${el.id.slice("own-".length)}`);

// The room's fragment carries the token of whichever phone had it rendered: forms must carry this one's.
function ownToken() {
  for (const input of root.querySelectorAll('input[name="csrf_token"]')) input.value = root.dataset.csrf;
}

// Show the card's `marker` (".supported", ".mine") instead of its Support button.
function mark(ids, marker) {
  for (const id of ids) {
    const card = document.getElementById(id);
    if (!card) continue;
    for (const el of card.querySelectorAll(marker)) el.hidden = false;
    for (const el of card.querySelectorAll("form.support")) el.hidden = true;
  }
}

function showAnswered(id) {
  const thanks = document.getElementById(`thanks-${id}`);
  const form = document.getElementById(`u-${id}`);
  if (thanks) thanks.hidden = false;
  if (form) form.hidden = true;
  return thanks;
}

function applyOwn() {
  mark(supported, ".supported");
  mark(mine(), ".mine");
  for (const id of answered) showAnswered(id);
}

// Blocks of what this phone sent (`html`): each replaces the page's one with the same id; what changed.
function placeMine(html) {
  const added = [];
  for (const block of parse(html, root).querySelectorAll("[id^='mine-']")) {
    const current = document.getElementById(block.id);
    if (current) morph(current, block, added);
  }
  ownToken();
  applyOwn();
  return added;
}

// What this phone sent, fetched again.
async function refreshMine() {
  if (!root.dataset.mineUrl || !root.querySelector(".own-item")) return;
  try {
    const response = await fetch(root.dataset.mineUrl, { cache: "no-store", credentials: "same-origin" });
    if (response.status !== 200) return;
    announce(notice, placeMine(await response.text()));
  } catch {
    // offline for a moment: the next decision asks again
  }
}

// A refusal next to the form, read out at once; for a phone that has not joined, with the way to join.
function refuse(form, message, join) {
  let box = form.querySelector(".script-error");
  if (!box) {
    box = document.createElement("p");
    box.className = "error script-error";
    box.setAttribute("role", "alert");
    box.setAttribute("data-live-own", "");
    form.prepend(box);
  }
  box.textContent = message;
  const title = document.getElementById("join-title");
  if (join && title) {
    const link = Object.assign(document.createElement("a"), { href: "#join", textContent: title.textContent });
    box.append(" ", link);
  }
}

// Votes, supports, ideas and questions in place: the phone stays where it is, its focus and what it typed too.
async function send(form) {
  const button = form.querySelector("button[type=submit]");
  const focused = button && document.activeElement === button;
  if (button) button.disabled = true;
  let response;
  let data = null;
  const body = new FormData(form);
  try {
    response = await fetch(form.action, {
      method: "POST",
      body,
      headers: { "X-Requested-With": "live", Accept: "application/json" },
      credentials: "same-origin",
    });
    if ((response.headers.get("Content-Type") || "").startsWith("application/json")) data = await response.json();
  } catch {
    data = null;
  } finally {
    if (button) button.disabled = false;
    // A disabled button loses the focus to the page: it gets it back, so the person stays where they were.
    if (focused && document.activeElement === document.body) button.focus({ preventScroll: true });
  }
  if (!data) {
    form.submit(); // no answer the script understands (offline, limited): the page's own way
    return;
  }
  if (!response.ok) {
    refuse(form, data.message, data.join);
    return;
  }
  form.querySelector(".script-error")?.remove();
  const card = form.closest(".card");
  if (form.classList.contains("contribute")) {
    // Sent: the field is emptied as a reload would (unless the person already typed on meanwhile),
    // "What you sent" shows it (the room's next version brings its card, marked as this phone's).
    for (const field of form.querySelectorAll("textarea")) if (field.value === body.get(field.name)) field.value = "";
    if (data.mine) placeMine(data.mine);
    // The thanks, shown where the person is (the page's flash message is not there without a reload).
    let done = form.querySelector(".script-done");
    if (!done) {
      done = Object.assign(document.createElement("p"), { className: "notice notice-ok script-done" });
      done.setAttribute("data-live-own", "");
      form.prepend(done);
    }
    done.textContent = data.message;
  } else if (card) {
    supported.add(card.id);
    const count = card.querySelector(".count");
    if (count && data.count) count.textContent = data.count;
    mark([card.id], ".supported");
    const marker = card.querySelector(".supported");
    marker.tabIndex = -1;
    marker.focus({ preventScroll: true }); // its button is gone: the focus stays on the card
  } else {
    const id = form.id.slice("f-".length);
    answered.add(id);
    const thanks = showAnswered(id);
    if (thanks) {
      thanks.tabIndex = -1;
      thanks.focus({ preventScroll: true });
    }
  }
  say(notice, data.message);
}

if (root) {
  root.addEventListener("submit", (event) => {
    const form = event.target;
    const isVote = form.id && form.closest(".unanswered");
    if (!form.classList.contains("support") && !form.classList.contains("contribute") && !isVote) return;
    event.preventDefault();
    send(form);
  });
}

if (root && root.dataset.liveUrl) {
  const stamp = () => root.querySelector("#moderation-stamp")?.dataset.stamp;
  let decided = stamp();
  follow({
    url: root.dataset.liveUrl,
    etag: root.dataset.etag,
    interval: Number(root.dataset.interval) || 1500,
    apply(html) {
      const added = update(root, html);
      ownToken();
      applyOwn();
      announce(notice, added);
      if (stamp() !== decided) {
        decided = stamp();
        refreshMine();
      }
      root.dataset.updated = String(Date.now());
    },
  });
}
