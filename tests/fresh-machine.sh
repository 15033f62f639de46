#!/bin/sh
# tests/fresh-machine.sh: prove the README on a pristine Debian. Builds a
# minimal Debian root with debootstrap, puts the committed tree (git archive
# HEAD, as a clone has it) in it, and runs the README's commands there as
# root: apt-get install make, then "make check", then "make demo". A
# developer's machine is never pristine (CI's neither), so this is the only
# test of the install steps themselves. Needs root, debootstrap and the
# network path to Debian's archive; takes about ten minutes.
#
#   tests/fresh-machine.sh [-s SUITE] [-k] [DIR]
#     -s SUITE  bookworm (default) or trixie
#     -k        keep DIR afterwards (default: remove it)
#     DIR       where the root is built (default: a new temp directory)
#
# Exit status: that of the first README command that failed, 0 when all
# passed; 64 usage; 69 debootstrap failed.
set -u
prog=fresh-machine.sh
say() { echo "$prog: $*" >&2; }

suite=bookworm keep=no
while getopts s:k o; do
	case $o in
	s) suite=$OPTARG ;;
	k) keep=yes ;;
	*) echo "usage: $prog [-s SUITE] [-k] [DIR]" >&2; exit 64 ;;
	esac
done
shift $((OPTIND - 1))
[ "$(id -u)" -eq 0 ] || { say "must run as root (debootstrap, chroot)"; exit 64; }
command -v debootstrap >/dev/null 2>&1 || { say "debootstrap not found (apt-get install debootstrap)"; exit 64; }
top=$(cd "$(dirname "$0")/.." && pwd)
root=${1:-$(mktemp -d "${TMPDIR:-/tmp}/fresh.XXXXXX")}
mirror=${DEBIAN_MIRROR:-http://deb.debian.org/debian}

cleanup() {
	for m in dev/pts dev proc sys; do
		mountpoint -q "$root/$m" 2>/dev/null && umount -l "$root/$m"
	done
	[ "$keep" = yes ] || rm -rf "$root"
}
trap cleanup EXIT
trap 'exit 75' INT TERM

if [ ! -x "$root/usr/bin/apt-get" ]; then
	say "debootstrap $suite into $root"
	debootstrap --variant=minbase "$suite" "$root" "$mirror" > "$root.debootstrap.log" 2>&1 ||
		{ say "debootstrap failed; see $root.debootstrap.log"; tail -n 20 "$root.debootstrap.log" >&2; exit 69; }
	rm -f "$root.debootstrap.log"
fi
mount -t proc proc "$root/proc"
mount -t sysfs sys "$root/sys"
mount --bind /dev "$root/dev"
mount --bind /dev/pts "$root/dev/pts"
# This host's network settings go in with it, as a real machine has its own:
# the resolver, locally added CA certificates (a TLS-inspecting egress proxy
# signs with one; ca-certificates picks them up when install-deps installs
# it) and the proxy and CA variables of the environment.
cp /etc/resolv.conf "$root/etc/resolv.conf" 2>/dev/null
# debootstrap writes no /etc/hosts; Debian's installer writes this one
[ -s "$root/etc/hosts" ] || printf '127.0.0.1\tlocalhost\n::1\t\tlocalhost ip6-localhost ip6-loopback\n' > "$root/etc/hosts"
if ls /usr/local/share/ca-certificates/*.crt >/dev/null 2>&1; then
	mkdir -p "$root/usr/local/share/ca-certificates"
	cp /usr/local/share/ca-certificates/*.crt "$root/usr/local/share/ca-certificates/"
fi
netenv=
for v in http_proxy https_proxy no_proxy HTTP_PROXY HTTPS_PROXY NO_PROXY NODE_EXTRA_CA_CERTS; do
	eval "val=\${$v:-}"
	[ -n "$val" ] && netenv="$netenv $v=$val"
done

rm -rf "$root/root/segpipe" && mkdir -p "$root/root/segpipe"
(cd "$top" && git archive HEAD) | tar -x -C "$root/root/segpipe" ||
	{ say "git archive failed"; exit 74; }

# The README, to the letter: make is the one thing to install by hand.
step() {
	say "in the $suite root: $*"
	# shellcheck disable=SC2086
	chroot "$root" /usr/bin/env -i HOME=/root TERM=dumb PATH=/usr/sbin:/usr/bin:/sbin:/bin $netenv \
		/bin/sh -c "cd /root/segpipe && $*"
}
step 'apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq make >/dev/null' || exit $?
step 'make check' || exit $?
step 'make demo' || exit $?
say "$suite: make check and make demo passed"
