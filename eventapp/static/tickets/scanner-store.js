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

function open() {
  return new Promise((resolve, reject) => {
    const request = indexedDB.open(DB_NAME, 1);
    request.onupgradeneeded = () => {
      request.result.createObjectStore("kv");
      request.result.createObjectStore("queue", { keyPath: "scan_id" });
    };
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}

async function run(store, mode, action) {
  const db = await open();
  return new Promise((resolve, reject) => {
    const tx = db.transaction(store, mode);
    const request = action(tx.objectStore(store));
    tx.oncomplete = () => { db.close(); resolve(request ? request.result : undefined); };
    tx.onerror = () => { db.close(); reject(tx.error); };
  });
}

export const getSnapshot = () => run("kv", "readonly", (s) => s.get("snapshot"));
export const putSnapshot = (snapshot) => run("kv", "readwrite", (s) => s.put(snapshot, "snapshot"));
const deleteSnapshot = () => run("kv", "readwrite", (s) => s.delete("snapshot"));
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
