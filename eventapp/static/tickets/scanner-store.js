// What the scanner phone keeps: its device token (localStorage), and in IndexedDB the offline
// snapshot of its event (ticket code digests, never codes or emails) and the scans not yet uploaded.
const TOKEN_KEY = "eventapp.scanner.token";
const DB_NAME = "eventapp-scanner";

/** A new pairing: the snapshot of the previous one (maybe another gate or event) must not judge tickets.
 * Queued scans stay: each names the scanner that made it, and only that scanner uploads it. */
export async function saveToken(token) {
  localStorage.setItem(TOKEN_KEY, token);
  await deleteSnapshot().catch(() => {});
}

export function loadToken() {
  return localStorage.getItem(TOKEN_KEY);
}

// Version 2 keeps one record per ticket (keyed by its digest) and the rest of the snapshot as a
// small "meta" record in "kv": a scan rewrites its own ticket, not the thousands of the event.
const VERSION = 2;

function open() {
  return new Promise((resolve, reject) => {
    const request = indexedDB.open(DB_NAME, VERSION);
    request.onupgradeneeded = (event) => {
      const db = request.result;
      if (event.oldVersion < 1) {
        db.createObjectStore("kv");
        db.createObjectStore("queue", { keyPath: "scan_id" });
      }
      if (event.oldVersion < 2) {
        const tickets = db.createObjectStore("tickets", { keyPath: "d" });
        // The phone may be offline when this version first loads: move the version 1 snapshot (one
        // record) over rather than drop it, or the door could not judge tickets until the network returns.
        // It happens in the upgrade's own transaction: a phone that dies half-way upgrades again.
        const kv = request.transaction.objectStore("kv");
        kv.get("snapshot").onsuccess = ({ target }) => {
          const old = target.result;
          kv.delete("snapshot");
          if (!old || !Array.isArray(old.tickets)) return;
          const { tickets: list, ...meta } = old;
          list.filter((t) => t && t.d).forEach((t) => tickets.put(t));
          kv.put(meta, "meta");
        };
      }
    };
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}

/** Runs `action` with the object stores named (one name or a list) in one transaction; resolves with
 * the result of the request it returns, if any, once the transaction is complete. */
async function run(stores, mode, action) {
  const names = [].concat(stores);
  const db = await open();
  return new Promise((resolve, reject) => {
    const tx = db.transaction(names, mode);
    const request = action(...names.map((name) => tx.objectStore(name)));
    tx.oncomplete = () => { db.close(); resolve(request ? request.result : undefined); };
    tx.onerror = () => { db.close(); reject(tx.error); };
  });
}

/** The saved snapshot, its tickets as a list, or null. */
export async function getSnapshot() {
  let meta = null;
  let tickets = [];
  await run(["kv", "tickets"], "readonly", (kv, store) => {
    kv.get("meta").onsuccess = ({ target }) => { meta = target.result; };
    store.getAll().onsuccess = ({ target }) => { tickets = target.result; };
  });
  return meta ? { ...meta, tickets } : null;
}

/** A freshly downloaded snapshot replaces the saved one whole, in one transaction: a phone that
 * dies half-way keeps the old one rather than a mix. */
export const replaceSnapshot = (meta, tickets) => run(["kv", "tickets"], "readwrite", (kv, store) => {
  store.clear();
  tickets.forEach((t) => store.put(t));
  kv.put(meta, "meta");
});

/** After a scan: only the tickets it changed. */
export const putTickets = (tickets) => run("tickets", "readwrite", (store) => { tickets.forEach((t) => store.put(t)); });

const deleteSnapshot = () => run(["kv", "tickets"], "readwrite", (kv, store) => { kv.delete("meta"); store.clear(); });
export const queueScan = (scan) => run("queue", "readwrite", (s) => s.put(scan));
export const queuedScans = () => run("queue", "readonly", (s) => s.getAll());
export const dropScans = (ids) => run("queue", "readwrite", (s) => { ids.forEach((id) => s.delete(id)); });

/** Scans queued before the phone knew which scanner it is (no snapshot yet, or an older version of
 * this page) were made with the current device token: they belong to the scanner it names. */
export const claimScans = (owner, gate) => run("queue", "readwrite", (s) => {
  const request = s.openCursor();
  request.onsuccess = () => {
    const cursor = request.result;
    if (!cursor) return;
    if (!cursor.value.owner) cursor.update({ ...cursor.value, owner, gate });
    cursor.continue();
  };
});

/** A revoked or re-paired phone forgets its token and what it knew about the event (names, ticket
 * digests), but keeps the scans not yet uploaded: people were admitted on them, and the same gate
 * paired again uploads them. */
export async function forget() {
  localStorage.removeItem(TOKEN_KEY);
  await deleteSnapshot().catch(() => {});
}
