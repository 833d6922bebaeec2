#!/usr/bin/env bash
# Check the system libraries the project needs beyond Python (WeasyPrint's pango/harfbuzz,
# fonts with Vietnamese diacritics). As root with apt-get (CI, a fresh server) install what is
# missing; otherwise say exactly what to install and stop.
set -euo pipefail

python3 -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)' || {
    echo "Python 3.11 or newer is needed as python3 (found $(python3 --version 2>&1))." >&2
    exit 1
}

# package -> file that proves it is installed
declare -A NEED=(
    [libpango-1.0-0]="libpango-1.0.so.0"
    [libpangoft2-1.0-0]="libpangoft2-1.0.so.0"
    [libharfbuzz-subset0]="libharfbuzz-subset.so.0"
    [fonts-dejavu-core]="DejaVuSans.ttf"
)
EXTRA=("$@")  # optional extra Debian packages (e.g. poppler-utils for tests)

# grep without -q reads all input: with pipefail, an early exit would SIGPIPE the producer.
have_lib() { ldconfig -p 2>/dev/null | grep "$1" >/dev/null || fc-list 2>/dev/null | grep "$1" >/dev/null; }

missing=()
for pkg in "${!NEED[@]}"; do
    have_lib "${NEED[$pkg]}" || missing+=("$pkg")
done
for pkg in "${EXTRA[@]}"; do
    # "install ok installed" only: a removed package can leave its config and a 0 from dpkg -s.
    [ "$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null)" = "install ok installed" ] || missing+=("$pkg")
done

[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null; then
    echo "Installing system packages: ${missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
    exit 0
fi
echo "Missing system packages: ${missing[*]}" >&2
echo "Install them with:  sudo apt-get install ${missing[*]}" >&2
exit 1
