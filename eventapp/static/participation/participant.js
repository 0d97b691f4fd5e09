// Participant page: the page works without this script. With it, the phone learns within a few
// seconds that a poll opened, closed or showed its results, and reloads — unless the person is in the
// middle of an answer, where a reload would lose it (and send a screen reader back to the top): then
// it only offers a refresh link.
const script = document.currentScript || document.querySelector("script[data-state]");
const url = script && script.dataset.state;
const notice = document.getElementById("live-notice");
let etag = null;
let known = null;

const SILENT = new Set(["hidden", "submit", "button", "reset", "image"]);

// A form is busy when a control in it has focus, a choice is ticked or a text is written.
function busy() {
  for (const form of document.querySelectorAll("main form")) {
    if (form.contains(document.activeElement)) return true;
    for (const control of form.elements) {
      if (control.type === "radio" || control.type === "checkbox") {
        if (control.checked) return true;
      } else if (control.tagName === "TEXTAREA" || (control.tagName === "INPUT" && !SILENT.has(control.type))) {
        if (control.value.trim()) return true;
      }
    }
  }
  return false;
}

async function tick() {
  try {
    const response = await fetch(url, { headers: etag ? { "If-None-Match": etag } : {}, cache: "no-cache" });
    if (response.status === 200) {
      etag = response.headers.get("ETag");
      const body = JSON.stringify(await response.json());
      if (known !== null && body !== known) {
        if (busy()) {
          notice.hidden = false;
          const link = document.getElementById("refresh").cloneNode(true);
          link.removeAttribute("id");
          notice.replaceChildren(`${notice.dataset.message} `, link);
        } else {
          // A page shown after a form error sits at the form's POST address: reloading it would send
          // the form again. Go to the session page itself (its own reload keeps the scroll position).
          const page = new URL(document.getElementById("refresh").href);
          if (page.pathname === window.location.pathname) window.location.reload();
          else window.location.replace(page.href);
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
