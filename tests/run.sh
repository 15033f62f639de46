#!/bin/sh
# tests/run.sh: run every C unit test and every bats file, all speaking TAP,
# and end with one line "N passed, N failed" counting both. Exit 1 if any
# test failed. Run through "make check"; ONLY=pattern limits the files run.

top=$(cd "$(dirname "$0")/.." && pwd)
PATH="$top/bin:$top/tests/helpers:$PATH"
TESTDATA=$top/tests/data
# one locale for every test, whatever the user's: tools like awk and jq see
# UTF-8 text the same way everywhere (C.UTF-8 is built into glibc)
LC_ALL=C.UTF-8
export PATH TESTDATA LC_ALL
log=$(mktemp "${TMPDIR:-/tmp}/segcheck.XXXXXX") || exit 1
trap 'rm -f "$log"' EXIT

run() {
	name=$1; shift
	"$@" >"$log" 2>&1
	rc=$?
	p=$(grep -c '^ok ' "$log")
	f=$(grep -c '^not ok ' "$log")
	if [ "$f" -ne 0 ] || [ "$rc" -ne 0 ]; then
		echo "FAIL $name ($p passed, $f failed, exit $rc)"
		grep -v '^ok ' "$log" | sed 's/^/    /' | head -n 80
		[ "$f" -eq 0 ] && f=1
	else
		echo "ok   $name ($p)"
	fi
	passed=$((passed + p)); failed=$((failed + f))
}

passed=0 failed=0
# unit tests by their source, so a binary whose source is gone never runs
for src in "$top"/tests/unit/test_*.c; do
	t=${src%.c}
	[ -x "$t" ] || { echo "FAIL unit/${t##*/}: not built (make check builds it)"; failed=$((failed + 1)); continue; }
	case ${ONLY:-} in '') ;; *) case ${t##*/} in *$ONLY*) ;; *) continue ;; esac ;; esac
	run "unit/${t##*/}" "$t"
done
for t in "$top"/tests/*.bats; do
	[ -f "$t" ] || continue
	case ${ONLY:-} in '') ;; *) case ${t##*/} in *$ONLY*) ;; *) continue ;; esac ;; esac
	run "${t##*/}" bats --tap "$t"
done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
