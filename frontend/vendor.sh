#!/usr/bin/env bash
# Copy the built browser files of the pinned front-end libraries from
# frontend/node_modules into src/web/static/vendor/<lib>/ so that Django serves
# every asset locally (the deployment has no internet access).
#
# Usage (from anywhere):   cd frontend && npm ci && npm run vendor
#
# Idempotent: each vendor/<lib>/ directory is wiped and recreated on every run.
# VERSIONS.md (next to the lib dirs) is maintained by hand and is not touched.
#
# `//# sourceMappingURL=...` trailers are stripped from copied JS/CSS: the .map
# files are not vendored, and Django's ManifestStaticFilesStorage (also used by
# WhiteNoise's CompressedManifestStaticFilesStorage) fails collectstatic when a
# referenced source map is missing.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
NM="$HERE/node_modules"
DEST="$(cd "$HERE/.." && pwd)/src/web/static/vendor"

if [ ! -d "$NM" ]; then
  echo "vendor.sh: $NM missing - run 'npm ci' in $HERE first" >&2
  exit 1
fi

# cp_file SRC_REL DST_REL  (SRC relative to node_modules, DST relative to vendor/)
cp_file() {
  local src="$NM/$1" dst="$DEST/$2"
  if [ ! -f "$src" ]; then
    echo "vendor.sh: missing $src" >&2
    exit 1
  fi
  mkdir -p "$(dirname "$dst")"
  cp "$src" "$dst"
  case "$dst" in
    *.js|*.css) sed -i -E '/^[[:space:]]*(\/\/|\/\*)[#@] sourceMappingURL=/d' "$dst" ;;
  esac
}

fresh() { rm -rf "${DEST:?}/$1"; mkdir -p "$DEST/$1"; }

mkdir -p "$DEST"

# --- htmx -------------------------------------------------------------------
fresh htmx
cp_file htmx.org/dist/htmx.min.js   htmx/htmx.min.js
cp_file htmx.org/LICENSE            htmx/LICENSE

# --- lucide-static (only the icons the templates use: {% icon "name" %}) ------
fresh lucide
for icon in check map menu paperclip; do
  cp_file "lucide-static/icons/$icon.svg" "lucide/$icon.svg"
done
cp_file lucide-static/LICENSE       lucide/LICENSE

# --- leaflet ----------------------------------------------------------------
fresh leaflet
cp_file leaflet/dist/leaflet.js     leaflet/leaflet.js
cp_file leaflet/dist/leaflet.css    leaflet/leaflet.css
cp -r "$NM/leaflet/dist/images"     "$DEST/leaflet/images"
cp_file leaflet/LICENSE             leaflet/LICENSE

# --- leaflet.markercluster ----------------------------------------------------
fresh leaflet.markercluster
cp_file leaflet.markercluster/dist/leaflet.markercluster.js   leaflet.markercluster/leaflet.markercluster.js
cp_file leaflet.markercluster/dist/MarkerCluster.css          leaflet.markercluster/MarkerCluster.css
cp_file leaflet.markercluster/dist/MarkerCluster.Default.css  leaflet.markercluster/MarkerCluster.Default.css
cp_file leaflet.markercluster/MIT-LICENCE.txt                 leaflet.markercluster/LICENSE

# --- echarts ----------------------------------------------------------------
fresh echarts
cp_file echarts/dist/echarts.min.js echarts/echarts.min.js
cp_file echarts/LICENSE             echarts/LICENSE
cp_file echarts/NOTICE              echarts/NOTICE
cp_file echarts/licenses/LICENSE-d3 echarts/licenses/LICENSE-d3

# --- bpmn-js ----------------------------------------------------------------
# Keep dist/ layout: dist/assets/bpmn-font/css/*.css use url('../font/...').
fresh bpmn-js
for f in bpmn-modeler.production.min.js \
         bpmn-viewer.production.min.js \
         bpmn-navigated-viewer.production.min.js; do
  cp_file "bpmn-js/dist/$f" "bpmn-js/$f"
