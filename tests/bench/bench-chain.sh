#!/bin/bash
# bench-chain: the whole job, fetch to load, into a stand-in Data API target
# that answers at once (s2-gateway --sink), so only the client side is
# measured: seg-backfill on the sample cut into 20 gzipped objects over 2
# days in Segment's layout, beside the hand-written pipe of the same stages
# (and seg-backfill --separate-stages when it has that option). CPU is
# user+sys of the job and all its children, not the sink's; GB and MB/s are
# of uncompressed NDJSON. Every run's row count at the sink is checked.
# Goals (issue 18): <= 4 CPU-s/GB, >= 500 MB/s.
. "$(dirname "$0")/common.sh"
sample
archive
bytes=$(filesize "$SAMPLE")
nfile="$ARCH.rows"
[ -s "$nfile" ] || seg-fetch -q "$ARCH" | seg-dedup -q | wc -l | tr -d ' ' > "$nfile"
nrows=$(cat "$nfile")
export SEGPIPE_WATCH_PID=$$
W=$(mktemp -d "${TMPDIR:-/tmp}/benchchain.XXXXXX") || exit 1
cleanup() { [ -z "${SINK_DIR:-}" ] || sink_stop; rm -rf "$W"; }
cat "$ARCH"/segment-logs/*/*/*.gz > /dev/null    # warm the page cache

# each run: a fresh sink and no state; after it, the rows the sink got
prep='rm -rf "$W/state"; sink_start'
check='sink_stop; [ "$SINK_ROWS" = "$nrows" ] || echo "the sink got $SINK_ROWS rows, not $nrows"'
# the job's own runs also note the stand-in's CPU: it shares the two cores
check_job="$check"'; [ -z "$SINK_CPU" ] || echo "$SINK_CPU" >> "$W/sink.cpu"'
tgt='--url "$S2_URL" -d "$S2_DATABASE"'
stages="seg-fetch -q '$ARCH' | seg-validate -q | seg-dedup -q | seg-flatten -q --layout segment_data | seg-batch -q"
sep=
seg-backfill --help 2>&1 | grep -q -- --separate-stages && sep=yes

bench_reset MB
BENCH_PREP=$prep BENCH_CHECK=$check_job
bench_add "seg-backfill -j 2" "$bytes" "seg-backfill -q -j 2 --state-dir '$W/state' $tgt '$ARCH'"
if [ -z "$BENCH_QUICK" ]; then
	BENCH_PREP=$prep BENCH_CHECK=$check
	bench_add "seg-backfill -j 1" "$bytes" "seg-backfill -q -j 1 --state-dir '$W/state' $tgt '$ARCH'"
	if [ -n "$sep" ]; then
		BENCH_PREP=$prep BENCH_CHECK=$check
		bench_add "seg-backfill -j 2 --separate-stages" "$bytes" \
			"seg-backfill -q -j 2 --separate-stages --state-dir '$W/state' $tgt '$ARCH'"
	fi
	bench_add "stages without s2-load: ... | seg-batch > /dev/null" "$bytes" "$stages > /dev/null"
fi
BENCH_PREP=$prep BENCH_CHECK=$check
bench_add "hand-written pipe: seg-fetch | ... | s2-load" "$bytes" "$stages | s2-load -q $tgt > /dev/null"
if [ -n "$BEFORE" ]; then
	BENCH_PREP=$prep BENCH_CHECK=$check
	bench_add "before: seg-backfill -j 2" "$bytes" "$(before "seg-backfill -q -j 2 --state-dir '$W/state' $tgt '$ARCH'")"
	BENCH_PREP=$prep BENCH_CHECK=$check
	bench_add "before: hand-written pipe" "$bytes" "$(before "$stages | s2-load -q $tgt > /dev/null")"
fi
bench_run

echo "  $nrows rows ($bytes bytes of NDJSON) in 20 gzip objects over 2 days, into s2-gateway --sink"
[ -n "$sep" ] || echo "  (this seg-backfill has no --separate-stages: the hand-written pipe is the stages run apart)"
bench_header
bench_show
bench_ratio "seg-backfill -j 2" "hand-written pipe: seg-fetch | ... | s2-load" "seg-backfill -j 2 / hand-written pipe"
[ -z "$sep" ] || [ -n "$BENCH_QUICK" ] || bench_ratio "seg-backfill -j 2" "seg-backfill -j 2 --separate-stages" "seg-backfill -j 2 / --separate-stages"
if [ -n "$BEFORE" ]; then
	bench_ratio "seg-backfill -j 2" "before: seg-backfill -j 2" "seg-backfill -j 2: now / before"
	bench_ratio "hand-written pipe: seg-fetch | ... | s2-load" "before: hand-written pipe" "hand-written pipe: now / before"
fi
if [ "$(bench_get "seg-backfill -j 2" ok)" = 1 ]; then
	awk -v r="$(bench_get "seg-backfill -j 2" rate)" -v c="$(bench_get "seg-backfill -j 2" cpu)" -v b="$bytes" 'BEGIN {
		cg = c / (b / 1e9); mb = r / 1e6
		printf "  the chain (seg-backfill -j 2): %.2f CPU-s/GB (goal <= 4: %s), %.0f MB/s (goal >= 500: %s)\n",
			cg, cg <= 4 ? "met" : "NOT met", mb, mb >= 500 ? "met" : "NOT met" }'
	# MB/s are bounded by the cores the job and the stand-in share: with
	# both at their CPU per GB, N cores carry at most N / (job + stand-in)
	if [ -s "$W/sink.cpu" ]; then
		sort -n "$W/sink.cpu" | awk -v c="$(bench_get "seg-backfill -j 2" cpu)" -v b="$bytes" \
			-v cores="$(getconf _NPROCESSORS_ONLN)" '{ v[NR] = $1 } END {
			s = v[int((NR + 1) / 2)] / (b / 1e9); j = c / (b / 1e9)
			printf "  the stand-in on the same %d cores: %.2f CPU-s/GB, so they carry at most %d / (%.2f + %.2f) = %.0f MB/s\n",
				cores, s, cores, j, s, cores / (j + s) * 1000 }'
	fi
else
	echo "  the chain (seg-backfill -j 2): WRONG or failed, no numbers"
fi
