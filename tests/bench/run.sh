#!/bin/bash
# tests/bench/run.sh: make the sample data once, then run every benchmark.
# Numbers are printed, never asserted; BENCH_MB=50 make bench for a quick run.
. "$(dirname "$0")/common.sh"
echo "segpipe benchmarks on $(nproc) cores, sample ${BENCH_MB} MB"
sample
for b in "$top"/tests/bench/bench-*.sh; do
	[ -f "$b" ] || continue
	echo "== ${b##*/}"
	sh "$b" || echo "  (failed: $b)"
done
