// Hand-written wrapper (not from npm; kept by frontend/vendor.sh) around the
// vendored barcode-detector ponyfill. No CDN is ever used: the ZXing
// WebAssembly is loaded from the URL you pass (same origin).
//
// Usage (ES module, same origin):
//   import { createQrDetector } from "/static/vendor/barcode-detector/load.js";
//   const detector = await createQrDetector("/static/vendor/barcode-detector/zxing_reader.wasm");
//   const codes = await detector.detect(videoOrCanvasOrImageBitmapOrBlob);
//   // -> [{ rawValue, format: "qr_code", boundingBox, cornerPoints }, ...]
//
// wasmUrl is optional: by default it is zxing_reader.wasm next to this file.
// How the override works: barcode-detector re-exports zxing-wasm's
// prepareZXingModule(); its `overrides.locateFile(path, prefix)` is the
// Emscripten hook that decides where "zxing_reader.wasm" is fetched from.
// It must run before the first `new BarcodeDetector()`, which instantiates
// the module with whatever overrides are set at that moment.

const DEFAULT_WASM_URL = new URL("./zxing_reader.wasm", import.meta.url).href;
const QR = "qr_code";

let prepared = null; // { url, promise } of the ZXing module instantiation

/** True if the browser has a native BarcodeDetector that reads QR codes. */
export async function nativeQrSupported() {
  const Native = globalThis.BarcodeDetector;
  if (typeof Native !== "function" || typeof Native.getSupportedFormats !== "function") {
    return false;
  }
  try {
    return (await Native.getSupportedFormats()).includes(QR);
  } catch {
    return false;
  }
}

/**
 * Resolve to a BarcodeDetector for QR codes: the native one when it supports
 * "qr_code", else the vendored ZXing polyfill with its .wasm fetched from
 * wasmUrl (absolute or relative to the document). Rejects if the .wasm
 * cannot be fetched/instantiated.
 *
 * @param {string} [wasmUrl] URL of zxing_reader.wasm
 * @param {{forcePolyfill?: boolean}} [options] forcePolyfill: skip native (tests)
 */
export async function createQrDetector(wasmUrl = DEFAULT_WASM_URL, { forcePolyfill = false } = {}) {
  if (!forcePolyfill && (await nativeQrSupported())) {
    return new globalThis.BarcodeDetector({ formats: [QR] });
  }
  const base = globalThis.document?.baseURI ?? globalThis.location?.href;
  const url = new URL(wasmUrl, base).href;
  const { BarcodeDetector, prepareZXingModule, purgeZXingModule } = await import("./ponyfill.js");
  if (!prepared || prepared.url !== url) {
    const overrides = {
      locateFile: (path, prefix) => (path.endsWith(".wasm") ? url : prefix + path),
    };
    // fireImmediately: fetch + instantiate now, so errors surface here.
    prepared = { url, promise: prepareZXingModule({ overrides, fireImmediately: true }) };
  }
  try {
    await prepared.promise;
  } catch (err) {
    prepared = null;
    purgeZXingModule(); // drop the failed instance so a retry fetches again
    throw err;
  }
  return new BarcodeDetector({ formats: [QR] });
}
