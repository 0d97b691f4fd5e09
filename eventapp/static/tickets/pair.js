// Keep the device token this page received in the phone's storage, then open the scanner.
import { saveToken } from "./scanner-store.js";

const root = document.getElementById("pairing");
if (root && root.dataset.deviceToken) {
  saveToken(root.dataset.deviceToken).then(() => {
    root.dataset.deviceToken = "";
    window.location.replace(root.dataset.next);
  });
}
