// Service worker for /tickets/: keeps the ticket pages this phone has opened, so the QR code still
// shows at a door without network. It stores only those pages, their QR images, the stylesheets and the wordmark.
const CACHE = "tickets-v2";
const ASSETS = ["/static/css/app.css", "/static/tickets/ticket.css", "/static/tickets/ticket.js", "/static/icon.svg"];

self.addEventListener("install", (event) => {
  event.waitUntil(caches.open(CACHE).then((cache) => cache.addAll(ASSETS)).then(() => self.skipWaiting()));
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches.keys()
      .then((keys) => Promise.all(keys.filter((k) => k.startsWith("tickets-") && k !== CACHE).map((k) => caches.delete(k))))
      .then(() => self.clients.claim()),
  );
});

function cacheable(url) {
  return url.origin === self.location.origin &&
    (url.pathname.startsWith("/tickets/") || ASSETS.includes(url.pathname)) &&
    !url.pathname.endsWith("/sw.js");
}

// Network first (a cancelled ticket must show as cancelled), the stored copy when offline.
self.addEventListener("fetch", (event) => {
  const url = new URL(event.request.url);
  if (event.request.method !== "GET" || !cacheable(url)) return;
  event.respondWith(
    fetch(event.request)
      .then((response) => {
        if (response.ok) {
          const copy = response.clone();
          caches.open(CACHE).then((cache) => cache.put(event.request, copy));
        } else if (response.status === 404) {
          caches.open(CACHE).then((cache) => cache.delete(event.request));
        }
        return response;
      })
      .catch(() => caches.match(event.request).then((hit) => hit || Response.error())),
  );
});
