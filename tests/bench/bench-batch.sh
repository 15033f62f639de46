#!/bin/bash
# bench-batch: seg-batch's MB/s of row input on rows made from the sample
# (seg-flatten, once, outside the timing), beside cat and jq -c . on the same
# rows in the same run (jq on a 20 MB slice). Target: >= 500 MB/s.
. "$(dirname "$0")/common.sh"
sample
rows
bytes=$(filesize "$ROWS")
slice="$STEM-jq-rows-slice.ndjson"
[ -s "$slice" ] || head -c $((bytes / 10 < 20000000 ? bytes / 10 : 20000000)) "$ROWS" | head -n -1 > "$slice"
cat "$ROWS" > /dev/null    # warm the page cache
bench_reset MB
bench_add "cat" "$bytes" "cat '$ROWS' > /dev/null"
bench_add "seg-batch" "$bytes" "seg-batch -q '$ROWS' > /dev/null"
bench_add "seg-batch (1 CPU, taskset)" "$bytes" "taskset -c 0 seg-batch -q '$ROWS' > /dev/null"
bench_add "jq -c . (slice)" "$(filesize "$slice")" "jq -c . '$slice' > /dev/null"
bench_run
bench_header
bench_show
bench_ratio "seg-batch" "jq -c . (slice)" "seg-batch / jq"
