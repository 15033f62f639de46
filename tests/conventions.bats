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

# filter_args PROG: what PROG needs besides its input
filter_args() {
	case $1 in
	s2-load) echo "--url http://127.0.0.1:9 -d db" ;;
	esac
}

# on_tty CMD: run the shell command line CMD with a pseudo-terminal as its
# standard input (and stdout); its stderr goes to $T/err; prints the exit status
on_tty() {
	S2_USER=u S2_PASSWORD=p script -qec "$1 2> '$T/err'; echo \"exit \$?\" > '$T/rc'" /dev/null < /dev/null > /dev/null
	cat "$T/rc"
}

@test "a filter with no operands refuses a terminal on stdin, exit 64, and - still reads it" {
	command -v script > /dev/null || skip "no script(1)"
	local fails=0 p got
	for p in $FILTERS; do
		got=$(on_tty "timeout --foreground -s KILL 10 $p $(filter_args $p)")
		[ "$got" = "exit 64" ] && grep -qxF "$p: standard input is a terminal: give FILE operands or pipe NDJSON in (- reads the terminal anyway)" "$T/err" || {
			echo "$p on a terminal: $got"; cat "$T/err"; fails=1; }
	done
	# "-" reads the terminal: script's terminal gives end of file at once
	got=$(on_tty "seg-validate -q - < /dev/tty")
	[ "$got" = "exit 0" ] || { echo "seg-validate - on a terminal: $got"; cat "$T/err"; fails=1; }
	[ $fails -eq 0 ]
}

@test "--stats - writes the stats to stdout; refused (64) when stdout carries the data" {
	local fails=0 p rc
	: > "$T/empty"
	cd "$T"
	for p in seg-batch seg-dedup seg-fetch seg-flatten seg-validate; do
		rc=0
		$p -q -o "$T/data" --stats - "$T/empty" > "$T/stdout" 2> "$T/err" || rc=$?
		[ $rc -eq 0 ] && [ "$(jq -r .program "$T/stdout")" = "$p" ] || {
			echo "$p -o FILE --stats -: exit $rc"; cat "$T/stdout" "$T/err"; fails=1; }
		[ ! -e "$T/-" ] || { echo "$p wrote a file named -"; rm -f "$T/-"; fails=1; }
		rc=0
		$p -q --stats - "$T/empty" > "$T/stdout" 2> "$T/err" || rc=$?
		[ $rc -eq 64 ] && grep -qF -- "--stats -: standard output carries the data" "$T/err" || {
			echo "$p --stats - with data on stdout: exit $rc"; cat "$T/err"; fails=1; }
	done
	rc=0
	S2_USER=u S2_PASSWORD=p s2-load --url http://127.0.0.1:9 -d db --stats - "$T/empty" 2> "$T/err" || rc=$?
	[ $rc -eq 64 ] || { echo "s2-load --stats -: exit $rc"; cat "$T/err"; fails=1; }
	[ $fails -eq 0 ]
}

@test "a gzip, tar or Parquet input to a filter: one line naming it, exit 65, not read further" {
	local fails=0 p rc f
	seq 1000 | gzip > "$T/day.json.gz"
	seq 1000 > "$T/day.json" && tar -C "$T" -cf "$T/day.tar" day.json
	printf 'PAR1\0\0\0\0' > "$T/day.parquet"
	for p in $FILTERS; do
		for f in day.json.gz day.tar day.parquet; do
			rc=0
			S2_USER=u S2_PASSWORD=p $p -q $(filter_args $p) "$T/$f" > /dev/null 2> "$T/err" || rc=$?
			[ $rc -eq 65 ] && [ "$(wc -l < "$T/err")" -eq 1 ] || { echo "$p $f: exit $rc"; cat "$T/err"; fails=1; }
		done
		grep -qxF "$p: $T/day.parquet: Parquet data: not NDJSON, and no segpipe program reads it" "$T/err" ||
			{ echo "$p: Parquet not named"; fails=1; }
		rc=0
		S2_USER=u S2_PASSWORD=p $p -q $(filter_args $p) < "$T/day.json.gz" > /dev/null 2> "$T/err" || rc=$?
		[ $rc -eq 65 ] && grep -qxF "$p: stdin: gzip data: read it with seg-fetch" "$T/err" || {
			echo "$p < gzip: exit $rc"; cat "$T/err"; fails=1; }
	done
	[ $fails -eq 0 ]
}

