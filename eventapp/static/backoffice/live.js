// Live figures on the event dashboard: polls the JSON endpoint every 5 s and updates the numbers and
// the charts that follow them (server-rendered, so a chart never disagrees with its figure).
// The page works without it (the figures are then those of the last reload).
// Screen readers hear only what changed, and an error once (WCAG 4.1.3): the time of the last update is
// shown but not announced. The pause button stops the polling (WCAG 2.2.2).
const root = document.querySelector("[data-live-url]");
if (root) {
  const url = root.dataset.liveUrl;
  const status = root.querySelector("[data-live-status]");
  const announcer = root.querySelector("[data-live-announce]");
  const toggle = root.querySelector("[data-live-toggle]");
  const charts = document.querySelector("[data-live-charts]");
  let shownHtml = "";
  const every = 5000;
  let timer = null;
  let paused = false;
  let failing = false;

  function announce(text) {
    if (announcer) announcer.textContent = text;
  }

  // What a sighted reader sees next to a changed figure: its list item or its table row, in one line.
  function describe(el) {
    const holder = el.closest("li, tr") || el;
    return holder.textContent.replace(/\s+/g, " ").trim();
  }

  // Bring `current` to look like `next` in place: same elements kept (the reader's focus, an opened
  // table), their attributes and text updated; only a part whose shape changed is replaced.
  function morph(current, next) {
    if (current.nodeType !== next.nodeType || current.nodeName !== next.nodeName) {
      current.replaceWith(next);
      return;
    }
    if (current.nodeType === Node.TEXT_NODE) {
      if (current.nodeValue !== next.nodeValue) current.nodeValue = next.nodeValue;
      return;
    }
    if (current.nodeType !== Node.ELEMENT_NODE) return;
    for (const { name, value } of next.attributes) {
      if (current.getAttribute(name) !== value) current.setAttribute(name, value);
    }
    for (const { name } of [...current.attributes]) {
      if (!next.hasAttribute(name) && name !== "open") current.removeAttribute(name);
    }
    morphChildren(current, next);
  }

  function morphChildren(current, next) {
    const nextChildren = [...next.childNodes];
    const children = [...current.childNodes];
    nextChildren.forEach((child, i) => (children[i] ? morph(children[i], child) : current.appendChild(child)));
    children.slice(nextChildren.length).forEach((child) => child.remove());
  }

  function redrawCharts(html) {
    if (!charts || html === shownHtml) return;
    const next = document.createElement("div");
    next.innerHTML = html;
    morphChildren(charts, next);
    shownHtml = html;
  }

  async function refresh() {
    try {
      const response = await fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" });
      if (!response.ok) throw new Error(String(response.status));
      const data = await response.json();
      const changed = [];
      for (const [name, value] of Object.entries(data.figures)) {
        for (const el of root.querySelectorAll(`[data-stat="${name}"]`)) {
          if (el.textContent !== String(value)) {
            el.textContent = String(value);
            changed.push(el);
          }
        }
      }
      for (const el of root.querySelectorAll("[data-stat-meter]")) {
        const [num, den] = el.dataset.statMeter.split("/");
        el.max = data.figures[den] || 1;
        el.value = data.figures[num] || 0;
      }
      if (typeof data.charts === "string") redrawCharts(data.charts);
      if (status) status.textContent = status.dataset.okText.replace("{time}", data.updated);
      failing = false;
      const lines = [...new Set(changed.map(describe))];
      if (lines.length && announcer) announce(announcer.dataset.changedText.replace("{changes}", lines.join("; ")));
    } catch (error) {
      if (status) status.textContent = status.dataset.errorText;
      if (!failing) announce(status ? status.dataset.errorText : "");
      failing = true;
    }
  }

  function start() {
    if (!timer && !paused) timer = setInterval(refresh, every);
  }
  function stop() {
    clearInterval(timer);
    timer = null;
  }
  // No polling while the tab is hidden; catch up at once when it comes back (unless paused).
  document.addEventListener("visibilitychange", () => {
    if (document.hidden) stop();
    else if (!paused) {
      refresh();
      start();
    }
  });
  if (toggle) {
    toggle.hidden = false;
    toggle.addEventListener("click", () => {
      paused = !paused;
      toggle.textContent = paused ? toggle.dataset.resumeText : toggle.dataset.pauseText;
      if (paused) {
        stop();
        if (status) status.textContent = status.dataset.pausedText;
      } else {
        refresh();
        start();
      }
    });
  }
  start();
}
