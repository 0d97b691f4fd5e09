// Opinion map, phone page: the room's groups so far and the list of statements follow the room (follow.js,
// the same polls and ETags as the session page). The statement on screen is never swapped under the person's
// finger: the page is fetched again only when it has none to show (all reacted to) and one it has not seen
// comes, or when the activity closes while a statement is shown. Without this script the page works as
// before: each reaction loads the next statement.
import { follow, say, update } from "./follow.js";

const root = document.getElementById("opinion-live");
const notice = document.getElementById("opinion-notice");

function wanted() {
  const next = document.getElementById("opinion-next");
  const list = root.querySelector("#opinion-statements");
  if (!next || !list) return false;
  if (list.dataset.open !== "true") return !next.hasAttribute("data-waiting");
  const seen = new Set(next.dataset.seen.split(" "));
  return next.hasAttribute("data-waiting") && list.dataset.statements.split(" ").some((uuid) => uuid && !seen.has(uuid));
}

// This phone's part of the page, fetched again (its address keeps the statements it skipped).
async function refreshNext() {
  const response = await fetch(window.location.href, { cache: "no-store", credentials: "same-origin" });
  if (response.status !== 200) return;
  const page = new DOMParser().parseFromString(await response.text(), "text/html");
  const fresh = page.getElementById("opinion-next");
  const next = document.getElementById("opinion-next");
  if (!fresh || !next) return;
  next.replaceWith(document.importNode(fresh, true));
  const statement = document.querySelector("#opinion-next [data-announce]");
  if (statement) say(notice, statement.dataset.announce);
}

if (root && root.dataset.liveUrl) {
  follow({
    url: root.dataset.liveUrl,
    etag: root.dataset.etag,
    interval: Number(root.dataset.interval) || 1500,
    apply(html) {
      update(root, html);
      if (wanted()) refreshNext();
      root.dataset.updated = String(Date.now());
    },
  });
}
