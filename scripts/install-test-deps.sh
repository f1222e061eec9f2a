#!/usr/bin/env bash
# Installs the Debian packages the tests run for real (borg, cgit, lighttpd, caddy, nftables,
# zfs-fuse, podman, rcon, ...), listed in .ci/apt-packages.txt. Needs root.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "$(id -u)" -ne 0 ]; then
  echo "install-test-deps: run as root (apt-get install)" >&2
  exit 2
fi
mapfile -t packages < <(grep -v '^\s*#' .ci/apt-packages.txt | grep -v '^\s*$')
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${packages[@]}" >/dev/null
echo "install-test-deps: ${#packages[@]} Debian packages installed"