@test "rejects on stderr: at most 10 per input, then one '... and N more' line; a rejects file keeps all" {
	local fails=0 p rc n
	seq 25 > "$T/a"
	seq 3 > "$T/b"
	for p in seg-validate seg-flatten seg-dedup seg-batch; do
		rc=0
		$p -q "$T/a" "$T/b" > /dev/null 2> "$T/err" || rc=$?
		n=$(grep -c "^$p: $T/a:[0-9]*: " "$T/err")
		[ $rc -eq 1 ] && [ "$n" -eq 10 ] && [ "$(grep -c "^$p: $T/b:[0-9]*: " "$T/err")" -eq 3 ] &&
			grep -qxF "$p: $T/a: ... and 15 more rejected, not shown (a rejects file keeps them all)" "$T/err" &&
			[ "$(wc -l < "$T/err")" -eq 14 ] || { echo "$p: exit $rc, $n shown of $T/a"; cat "$T/err"; fails=1; }
		rc=0
		$p -q -r "$T/rej" "$T/a" > /dev/null 2> "$T/err" || rc=$?
		[ $rc -eq 1 ] && [ "$(wc -l < "$T/rej")" -eq 25 ] && [ ! -s "$T/err" ] || {
			echo "$p -r: exit $rc, not 25 rejects in the file"; fails=1; }
	done
	[ $fails -eq 0 ]
}

@test "network options: one vocabulary, units in the value, the same defaults in s2-load and seg-fetch" {
	local fails=0 p o rc
	: > "$T/empty"
	for p in s2-load seg-fetch; do
		rc=0
		S2_USER=u S2_PASSWORD=p $p -q $(filter_args $p) --retry 3 --retry-delay 500ms --retry-cap 1m \
			--connect-timeout 2s -o /dev/null "$T/empty" 2> "$T/err" || rc=$?
		[ $rc -eq 0 ] || { echo "$p: durations with units: exit $rc"; cat "$T/err"; fails=1; }
		rc=0
		S2_USER=u S2_PASSWORD=p $p -q $(filter_args $p) --retry-delay 0.25 -o /dev/null "$T/empty" 2> "$T/err" || rc=$?
		[ $rc -eq 0 ] || { echo "$p: a bare number of seconds: exit $rc"; cat "$T/err"; fails=1; }
		rc=0
		$p --retry-delay 2x "$T/empty" > /dev/null 2> "$T/err" || rc=$?
		[ $rc -eq 64 ] && grep -qF "$p: --retry-delay: '2x' is not a duration" "$T/err" || {
			echo "$p --retry-delay 2x: exit $rc"; cat "$T/err"; fails=1; }
		$p --help > "$T/help.$p"
	done
	for o in --retry --retry-delay --retry-cap --connect-timeout; do
		[ "$(grep -E -- "^ +$o (N|TIME) " "$T/help.s2-load" | grep -o '(default [^;)]*')" = \
		  "$(grep -E -- "^ +$o (N|TIME) " "$T/help.seg-fetch" | grep -o '(default [^;)]*')" ] &&
		grep -qE -- "^ +$o (N|TIME) .*\(default" "$T/help.s2-load" || { echo "$o: not the same default"; fails=1; }
	done
	# the other senders take the same retry options, with the same help lines
	for p in s2-query seg-send; do
		$p --help > "$T/help.$p"
		for o in --retry --retry-delay --retry-cap --retry-max-time; do
			[ "$(grep -E -- "^ +$o " "$T/help.$p")" = "$(grep -E -- "^ +$o " "$T/help.s2-load")" ] ||
				{ echo "$p $o: not as s2-load says it"; fails=1; }
		done
		rc=0
		$p --retry-delay 2x > /dev/null 2> "$T/err" || rc=$?
		[ $rc -eq 64 ] && grep -qF "$p: --retry-delay: '2x' is not a duration" "$T/err" || {
			echo "$p --retry-delay 2x: exit $rc"; cat "$T/err"; fails=1; }
	done
	# the old s2-load name stays an alias
	rc=0
	S2_USER=u S2_PASSWORD=p s2-load -q $(filter_args s2-load) --retry-max 3 -o /dev/null "$T/empty" || rc=$?
	[ $rc -eq 0 ] || { echo "s2-load --retry-max: exit $rc"; fails=1; }
	[ $fails -eq 0 ]
}
