// Service worker for /scan: the scanner page, its scripts and the QR decoder keep working without
// network. API calls are never cached (the page keeps its own snapshot in IndexedDB).
const CACHE = "scanner-v1";
const SHELL = [
  "/scan",
  "/static/css/app.css",
  "/static/tickets/scanner.css",
  "/static/tickets/scan.js",
  "/static/tickets/scanner-store.js",
  "/static/vendor/barcode-detector/load.js",
  "/static/vendor/barcode-detector/ponyfill.js",
  "/static/vendor/barcode-detector/zxing-exported.js",
  "/static/vendor/barcode-detector/zxing_reader.wasm",
];

self.addEventListener("install", (event) => {
  event.waitUntil(caches.open(CACHE).then((cache) => cache.addAll(SHELL)).then(() => self.skipWaiting()));
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches.keys()
      .then((keys) => Promise.all(keys.filter((k) => k.startsWith("scanner-") && k !== CACHE).map((k) => caches.delete(k))))
      .then(() => self.clients.claim()),
  );
});

// Network first for the shell (updates arrive at once), cache when offline; the API is never touched.
self.addEventListener("fetch", (event) => {
  const url = new URL(event.request.url);
  if (event.request.method !== "GET" || url.origin !== self.location.origin || url.pathname.startsWith("/api/")) return;
  const key = url.pathname === "/scan" ? "/scan" : url.pathname;
  if (!SHELL.includes(key)) return;
  event.respondWith(
    fetch(event.request)
      .then((response) => {
        if (response.ok) {
          const copy = response.clone();
          caches.open(CACHE).then((cache) => cache.put(key, copy));
        }
        return response;
      })
      .catch(() => caches.match(key).then((hit) => hit || Response.error())),
  );
});
