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

@test "make install: GNU directory variables, modes, the segpipe(7) page and the DDL" {
	cd "$top"
	run make install DESTDIR="$T/root" prefix=/usr bindir=/usr/libexec/sp mandir=/usr/share/doc/man
	[ "$status" -eq 0 ]
	[ "$(stat -c %a "$T/root/usr/libexec/sp/seg-validate")" = 755 ]
	[ "$(stat -c %a "$T/root/usr/share/doc/man/man1/seg-validate.1")" = 644 ]
	[ "$(stat -c %a "$T/root/usr/share/doc/man/man7/segpipe.7")" = 644 ]
	[ -f "$T/root/usr/share/segpipe/sql/segment_data.sql" ]
	# every installed man page names only programs that are installed
	for m in "$T"/root/usr/share/doc/man/man1/*.1; do
		for ref in $(grep -oE '\\fB[a-z0-9-]+\\fR\(1\)|^\.BR [a-z0-9-]+ \(1\)' "$m" | grep -oE '[a-z0-9]+-[a-z0-9-]+'); do
			[ -x "$T/root/usr/libexec/sp/$ref" ] || { echo "$m names $ref(1), not installed"; return 1; }
		done
	done
	run make uninstall DESTDIR="$T/root" prefix=/usr bindir=/usr/libexec/sp mandir=/usr/share/doc/man
	[ "$status" -eq 0 ]
	[ -z "$(find "$T/root" -type f)" ]
}

@test "make check and make demo install what is missing and configure first; make alone only configures" {
	mkdir "$T/tree" && cd "$T/tree"
	cp "$top/Makefile" .
	printf '#!/bin/sh\necho configure-ran\necho X=1 > config.mk\n' > configure
	printf '#!/bin/sh\necho install-deps-ran "$@"\n' > install-deps
	chmod +x configure install-deps
	unset MAKEFLAGS MFLAGS MAKELEVEL
	run make -n check
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "install-deps-ran -q" ]
	[ "${lines[1]}" = "configure-ran" ]
	rm config.mk
	run make -n demo
	[ "${lines[0]}" = "install-deps-ran -q" ]
	rm config.mk
	run make -n all
	[ "${lines[0]}" = "configure-ran" ]
	[[ "$output" != *install-deps-ran* ]]
	rm config.mk
	run make clean
	[ "$status" -eq 0 ]
	[ ! -e config.mk ]
}

@test "install-deps -n names what is missing and installs nothing" {
	mkdir -p "$T/bin"
	# a dpkg-query that knows no package, and no node
	printf '#!/bin/sh\nexit 1\n' > "$T/bin/dpkg-query"
	chmod +x "$T/bin/dpkg-query"
	cp "$top/install-deps" "$T/"
	run env PATH="$T/bin:/usr/bin:/bin" sh -c 'cd "$1" && ./install-deps -n' sh "$T"
	[ "$status" -eq 1 ]
	[[ "$output" == "missing: gcc make pkg-config"* ]]
	[[ "$output" == *mariadb-server* ]]
}

@test "the repository is self-contained: no test or document reaches outside it" {
	cd "$top"
	run grep -rln '\.\./shared' README.md Makefile tests share src lib .ci
	[ "$status" -eq 1 ]
	[ -f tests/data/JSONTestSuite/LICENSE ]
	grep -q 'CC BY 4.0' tests/data/segment-docs/README.md
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

@test "lib/README.md names every module of lib/, and only those" {
	cd "$top"
	for h in lib/*.h; do
		m=${h#lib/}; m=${m%.h}
		grep -q "^| \`$m\` |" lib/README.md || { echo "lib/README.md does not name $m"; return 1; }
	done
	for m in $(sed -n 's/^| `\([a-z0-9]*\)` |.*/\1/p' lib/README.md); do
		[ -f "lib/$m.h" ] || { echo "lib/README.md names $m, which is not in lib/"; return 1; }
	done
}

@test "lib/README.md's used-by and tested-by columns match the code (tests/lib-index.sh -w refills them)" {
	cd "$top"
	run sh tests/lib-index.sh
	[ "$status" -eq 0 ]
	diff <(printf '%s\n' "$output") lib/README.md
}
