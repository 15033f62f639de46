#!/bin/bash
# bench-flatten: seg-flatten --layout segment_data on the sample beside jq
# running the same mapping (tests/bench/segment_data.jq), and the raw and
# warehouse layouts, alone and through seg-batch, in the same run. jq is
# slow: it runs on a 20 MB slice of the sample and its rate is MB/s of that
# slice. Targets: >= 400 MB/s and >= 20x jq.
. "$(dirname "$0")/common.sh"
sample
bytes=$(filesize "$SAMPLE")
slice="$STEM-flatten-jq-slice.ndjson"
[ -s "$slice" ] || head -c $((bytes / 10 < 20000000 ? bytes / 10 : 20000000)) "$SAMPLE" | head -n -1 > "$slice"
printf 'bench-salt\n' > "$BENCH_DIR/salt"
cat "$SAMPLE" > /dev/null    # warm the page cache
bench_reset MB
bench_add "seg-flatten --layout segment_data" "$bytes" "seg-flatten -q '$SAMPLE' > /dev/null"
bench_add "seg-flatten (1 CPU, taskset)" "$bytes" "taskset -c 0 seg-flatten -q '$SAMPLE' > /dev/null"
bench_add "seg-flatten with 4 PII rules (drop/redact/hash)" "$bytes" \
	"seg-flatten -q --drop context.ip --redact context.userAgent --hash context.traits.email --hash traits.email --salt-file '$BENCH_DIR/salt' '$SAMPLE' > /dev/null"
bench_add "seg-flatten --layout raw" "$bytes" "seg-flatten -q --layout raw '$SAMPLE' > /dev/null"
bench_add "seg-flatten --layout warehouse" "$bytes" "seg-flatten -q --layout warehouse '$SAMPLE' > /dev/null"
bench_add "seg-flatten | seg-batch, segment_data" "$bytes" "seg-flatten -q '$SAMPLE' | seg-batch -q > /dev/null"
bench_add "seg-flatten | seg-batch, warehouse" "$bytes" "seg-flatten -q --layout warehouse '$SAMPLE' | seg-batch -q > /dev/null"
bench_add "jq -c -f segment_data.jq (slice)" "$(filesize "$slice")" "jq -c -f '$top/tests/bench/segment_data.jq' '$slice' > /dev/null"
bench_run
bench_header
bench_show
bench_ratio "seg-flatten --layout segment_data" "jq -c -f segment_data.jq (slice)" "seg-flatten / jq (target >= 20x)"
