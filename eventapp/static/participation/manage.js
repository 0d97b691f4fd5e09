// Manage page: the moderation queue, the activities' counts, the room's screen and new guests follow the
// room (follow.js) without a reload; new contributions are read out politely. Forms opened or being
// filled in stay as they are. The page works without this script (each action reloads it).
import { announce, follow, update } from "./follow.js";

const root = document.getElementById("live");

if (root && root.dataset.liveUrl) {
  const notice = document.getElementById("live-notice");
  follow({
    url: root.dataset.liveUrl,
    etag: root.dataset.etag,
    interval: Number(root.dataset.interval) || 3000,
    apply(html) {
      announce(notice, update(root, html));
      root.dataset.updated = String(Date.now());
    },
  });
}