done
cp_file bpmn-js/dist/assets/diagram-js.css "bpmn-js/assets/diagram-js.css"
cp_file bpmn-js/dist/assets/bpmn-js.css    "bpmn-js/assets/bpmn-js.css"
for f in bpmn-embedded.css bpmn.css bpmn-codes.css; do
  cp_file "bpmn-js/dist/assets/bpmn-font/css/$f" "bpmn-js/assets/bpmn-font/css/$f"
done
for f in bpmn.eot bpmn.svg bpmn.ttf bpmn.woff bpmn.woff2; do
  cp_file "bpmn-js/dist/assets/bpmn-font/font/$f" "bpmn-js/assets/bpmn-font/font/$f"
done
cp_file bpmn-js/LICENSE "bpmn-js/LICENSE"

# --- bpmn-js-properties-panel (UMD, bundles @bpmn-io/properties-panel JS) ----
# Global: window.BpmnJSPropertiesPanel; CSS comes from @bpmn-io/properties-panel.
fresh bpmn-js-properties-panel
cp_file bpmn-js-properties-panel/dist/bpmn-js-properties-panel.umd.js \
        bpmn-js-properties-panel/bpmn-js-properties-panel.umd.js
cp_file @bpmn-io/properties-panel/dist/assets/properties-panel.css \
        bpmn-js-properties-panel/assets/properties-panel.css
cp_file bpmn-js-properties-panel/LICENSE   bpmn-js-properties-panel/LICENSE
cp_file @bpmn-io/properties-panel/LICENSE  bpmn-js-properties-panel/LICENSE-properties-panel

# --- tom-select (searchable <select>: items, units, divisions, staff by name) --
# The "complete" build bundles its plugins (remove_button for multiple choices).
fresh tom-select
cp_file tom-select/dist/js/tom-select.complete.min.js tom-select/tom-select.complete.min.js
cp_file tom-select/dist/css/tom-select.default.min.css tom-select/tom-select.default.min.css
cp_file tom-select/LICENSE                           tom-select/LICENSE

# --- idb-keyval (the phone app's offline queue in IndexedDB) -------------------
# The UMD build defines the global `idbKeyval` (get/set/del/values/createStore…).
fresh idb-keyval
cp_file idb-keyval/dist/umd.js       idb-keyval/idb-keyval.umd.js
cp_file idb-keyval/LICENCE           idb-keyval/LICENCE

# --- workbox (the phone app's service worker, runtime caching only) -------------
# The per-module production builds attach to `self.workbox.<module>`; the service
# worker (mobile/templates/mobile/sw.js) importScripts them in dependency order
# from this platform's own static URLs, never from a CDN (workbox-sw is not used:
# it would load modules by unhashed names). workbox-window is the page's side.
fresh workbox
for m in core routing strategies cacheable-response expiration; do
  cp_file "workbox-$m/build/workbox-$m.prod.js" "workbox/workbox-$m.prod.js"
done
cp_file workbox-window/build/workbox-window.prod.umd.js workbox/workbox-window.prod.umd.js
cp_file workbox-core/LICENSE          workbox/LICENSE

# --- sanity check: no external URLs in url(...) / @import ---------------------
if grep -rEn --include='*.css' --include='*.js' \
     -e "url\([[:space:]]*['\"]?[[:space:]]*(https?:)?//" \
     -e "@import[[:space:]]+(url\()?[[:space:]]*['\"]?[[:space:]]*(https?:)?//" \
     "$DEST" >/dev/null; then
  echo "vendor.sh: WARNING external url()/@import found:" >&2
  grep -rEon --include='*.css' --include='*.js' \
     -e "url\([[:space:]]*['\"]?[[:space:]]*(https?:)?//[^)]{0,80}" \
     -e "@import[[:space:]]+(url\()?[[:space:]]*['\"]?[[:space:]]*(https?:)?//[^;]{0,80}" \
     "$DEST" >&2
  exit 2
fi

echo "vendor.sh: vendored into $DEST"
du -sh "$DEST"/* | sed 's#'"$DEST"'/##'
