#!/usr/bin/env bash
# Installs the country outlines the web page draws its maps on (no tile server: everything is
# local) as models/geonames/countries-50m.geojson:
#   - world-atlas 2.0.2 (npm, ISC): Natural Earth's admin-0 countries at 1:50m (public domain)
#     as TopoJSON;
#   - topojson-simplify 3.0.3 (npm, ISC): drops the detail a news map cannot show (triangles under
#     0.01 square degrees, Visvalingam), keeping shared borders shared: 3.9 MB of GeoJSON → 1.3 MB;
#   - topojson-client 3.1.0 (npm, ISC): turns that TopoJSON into GeoJSON, once, here.
# The packages come from the npm registry through npm's ordinary client, installed into a
# temporary folder with their install scripts off. Idempotent: an existing file is kept.
set -euo pipefail
cd "$(dirname "$0")/../.."
dest=models/geonames/countries-50m.geojson
if [[ -s "$dest" ]]; then
  echo "world map: outlines already in $dest"
  exit 0
fi
if ! command -v npm >/dev/null 2>&1 || ! command -v node >/dev/null 2>&1; then
  echo "world map: node and npm are needed to install the country outlines; maps will show a bare graticule" >&2
  exit 0
fi
mkdir -p "$(dirname "$dest")"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
(cd "$work" && npm install --no-save --ignore-scripts --no-audit --no-fund --loglevel=error \
  world-atlas@2.0.2 topojson-simplify@3.0.3 topojson-client@3.1.0 >/dev/null)
node - "$work/node_modules" "$dest.part" <<'JS'
const [modules, out] = process.argv.slice(2);
const { presimplify, simplify } = require(`${modules}/topojson-simplify`);
const { feature } = require(`${modules}/topojson-client`);
const atlas = simplify(presimplify(require(`${modules}/world-atlas/countries-50m.json`)), 0.01);
require('fs').writeFileSync(out, JSON.stringify(feature(atlas, atlas.objects.countries)));
JS
mv "$dest.part" "$dest"  # whole or not at all
echo "world map: installed $dest"
