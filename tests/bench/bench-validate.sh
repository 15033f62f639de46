#!/bin/sh
# bench-validate: seg-validate's MB/s on the sample beside jq -c . and cat,
# measured on the same file in the same run. Targets: >= 30x jq, >= 700 MB/s.
. "$(dirname "$0")/common.sh"
bytes=$(filesize "$SAMPLE")
cat "$SAMPLE" > /dev/null    # warm the page cache for everyone
bench "cat" "$bytes" "cat '$SAMPLE' > /dev/null"
bench "seg-validate" "$bytes" "seg-validate -q '$SAMPLE' > /dev/null"
bench "seg-validate (1 CPU, taskset)" "$bytes" "taskset -c 0 seg-validate -q '$SAMPLE' > /dev/null"
# jq is slow: time it on the first 20 MB and report its rate
head -c 20000000 "$SAMPLE" | head -n -1 > "$BENCH_DIR/jq-slice.ndjson"
bench "jq -c . (20 MB slice)" "$(filesize "$BENCH_DIR/jq-slice.ndjson")" "jq -c . '$BENCH_DIR/jq-slice.ndjson' > /dev/null"
