#!/usr/bin/env bash
# Installs the Debian packages roadchief needs, only those missing: PostgreSQL with the matching
# PostGIS, CJK fonts, Python's venv, and (with --test) Chromium for the browser tests and
# poppler-utils (pdftoppm) for the tests that look at exported PDF pages as images.
set -euo pipefail

wanted=(postgresql fonts-noto-cjk fonts-wqy-microhei python3-venv)
# nginx: the tests start it (on 127.0.0.1, own config) in front of the service (deploy/nginx.conf).
[ "${1:-}" = "--test" ] && wanted+=(chromium nginx poppler-utils)

pg_major() {
  ls /usr/lib/postgresql 2>/dev/null | sort -n | tail -n 1
}

missing=()
for pkg in "${wanted[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
major=$(pg_major)
if [ -z "$major" ] || ! dpkg-query -W -f='${Status}' "postgresql-$major-postgis-3" 2>/dev/null | grep -q "install ok installed"; then
  missing+=("postgis")
fi
# A pyenv or other non-Debian python3 may already have venv; then python3-venv is not needed.
if python3 -c "import ensurepip, venv" 2>/dev/null; then
  missing=("${missing[@]/python3-venv}")
fi
missing=($(printf '%s\n' "${missing[@]}" | grep -v '^$' || true))
[ "${#missing[@]}" -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
  echo "missing Debian packages: ${missing[*]}; run 'make' as root, or install them yourself" >&2
  exit 1
fi
echo "installing Debian packages: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
to_install=("${missing[@]/postgis}")
to_install=($(printf '%s\n' "${to_install[@]}" | grep -v '^$' || true))
[ "${#to_install[@]}" -gt 0 ] && apt-get install -y -q --no-install-recommends "${to_install[@]}"
major=$(pg_major)
apt-get install -y -q --no-install-recommends "postgresql-$major-postgis-3"
# The Debian package starts a cluster of its own; roadchief runs its own, so leave that one alone.
