#!/bin/bash
# bench-validate: seg-validate's MB/s on the sample beside jq -c . and cat,
# measured on the same file in the same run. Targets: >= 30x jq, >= 700 MB/s.
# jq is slow: it runs on a 20 MB slice (1/10 of the sample when smaller) and
# its rate is MB/s of that slice.
. "$(dirname "$0")/common.sh"
sample
bytes=$(filesize "$SAMPLE")
slice="$BENCH_DIR/jq-slice-${BENCH_MB}mb.ndjson"
[ -s "$slice" ] || head -c $((bytes / 10 < 20000000 ? bytes / 10 : 20000000)) "$SAMPLE" | head -n -1 > "$slice"
cat "$SAMPLE" > /dev/null    # warm the page cache for everyone

bench_reset MB
[ -n "$BENCH_QUICK" ] || bench_add "cat" "$bytes" "cat '$SAMPLE' > /dev/null"
bench_add "seg-validate" "$bytes" "seg-validate -q '$SAMPLE' > /dev/null"
[ -n "$BENCH_QUICK" ] || bench_add "seg-validate (1 CPU, taskset)" "$bytes" "taskset -c 0 seg-validate -q '$SAMPLE' > /dev/null"
bench_add "jq -c . (slice)" "$(filesize "$slice")" "jq -c . '$slice' > /dev/null"
[ -z "$BEFORE" ] || bench_add "before: seg-validate" "$bytes" "$(before "seg-validate -q '$SAMPLE' > /dev/null")"
bench_run
bench_header
bench_show
bench_ratio "seg-validate" "jq -c . (slice)" "seg-validate / jq (target >= 30x)"
[ -z "$BEFORE" ] || bench_ratio "seg-validate" "before: seg-validate" "seg-validate: now / before"
