// Phone page: follows the room (follow.js). The page works without this script (its Refresh link).
// The fragment is the room's, the same for every phone; what is this phone's own — the ideas it
// supports, the cards it wrote (it may not support those), the polls it answered, its form token — was in the page it loaded (each of its own actions
// reloads the page), and is applied again after each update.
import { follow, update } from "./follow.js";

const root = document.getElementById("live");
const notice = document.getElementById("live-notice");

function own() {
  return {
    supported: Array.from(root.querySelectorAll(".card .supported:not([hidden])"), (el) => el.closest(".card").id),
    mine: Array.from(root.querySelectorAll(".card .mine:not([hidden])"), (el) => el.closest(".card").id),
    answered: Array.from(root.querySelectorAll(".thanks:not([hidden])"), (el) => el.id.slice("thanks-".length)),
  };
}

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

function applyOwn({ supported, mine, answered }) {
  mark(supported, ".supported");
  mark(mine, ".mine");
  for (const id of answered) {
    const thanks = document.getElementById(`thanks-${id}`);
    const form = document.getElementById(`u-${id}`);
    if (thanks) thanks.hidden = false;
    if (form) form.hidden = true;
  }
}

// New ideas, questions, activities and results are read out politely, never taking the focus.
function announce(added) {
  // A new element says what it is; a new list (the first idea of a board) speaks for its items.
  const messages = added.flatMap((el) =>
    el.dataset.announce ? [el.dataset.announce] : Array.from(el.querySelectorAll("[data-announce]"), (item) => item.dataset.announce),
  );
  if (!messages.length) return;
  notice.textContent = "";
  requestAnimationFrame(() => {
    notice.textContent = messages.slice(0, 3).join(" ");
  });
}

if (root && root.dataset.liveUrl) {
  const mine = own();
  follow({
    url: root.dataset.liveUrl,
    etag: root.dataset.etag,
    interval: Number(root.dataset.interval) || 1500,
    apply(html) {
      const added = update(root, html);
      ownToken();
      applyOwn(mine);
      announce(added);
      root.dataset.updated = String(Date.now());
    },
  });
}
