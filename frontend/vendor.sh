#!/usr/bin/env bash
# Copy pinned third-party front-end code from frontend/node_modules into the
# tree (see README.md). Idempotent: each target directory is rebuilt from
# scratch on every run. Refresh with:  cd frontend && npm ci && ./vendor.sh
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"
nm="$here/node_modules"

die() { echo "vendor.sh: $*" >&2; exit 1; }
[ -d "$nm" ] || die "no $nm - run 'npm ci' in $here first"

pkgver() { node -p "require('$nm/$1/package.json').version"; }
pkglic() { node -p "require('$nm/$1/package.json').license"; }
sha() { sha256sum "$1" | cut -d' ' -f1; }

# Rebuild a target directory from scratch (only ever one of the three below).
fresh() {
  case "$1" in
    "$root"/eventapp/static/vendor/*|"$root"/tests/*/vendor/*) ;;
    *) die "refusing to clear $1" ;;
  esac
  rm -rf -- "$1"
  mkdir -p -- "$1"
}

# ---------------------------------------------------------------- barcode-detector
bd_ver="$(pkgver barcode-detector)"
zx_ver="$(pkgver zxing-wasm)"
# The zxing-wasm version barcode-detector itself pins (must equal the installed one).
zx_pinned="$(node -p "require('$nm/barcode-detector/package.json').dependencies['zxing-wasm']")"
[ "$zx_ver" = "$zx_pinned" ] || die "zxing-wasm $zx_ver installed but barcode-detector pins $zx_pinned"

bd_src="$nm/barcode-detector/dist/es"
wasm_src="$nm/zxing-wasm/dist/reader/zxing_reader.wasm"
bd_dst="$root/eventapp/static/vendor/barcode-detector"
# load.js is ours (hand-written, kept in git) - keep it, rebuild everything else.
mkdir -p "$bd_dst"
[ -f "$bd_dst/load.js" ] || die "$bd_dst/load.js (hand-written, in git) is missing"
find "$bd_dst" -mindepth 1 -maxdepth 1 ! -name load.js -exec rm -rf -- {} +

# dist/es/ponyfill.js only imports ./zxing-exported.js, which bundles zxing-wasm's
# JS glue; the reader .wasm is fetched at run time (see load.js).
cp "$bd_src/ponyfill.js" "$bd_src/zxing-exported.js" "$bd_dst/"
cp "$wasm_src" "$bd_dst/zxing_reader.wasm"
cp "$nm/barcode-detector/LICENSE" "$bd_dst/LICENSE.barcode-detector"
cp "$nm/zxing-wasm/LICENSE" "$bd_dst/LICENSE.zxing-wasm"

# The wasm must be the exact build the bundled glue expects.
expected_sha="$(grep -oE '"[0-9a-f]{64}"' "$bd_dst/zxing-exported.js" | tr -d '"')"
[ "$(printf '%s\n' "$expected_sha" | wc -l)" = 1 ] || die "cannot find ZXING_WASM_SHA256 in zxing-exported.js"
[ "$(sha "$bd_dst/zxing_reader.wasm")" = "$expected_sha" ] || die "zxing_reader.wasm sha256 != ZXING_WASM_SHA256 ($expected_sha)"

# Defence in depth: upstream's *default* locateFile points at a jsDelivr CDN URL.
# load.js always overrides it, but patch the default so that even a direct
# `new BarcodeDetector()` loads ./zxing_reader.wasm next to zxing-exported.js.
orig_sha="$(sha "$bd_dst/zxing-exported.js")"
cdn_tpl='`https://fastly.jsdelivr.net/npm/zxing-wasm@'"$zx_ver"'/dist/${n[1]}/${e}`'
n_hits="$(grep -cF -- "$cdn_tpl" "$bd_dst/zxing-exported.js" || true)"
[ "$n_hits" = 1 ] || die "expected exactly one CDN default in zxing-exported.js, found $n_hits - re-check the patch"
CDN_TPL="$cdn_tpl" perl -0pi -e 's/\Q$ENV{CDN_TPL}\E/new URL(e, import.meta.url).href/' "$bd_dst/zxing-exported.js"

cat > "$bd_dst/VERSION" <<EOF
barcode-detector $bd_ver ($(pkglic barcode-detector)) - dist/es/ponyfill.js, dist/es/zxing-exported.js
zxing-wasm $zx_ver ($(pkglic zxing-wasm)) - dist/reader/zxing_reader.wasm sha256 $expected_sha
local patch: zxing-exported.js default locateFile jsDelivr URL -> new URL(e, import.meta.url).href
  (upstream zxing-exported.js sha256 $orig_sha)
load.js: ours (hand-written wrapper, not from npm)
EOF

# Nothing vendored may reach off-origin or use a bare import specifier.
if grep -nE 'jsdelivr|unpkg|cdn\.|https?://' "$bd_dst"/*.js; then
  die "off-origin URL left in vendored barcode-detector files"
fi
# (import/export ... from "x", import "x", import("x") where x is not ./ ../ or /)
if grep -nP '^\s*(import|export)\b[^;]*?\bfrom\s*["'"'"'](?![./])|^\s*import\s*["'"'"'](?![./])|\bimport\s*\(\s*["'"'"'`](?![./])' "$bd_dst"/*.js; then
  die "bare import specifier left in vendored barcode-detector files"
fi

# ---------------------------------------------------------------- ical.js
ical_dst="$root/tests/tools/vendor/ical.js"
fresh "$ical_dst"
# .mjs so node treats the ES module as such without a package.json "type".
cp "$nm/ical.js/dist/ical.js" "$ical_dst/ical.mjs"
cp "$nm/ical.js/LICENSE" "$ical_dst/LICENSE"
echo "ical.js $(pkgver ical.js) ($(pkglic ical.js)) - dist/ical.js (ES module) saved as ical.mjs" > "$ical_dst/VERSION"

# ---------------------------------------------------------------- axe-core
axe_dst="$root/tests/browser/vendor/axe-core"
fresh "$axe_dst"
cp "$nm/axe-core/axe.min.js" "$nm/axe-core/LICENSE" "$axe_dst/"
cp "$nm/axe-core/LICENSE-3RD-PARTY.txt" "$axe_dst/"
echo "axe-core $(pkgver axe-core) ($(pkglic axe-core)) - axe.min.js" > "$axe_dst/VERSION"

echo "vendored: barcode-detector $bd_ver + zxing-wasm $zx_ver, ical.js $(pkgver ical.js), axe-core $(pkgver axe-core)"
