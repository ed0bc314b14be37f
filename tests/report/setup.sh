#!/usr/bin/env bash
# Installs what the browser test of the --report pages needs: Debian's
# chromium. A fresh machine does not have it; the test runs this script
# when /usr/bin/chromium is missing (or set ROUTE_SKIP_BROWSER=1 to skip
# that test on purpose).
set -euo pipefail
if [ -x /usr/bin/chromium ]; then
  exit 0
fi
if [ "$(id -u)" != 0 ]; then
  echo "setup: /usr/bin/chromium is missing and only root can install it: sudo apt-get install -y chromium (or set ROUTE_SKIP_BROWSER=1)" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core >/dev/null
test -x /usr/bin/chromium
