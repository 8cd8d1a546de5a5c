#!/bin/bash
# Runs tend's real-container test suite (tests/containers/) as root on Debian 12.
#
#   tests/containers/run.sh [pytest args...]
#
# 1. installs what the suite needs from Debian (podman with runc, debootstrap,
#    busybox-static, strace, pytest ...), waiting for apt's lock if someone holds it;
# 2. builds the static tend (build/release/tend) if it is not there;
# 3. runs the pytest files here with Debian's python3. conftest.py writes the
#    containers.conf (runc, cgroupfs, file events, ulimits within the hard limits),
#    builds or reuses the debootstrap base image and the example images.
#
# Where podman cannot run, the tests are reported as skipped with the reason, never
# silently. Environment: TEND_BIN (binary to test), TEND_CONTAINERS_STATE (where the
# containers.conf goes, default /var/tmp/tend-containers), TEND_CONTAINERS_NO_INSTALL=1
# to skip step 1.
set -uo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
t0=$SECONDS

packages=(podman runc conmon netavark aardvark-dns iptables catatonit debootstrap
          busybox-static debian-archive-keyring strace python3-pytest openssh-client)

# Runs an apt command, waiting while another process holds apt's or dpkg's lock.
apt_retry() {
  local i log
  log=$(mktemp)
  for i in $(seq 1 60); do
    if DEBIAN_FRONTEND=noninteractive "$@" -o DPkg::Lock::Timeout=60 >"$log" 2>&1; then
      rm -f "$log"
      return 0
    fi
    if grep -qiE 'could not get lock|unable to lock|is another process using it' "$log"; then
      echo "run.sh: apt is locked by another process, waiting ($i/60)"
      sleep 5
      continue
    fi
    tail -n 20 "$log"
    rm -f "$log"
    return 1
  done
  rm -f "$log"
  return 1
}

install_packages() {
  local missing=() p
  for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
      missing+=("$p")
  done
  if [ ${#missing[@]} -eq 0 ]; then
    echo "run.sh: packages already installed"
    return 0
  fi
  if [ "$(id -u)" != 0 ]; then
    echo "run.sh: not root, cannot install ${missing[*]}; the tests will say what is missing"
    return 0
  fi
  echo "run.sh: installing ${missing[*]}"
  apt_retry apt-get update -qq || echo "run.sh: apt-get update failed"
  apt_retry apt-get install -y -qq "${missing[@]}" ||
    echo "run.sh: apt-get install failed; the tests will skip with the reason"
}

if [ "${TEND_CONTAINERS_NO_INSTALL:-0}" != 1 ]; then
  install_packages
fi
echo "run.sh: setup took $((SECONDS - t0)) s"

if [ -z "${TEND_BIN:-}" ] && [ ! -x "$repo/build/release/tend" ] && [ -f "$repo/CMakeLists.txt" ]; then
  t1=$SECONDS
  echo "run.sh: building the static tend (cmake --preset release)"
  (cd "$repo" && cmake --preset release >/dev/null && cmake --build --preset release -j"$(nproc)" >/dev/null) ||
    echo "run.sh: building tend failed; the tests that need it will skip with the reason"
  echo "run.sh: build took $((SECONDS - t1)) s"
fi

cd "$repo"
/usr/bin/python3 -m pytest "$here" -v -rs --durations=0 -p no:cacheprovider "$@"
status=$?
echo "run.sh: container suite took $((SECONDS - t0)) s, pytest exit $status"
exit $status
