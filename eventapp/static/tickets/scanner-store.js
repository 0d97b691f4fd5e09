// What the scanner phone keeps: its device token (localStorage), and in IndexedDB the offline
// snapshot of its event (ticket code digests, never codes or emails) and the scans not yet uploaded.
const TOKEN_KEY = "eventapp.scanner.token";
const DB_NAME = "eventapp-scanner";

export async function saveToken(token) {
  localStorage.setItem(TOKEN_KEY, token);
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
export const queueScan = (scan) => run("queue", "readwrite", (s) => s.put(scan));
export const queuedScans = () => run("queue", "readonly", (s) => s.getAll());
export const dropScans = (ids) => run("queue", "readwrite", (s) => { ids.forEach((id) => s.delete(id)); });

/** A revoked phone forgets everything it held about the event. */
export async function wipe() {
  localStorage.removeItem(TOKEN_KEY);
  await new Promise((resolve) => {
    const request = indexedDB.deleteDatabase(DB_NAME);
    request.onsuccess = request.onerror = request.onblocked = () => resolve();
  });
}
