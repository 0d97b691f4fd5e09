// Ticket page: register the small service worker that keeps visited tickets readable offline.
const root = document.querySelector("[data-ticket-sw]");
if (root && "serviceWorker" in navigator) {
  navigator.serviceWorker.register(root.dataset.ticketSw, { scope: "/tickets/" }).catch(() => {
    // Without it the page still works online; nothing to tell the reader.
  });
}
