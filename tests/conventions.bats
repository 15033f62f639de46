#!/usr/bin/env bats
# conventions: what a Unix user expects of every program alike (issue 17):
# one line for a wrong option, --help that names the man page and fails on
# a full disk, a terminal on stdin refused, "--stats -", one vocabulary of
# network options. Each test loops over the programs.

PROGS="s2-gateway s2-load seg-backfill seg-batch seg-dedup seg-fetch seg-flatten seg-gen seg-validate"
# the NDJSON filters: read FILE operands or stdin
FILTERS="s2-load seg-batch seg-dedup seg-flatten seg-validate"

setup() {
	T=$BATS_TEST_TMPDIR
}

# valopt PROG: a short option of PROG that takes a value
valopt() {
	case $1 in
	s2-gateway) echo -l ;;
	seg-backfill) echo -j ;;
	*) echo -o ;;
	esac
}

# one_line PROG ARGS... : PROG fails 64 with exactly one line on stderr
# containing $want
one_line() {
	local p=$1; shift
	local rc=0 n
	"$p" "$@" > "$T/out" 2> "$T/err" < /dev/null || rc=$?
	n=$(wc -l < "$T/err")
	if [ "$rc" -ne 64 ] || [ "$n" -ne 1 ] || ! grep -qF -- "$want" "$T/err"; then
		echo "$p $*: exit $rc, $n lines, want one with '$want':"; cat "$T/err"
		return 1
	fi
}

@test "a wrong option is one line naming it, exit 64, in every program" {
	local fails=0 p
	for p in $PROGS; do
		want="option '$(valopt $p)' requires a value" one_line $p "$(valopt $p)" || fails=1
		want="option '--no-such' is unknown" one_line $p --no-such=1 || fails=1
		want="option '-Z' is unknown" one_line $p -Z || fails=1
		want="option '--help' takes no value" one_line $p --help=x || fails=1
	done
	[ $fails -eq 0 ]
}

@test "--help names the man page, goes to stdout, exit 0, in every program" {
	local fails=0 p
	for p in $PROGS; do
		$p --help > "$T/out" 2> "$T/err" || { echo "$p --help: exit $?"; fails=1; }
		[ ! -s "$T/err" ] || { echo "$p --help wrote to stderr"; fails=1; }
		tail -n 1 "$T/out" | grep -qxF "See $p(1)." || { echo "$p --help: no 'See $p(1).'"; fails=1; }
		[ -f share/man/man1/$p.1 ] || { echo "$p: no share/man/man1/$p.1"; fails=1; }
	done
	[ $fails -eq 0 ]
}

@test "--help and --version into a full disk: exit 74 with a message, in every program" {
	[ -w /dev/full ] || skip "no /dev/full"
	local fails=0 p o rc
	for p in $PROGS; do
		for o in --help --version; do
			rc=0
			$p $o > /dev/full 2> "$T/err" || rc=$?
			[ $rc -eq 74 ] && grep -q "write error" "$T/err" || {
				echo "$p $o > /dev/full: exit $rc"; cat "$T/err"; fails=1; }
		done
	done
	[ $fails -eq 0 ]
}

@test "seg-gen --help describes every option it takes" {
	seg-gen --help > "$T/help"
	local o fails=0
	for o in --seed --size --count --dup-rate --invalid-rate --start-ms --events-per-day \
	         --output -o --help --version; do
		grep -qE -- "^ +(-., )?$o\b.* [a-z]" "$T/help" || { echo "seg-gen --help: $o not described"; fails=1; }
	done
	[ $fails -eq 0 ]
}
