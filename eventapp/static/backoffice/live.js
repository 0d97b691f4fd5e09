// Live figures on the event dashboard: polls the JSON endpoint every 5 s and updates the numbers.
// The page works without it (the figures are then those of the last reload).
const root = document.querySelector("[data-live-url]");
if (root) {
  const url = root.dataset.liveUrl;
  const status = root.querySelector("[data-live-status]");
  const every = 5000;
  let timer = null;

  async function refresh() {
    try {
      const response = await fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" });
      if (!response.ok) throw new Error(String(response.status));
      const data = await response.json();
      for (const [name, value] of Object.entries(data.figures)) {
        for (const el of root.querySelectorAll(`[data-stat="${name}"]`)) {
          if (el.textContent !== String(value)) el.textContent = String(value);
        }
      }
      for (const el of root.querySelectorAll("[data-stat-meter]")) {
        const [num, den] = el.dataset.statMeter.split("/");
        el.max = data.figures[den] || 1;
        el.value = data.figures[num] || 0;
      }
      if (status) status.textContent = status.dataset.okText.replace("{time}", data.updated);
    } catch (error) {
      if (status) status.textContent = status.dataset.errorText;
    }
  }

  function start() {
    if (!timer) timer = setInterval(refresh, every);
  }
  function stop() {
    clearInterval(timer);
    timer = null;
  }
  // No polling while the tab is hidden; catch up at once when it comes back.
  document.addEventListener("visibilitychange", () => {
    if (document.hidden) stop();
    else {
      refresh();
      start();
    }
  });
  start();
}
