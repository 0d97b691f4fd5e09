// Following the room: short polls with the version held as an ETag (304 while nothing changed), and
// an in-place update of the page that keeps what the person is doing (see `morph`).
// Used by the phone page (live.js) and the projector (projector.js); see participation/live.py.

// Poll `url` every `interval` ms while the page is visible; `apply(html)` receives each new version.
// A phone that slept, went offline or came back to the tab polls at once and catches up.
export function follow({ url, etag, interval, apply, onError }) {
  let current = etag || null;
  let timer = null;
  let running = false;

  function schedule() {
    clearTimeout(timer);
    if (!document.hidden) timer = setTimeout(poll, interval);
  }

  async function poll() {
    clearTimeout(timer);
    if (running) return;
    running = true;
    try {
      const response = await fetch(url, {
        headers: current ? { "If-None-Match": current } : {},
        cache: "no-store",
        credentials: "same-origin",
      });
      if (response.status === 200) {
        current = response.headers.get("ETag") || current;
        apply(await response.text());
      }
      if (onError) onError(response.status !== 200 && response.status !== 304);
    } catch {
      if (onError) onError(true); // offline for a moment: the next poll catches up
    } finally {
      running = false;
      schedule();
    }
  }

  document.addEventListener("visibilitychange", () => (document.hidden ? clearTimeout(timer) : poll()));
  window.addEventListener("online", poll);
  window.addEventListener("pageshow", (event) => event.persisted && poll());
  schedule();
  return { poll };
}

// Parse an HTML fragment into a detached element of the same kind as `target`.
export function parse(html, target) {
  const template = document.createElement("template");
  template.innerHTML = html;
  const holder = document.createElement(target.tagName);
  holder.append(template.content);
  return holder;
}

const keyOf = (node) => (node.nodeType === Node.ELEMENT_NODE && node.id) || null;

// A form the person may be filling in, or a block the page owns (data-live-keep), stays as it is.
const kept = (node) => node.nodeType === Node.ELEMENT_NODE && node.id && (node.tagName === "FORM" || node.hasAttribute("data-live-keep"));

// Whether the person opened a <details> is theirs, not the server's.
const ownAttribute = (element, name) => name === "open" && element.tagName === "DETAILS";

// What the page's script added (a refusal next to a button) is not the server's to remove.
const ours = (node) => node.nodeType === Node.ELEMENT_NODE && node.hasAttribute("data-live-own");

function syncAttributes(from, to) {
  for (const { name } of Array.from(from.attributes)) if (!to.hasAttribute(name) && !ownAttribute(from, name)) from.removeAttribute(name);
  for (const { name, value } of Array.from(to.attributes)) if (from.getAttribute(name) !== value) from.setAttribute(name, value);
}

// Make `from`'s children like `to`'s, touching only what differs: elements are matched by id, others by
// position; a matched element is updated in place, so the focus, the scroll position, typed text and
// ticked choices stay; what the script added (data-live-own) too. New elements are pushed to `added`
// (for the screen reader announcement).
export function morph(from, to, added = []) {
  const olds = Array.from(from.childNodes).filter((node) => !ours(node));
  const byKey = new Map(olds.filter(keyOf).map((node) => [keyOf(node), node]));
  const used = new Set();
  const result = [];
  let index = 0;
  for (const next of Array.from(to.childNodes)) {
    const key = keyOf(next);
    let match = null;
    if (key) {
      match = byKey.get(key) || null;
      if (match && match.nodeName !== next.nodeName) match = null;
    } else {
      while (index < olds.length && (keyOf(olds[index]) || used.has(olds[index]))) index += 1;
      const candidate = olds[index];
      if (candidate && candidate.nodeType === next.nodeType && candidate.nodeName === next.nodeName) {
        match = candidate;
        index += 1;
      }
    }
    if (match) {
      used.add(match);
      if (match.nodeType === Node.ELEMENT_NODE) {
        if (!kept(match)) {
          syncAttributes(match, next);
          morph(match, next, added);
        }
      } else if (match.nodeValue !== next.nodeValue) {
        match.nodeValue = next.nodeValue;
      }
      result.push(match);
    } else {
      const node = document.importNode(next, true);
      if (node.nodeType === Node.ELEMENT_NODE) added.push(node);
      result.push(node);
    }
  }
  for (const old of olds) if (!used.has(old)) old.remove();
  let cursor = from.firstChild;
  for (const node of result) {
    while (cursor && ours(cursor)) cursor = cursor.nextSibling;
    if (node === cursor) cursor = cursor.nextSibling;
    else from.insertBefore(node, cursor);
  }
  return added;
}

// Update `target` to `html` in place; the focused element keeps the focus even if it moved.
export function update(target, html) {
  const active = document.activeElement;
  const added = morph(target, parse(html, target));
  if (active && active !== document.body && active.isConnected && document.activeElement !== active) {
    active.focus({ preventScroll: true });
  }
  return added;
}

// Read new items out politely, never taking the focus (WCAG 4.1.3): a new element says what it is
// (data-announce); a new list (the first idea of a board) speaks for its items.
export function announce(notice, added) {
  const messages = added.flatMap((el) =>
    el.dataset.announce ? [el.dataset.announce] : Array.from(el.querySelectorAll("[data-announce]"), (item) => item.dataset.announce),
  );
  if (messages.length) say(notice, messages.slice(0, 3).join(" "));
}

// Put `text` in the polite live region `notice` (emptied first, so the same words are read again).
export function say(notice, text) {
  if (!notice) return;
  notice.textContent = "";
  requestAnimationFrame(() => {
    notice.textContent = text;
  });
}
