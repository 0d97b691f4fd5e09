// Participant page: the page works without this script. With it, the phone learns within a few
// seconds that a poll opened, closed or showed its results, and offers to refresh (never while typing).
const script = document.currentScript || document.querySelector("script[data-state]");
const url = script && script.dataset.state;
const notice = document.getElementById("live-notice");
let etag = null;
let known = null;

function typing() {
  const el = document.activeElement;
  return el && (el.tagName === "TEXTAREA" || (el.tagName === "INPUT" && el.type === "text")) && el.value;
}

async function tick() {
  try {
    const response = await fetch(url, { headers: etag ? { "If-None-Match": etag } : {}, cache: "no-cache" });
    if (response.status === 200) {
      etag = response.headers.get("ETag");
      const body = JSON.stringify(await response.json());
      if (known !== null && body !== known) {
        if (typing()) {
          notice.hidden = false;
          const link = document.getElementById("refresh").cloneNode(true);
          link.removeAttribute("id");
          notice.replaceChildren(link);
        } else {
          window.location.reload();
        }
      }
      known = body;
    }
  } catch {
    // Offline for a moment: try again later.
  }
  setTimeout(tick, 5000);
}

if (url && notice) tick();
