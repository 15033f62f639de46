#!/usr/bin/env bats
# The build: configure's checks and errors, make install/uninstall with
# PREFIX and DESTDIR, quiet and V=1 output.

setup() {
	top=$(cd "$BATS_TEST_DIRNAME/.." && pwd)
	T=$BATS_TEST_TMPDIR
}

@test "configure names the missing Debian packages" {
	printf '#!/bin/sh\ncase "$*" in *libarchive*|*expat*) exit 1;; esac\nexec pkg-config "$@"\n' > "$T/pkgconf"
	chmod +x "$T/pkgconf"
	cd "$T" && cp "$top/configure" .
	run env PKG_CONFIG="$T/pkgconf" ./configure
	[ "$status" -eq 1 ]
	[[ "$output" == *"configure: error: missing libraries; on Debian: apt-get install libarchive-dev libexpat1-dev"* ]]
	[ ! -e config.mk ]
}

@test "configure rejects unknown options with 64 and has --help" {
	cd "$T" && cp "$top/configure" .
	run ./configure --frobnicate
	[ "$status" -eq 64 ]
	run ./configure --help
	[ "$status" -eq 0 ]
	[[ "$output" == *--enable-sanitizers* ]]
}

@test "make install and uninstall honour PREFIX and DESTDIR" {
	cd "$top"
	run make install DESTDIR="$T/root" PREFIX=/opt/seg
	[ "$status" -eq 0 ]
	[ -x "$T/root/opt/seg/bin/seg-validate" ]
	[ -f "$T/root/opt/seg/share/man/man1/seg-validate.1" ]
	"$T/root/opt/seg/bin/seg-validate" --version
	run make uninstall DESTDIR="$T/root" PREFIX=/opt/seg
	[ "$status" -eq 0 ]
	[ -z "$(find "$T/root" -type f)" ]
}

@test "every program has a man page with EXIT STATUS and EXAMPLES" {
	cd "$top"
	for p in src/*.c; do
		p=${p#src/}; p=${p%.c}
		m=share/man/man1/$p.1
		[ -f "$m" ] || { echo "no man page for $p"; return 1; }
		grep -q '^\.SH EXIT STATUS' "$m" || { echo "$m: no EXIT STATUS"; return 1; }
		grep -q '^\.SH EXAMPLES' "$m" || { echo "$m: no EXAMPLES"; return 1; }
	done
}

@test "every program answers --help and --version with exit 0 and a bad option with 64" {
	cd "$top"
	for p in src/*.c; do
		p=${p#src/}; p=${p%.c}
		run "bin/$p" --help
		[ "$status" -eq 0 ] || { echo "$p --help: $status"; return 1; }
		run "bin/$p" --version
		{ [ "$status" -eq 0 ] && [[ "$output" == *segpipe* ]]; } || { echo "$p --version: $output"; return 1; }
		run "bin/$p" --no-such-option
		[ "$status" -eq 64 ] || { echo "$p --no-such-option: $status"; return 1; }
	done
}
