#!/usr/bin/env bash
# Set up (first run) and run the whole test suite, browser test included.
# Chromium comes from the system (apt's `chromium`); it is installed here when we are root
# and it is missing, otherwise the browser tests skip and say why.
source "$(dirname "$0")/venv.sh" requirements-dev.txt
if ! command -v chromium >/dev/null 2>&1 && [ ! -x /usr/bin/chromium ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "[convscope] installing Chromium for the browser test (apt-get)"
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) \
      || echo "[convscope] could not install Chromium: browser tests will skip"
  else
    echo "[convscope] Chromium not found and cannot be installed here: browser tests will skip"
  fi
fi
# Two workers: the browser tests (one group, one server) run beside everything else.
exec python -m pytest -n 2 --dist loadgroup "$@"
