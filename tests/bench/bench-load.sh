#!/bin/bash
# bench-load: s2-load alone into a stand-in Data API target that answers at
# once (s2-gateway --sink), so the client's ceiling is measured: rows/s of
# wall time and rows per CPU-second of s2-load (per core) at -j 1, 2, 4, 8,
# on the sample's rows in seg-batch's batches (made once, outside the
# timing). Every run's row count at the sink is checked.
# Goals (issue 18): >= 1M rows/s per core (set on rows of about 900 bytes of
# body; the rich sample's are bigger: MB of bodies per CPU-second is printed
# too); -j N never slower than -j 1.
# s2-load into MariaDB beside other loaders: bench-e2e.sh.
. "$(dirname "$0")/common.sh"
sample
rows
bbytes=$(filesize "$BATCHES")
export SEGPIPE_WATCH_PID=$$
cleanup() { [ -z "${SINK_DIR:-}" ] || sink_stop; }
cat "$BATCHES" > /dev/null    # warm the page cache

jobs="1 2 4 8"
[ -z "$BENCH_QUICK" ] || jobs="1 4"
bench_reset rows
for j in $jobs; do
	BENCH_PREP='sink_start'
	BENCH_CHECK='sink_stop; [ "$SINK_ROWS" = "$NROWS" ] || echo "the sink got $SINK_ROWS rows, not $NROWS"'
	bench_add "s2-load -j $j" "$NROWS" "s2-load -q -j $j --url \"\$S2_URL\" -d \"\$S2_DATABASE\" '$BATCHES' > /dev/null"
done
if [ -n "$BEFORE" ]; then
	for j in 1 4; do
		BENCH_PREP='sink_start'
		BENCH_CHECK='sink_stop; [ "$SINK_ROWS" = "$NROWS" ] || echo "the sink got $SINK_ROWS rows, not $NROWS"'
		bench_add "before: s2-load -j $j" "$NROWS" "$(before "s2-load -q -j $j --url \"\$S2_URL\" -d \"\$S2_DATABASE\" '$BATCHES' > /dev/null")"
	done
fi
bench_run

echo "  $NROWS rows in $(wc -l < "$BATCHES") batches ($bbytes bytes), into s2-gateway --sink"
bench_header
bench_show
for j in $jobs; do
	[ "$j" = 1 ] || bench_ratio "s2-load -j $j" "s2-load -j 1" "-j $j vs -j 1 (goal >= 1.00x)"
done
[ -z "$BEFORE" ] || bench_ratio "s2-load -j 1" "before: s2-load -j 1" "s2-load -j 1: now / before"
if [ "$(bench_get "s2-load -j 1" ok)" = 1 ]; then
	awk -v c="$(bench_get "s2-load -j 1" cpurate)" -v r="$(bench_get "s2-load -j 1" rate)" -v n="$NROWS" -v b="$bbytes" 'BEGIN {
		printf "  s2-load -j 1: %.0f rows/s per core (goal >= 1000000: %s), %.0f MB of bodies per CPU-s, %.0f MB/s of bodies\n",
			c, c >= 1e6 ? "met" : "NOT met", c * b / n / 1e6, r * b / n / 1e6 }'
else
	echo "  s2-load -j 1: WRONG or failed, no numbers"
fi
