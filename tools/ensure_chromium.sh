#!/usr/bin/env bash
# Installs Debian's chromium when it is missing. The browser tests (tests/browser/) drive it with
# Playwright through its system executable: Playwright's own browser download cannot be used
# here, so the browser comes from the distribution's packages.
#
#   bash tools/ensure_chromium.sh        # as root (CI, the dev machines); a no-op when present
#
# AUTOTASK_CHROMIUM names another executable for the tests; when it is set and runnable there is
# nothing to install either.
set -euo pipefail

have_chromium() {
    if [ -n "${AUTOTASK_CHROMIUM:-}" ] && [ -x "${AUTOTASK_CHROMIUM}" ]; then
        return 0
    fi
    command -v chromium >/dev/null 2>&1 || [ -x /usr/bin/chromium ]
}

if have_chromium; then
    exit 0
fi

if ! command -v apt-get >/dev/null 2>&1; then
    echo "ensure_chromium: chromium is missing and this is not a Debian-like system (no apt-get);" \
         "install Chromium and set AUTOTASK_CHROMIUM to its executable" >&2
    exit 1
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then
        SUDO="sudo"
    else
        echo "ensure_chromium: chromium is missing; run this script as root to install it" >&2
        exit 1
    fi
fi

echo "ensure_chromium: installing Debian's chromium (about two minutes)" >&2
$SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -q
$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium
command -v chromium >/dev/null 2>&1 || { echo "ensure_chromium: chromium still missing" >&2; exit 1; }
