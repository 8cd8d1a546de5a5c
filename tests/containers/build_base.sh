#!/bin/bash
# Builds the Debian bookworm base image the container tests start FROM, without any
# registry: debootstrap --variant=minbase from the machine's own Debian mirror, the
# packages the tests need installed through chroot (a policy-rc.d keeps their services
# from starting), then `podman import`.
#
# Usage: build_base.sh IMAGE_NAME
# The image is cached by name: the caller puts a hash of this script into the tag, so a
# changed recipe gives a new name and an unchanged one is reused.
set -euo pipefail

image=${1:?usage: build_base.sh IMAGE_NAME}
suite=bookworm
packages=(apache2 openssh-server procps)

if podman image exists "$image"; then
  echo "build_base: $image is cached"
  exit 0
fi

# The mirror this machine's apt uses for Debian itself (deb822 or one-line sources).
mirror=$(grep -hoE 'https?://[^ ]+/debian/?( |$)' \
           /etc/apt/sources.list.d/*.sources /etc/apt/sources.list.d/*.list \
           /etc/apt/sources.list 2>/dev/null | grep -v security | head -n1 | tr -d ' ' || true)
mirror=${mirror:-http://deb.debian.org/debian}
echo "build_base: debootstrap $suite from $mirror"

work=$(mktemp -d /var/tmp/tend-base.XXXXXX)
root=$work/rootfs
cleanup() {
  # Unmount whatever is still mounted inside the chroot (ours, or the /proc and /sys a
  # failed debootstrap leaves), deepest first, before deleting it.
  local m
  for m in $(awk -v r="$root/" 'index($2, r) == 1 { print $2 }' /proc/mounts | sort -r); do
    umount -l "$m" || true
  done
  rm -rf --one-file-system "$work"
}
trap cleanup EXIT

start=$SECONDS
debootstrap --variant=minbase "$suite" "$root" "$mirror" >"$work/debootstrap.log" 2>&1 || {
  tail -n 40 "$work/debootstrap.log" >&2
  echo "build_base: debootstrap failed" >&2
  exit 1
}
echo "build_base: debootstrap took $((SECONDS - start)) s"

printf '#!/bin/sh\nexit 101\n' >"$root/usr/sbin/policy-rc.d"
chmod 755 "$root/usr/sbin/policy-rc.d"
cp /etc/resolv.conf "$root/etc/resolv.conf"
mount -t proc proc "$root/proc"
mount -t devpts -o newinstance devpts "$root/dev/pts" 2>/dev/null || true

start=$SECONDS
chroot "$root" /usr/bin/env DEBIAN_FRONTEND=noninteractive LC_ALL=C \
  sh -c "apt-get update -qq && apt-get install -y -qq --no-install-recommends ${packages[*]}" \
  >"$work/apt.log" 2>&1 || {
  tail -n 40 "$work/apt.log" >&2
  echo "build_base: apt-get install in the chroot failed" >&2
  exit 1
}
echo "build_base: chroot apt-get install ${packages[*]} took $((SECONDS - start)) s"

umount -l "$root/dev/pts" 2>/dev/null || true
umount -l "$root/proc"
chroot "$root" apt-get clean
rm -rf "$root"/var/lib/apt/lists/* "$root/usr/sbin/policy-rc.d"
: >"$root/etc/resolv.conf"
# Host keys made by openssh-server's postinst would be shared by every container of
# every machine that imports this base; the example Dockerfile makes its own.
rm -f "$root"/etc/ssh/ssh_host_*

start=$SECONDS
tar -C "$root" --numeric-owner -c . |
  podman import -q --change 'CMD ["/bin/bash"]' --change 'LABEL tend.containers-test=1' \
    - "$image" >/dev/null
echo "build_base: podman import took $((SECONDS - start)) s"
echo "build_base: built $image"

# Older versions of this base (other tags of the same repository) are of no more use.
repo=${image%:*}
podman images --format '{{.Repository}}:{{.Tag}}' "$repo" | grep -vxF "$image" |
  while read -r old; do podman rmi "$old" >/dev/null 2>&1 || true; done || true
