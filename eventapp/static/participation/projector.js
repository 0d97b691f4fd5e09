// Projector: the room's screen follows the session (follow.js); the organiser switches screens with
// keys (J join, I ideas, Q questions, P poll, R results, W word cloud, N next activity).
import { follow, update } from "./follow.js";

const root = document.getElementById("room-screen");
const keys = Object.fromEntries(root.dataset.keys.split(" ").map((pair) => pair.split("=")));

const following = follow({
  url: root.dataset.liveUrl,
  etag: root.dataset.etag,
  interval: 1000,
  apply(html) {
    update(root, html);
    root.dataset.updated = String(Date.now());
  },
  onError(failed) {
    root.classList.toggle("offline", failed);
  },
});

async function send(url, fields) {
  const body = new URLSearchParams({ csrf_token: root.dataset.csrf, ...fields });
  await fetch(url, {
    method: "POST",
    body,
    credentials: "same-origin",
    headers: { "X-Requested-With": "live", "X-CSRFToken": root.dataset.csrf },
  });
  following.poll();
}

document.addEventListener("keydown", (event) => {
  if (event.ctrlKey || event.metaKey || event.altKey || event.repeat) return;
  const key = event.key.toLowerCase();
  if (keys[key]) send(root.dataset.screenUrl, { screen: keys[key] });
  else if (key === "n") send(root.dataset.nextUrl, {});
  else return;
  event.preventDefault();
});
