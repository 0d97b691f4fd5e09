// Projector: polls a small JSON endpoint (ETag/304) every 2 seconds and updates the page without reload.
const root = document.getElementById("projector");
const status = document.getElementById("projector-status");
let etag = null;

function setText(el, text) { if (el && el.textContent !== text) el.textContent = text; }

function render(state) {
  for (const column of root.querySelectorAll(".projector-column")) {
    const lang = column.dataset.lang;
    const poll = state.poll;
    if (poll) setText(column.querySelector(".poll-prompt"), poll.prompt[lang]);
    const total = column.querySelector(".poll-total");
    setText(total, poll ? poll.total_label[lang] : "");
    column.querySelector(".poll-waiting").hidden = !poll || poll.revealed;
    const rows = column.querySelector(".poll-rows");
    rows.replaceChildren(...(poll ? poll.rows : []).map((row) => {
      const li = document.createElement("li");
      const label = document.createElement("span");
      label.className = "row-label";
      label.textContent = row.label[lang];
      const value = document.createElement("span");
      value.className = "row-value";
      value.textContent = ` ${row.share} % (${row.count})`;
      const bar = document.createElement("span");
      bar.className = "row-bar";
      bar.style.width = `${row.share}%`;
      li.append(label, value, bar);
      return li;
    }));
    const questions = column.querySelector(".questions");
    questions.replaceChildren(...state.questions.map((q) => {
      const li = document.createElement("li");
      const body = document.createElement("span");
      body.className = "q-body";
      body.textContent = q.body;
      const votes = document.createElement("span");
      votes.className = "q-votes";
      votes.textContent = ` +${q.upvotes}`;
      li.append(body, votes);
      return li;
    }));
  }
}

async function tick() {
  try {
    const response = await fetch(root.dataset.state, {
      headers: etag ? { "If-None-Match": etag } : {},
      credentials: "same-origin",
      cache: "no-cache",
    });
    if (response.status === 200) {
      etag = response.headers.get("ETag");
      render(await response.json());
      root.dataset.updated = String(Date.now());
    }
    setText(status, "");
  } catch {
    setText(status, "…");
  }
  setTimeout(tick, 2000);
}

for (const bar of root.querySelectorAll(".row-bar")) bar.style.width = `${bar.dataset.share}%`;
tick();
