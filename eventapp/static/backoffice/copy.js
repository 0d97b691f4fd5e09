// Copy button of a text block (the UiTdatabank export). Without this script the button stays hidden and
// the text can still be selected and copied by hand. The result is announced in the block's status.
for (const block of document.querySelectorAll("[data-copy]")) {
  const button = block.querySelector("[data-copy-button]");
  const source = block.querySelector("[data-copy-source]");
  const status = block.querySelector("[data-copy-status]");
  if (!button || !source || !navigator.clipboard) continue;
  button.hidden = false;
  button.addEventListener("click", async () => {
    try {
      await navigator.clipboard.writeText(source.textContent);
      status.textContent = status.dataset.copied;
    } catch {
      status.textContent = status.dataset.failed;
    }
  });
}
