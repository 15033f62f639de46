#!/bin/bash
# tests/bench/run.sh: make the sample data once, then run every benchmark
# (make bench), or with --quick only the lines that matter most on a
# smaller sample (make bench-quick: the chain into the sink, s2-load per
# core, seg-validate beside jq). Numbers are printed, never asserted.
#   tests/bench/run.sh [--quick] [BENCH...]   BENCH: chain, load, e2e, ...
# BENCH_MB (default 200; 50 with --quick), BENCH_ROUNDS (default 3).
if [ "${1:-}" = --quick ]; then
	shift
	export BENCH_QUICK=1 BENCH_MB=${BENCH_MB:-50}
	[ $# -gt 0 ] || set -- chain load validate
fi
. "$(dirname "$0")/common.sh"
start=$EPOCHREALTIME
echo "segpipe benchmarks on $(nproc) cores, sample ${BENCH_MB} MB${RICH:+ ($RICH)}${BENCH_QUICK:+, quick}"
sample
if [ $# -eq 0 ]; then
	# the headline first: the job, s2-load, end to end, DuckDB; then each program
	set -- chain load e2e duckdb
	for b in "$top"/tests/bench/bench-*.sh; do
		b=${b##*/bench-} b=${b%.sh}
		case " $* " in *" $b "*) ;; *) set -- "$@" "$b" ;; esac
	done
fi
for b; do
	f=$top/tests/bench/bench-$b.sh
	[ -f "$f" ] || { echo "run.sh: no benchmark $b" >&2; exit 64; }
	echo "== bench-$b"
	t=$EPOCHREALTIME
	bash "$f" || echo "  (failed: bench-$b)"
	awk -v s="$t" -v e="$EPOCHREALTIME" 'BEGIN { printf "  (%.0f s)\n", e - s }'
done
awk -v s="$start" -v e="$EPOCHREALTIME" 'BEGIN { printf "(all of it took %.0f s)\n", e - s }'
