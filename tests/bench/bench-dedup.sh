#!/bin/bash
# bench-dedup: seg-dedup's MB/s on the sample with 1% repeated messageIds,
# beside awk '!seen[$0]++' over the same ids (extracted with jq beforehand,
# outside the timing), in the same run; then the time to load and to save a
# state of STATE_IDS (default 20 M) synthetic ids. Target: >= 700 MB/s.
. "$(dirname "$0")/common.sh"
sample
STATE_IDS=${STATE_IDS:-20000000}
bytes=$(filesize "$SAMPLE_DUPS")
ids="$BENCH_DIR/dup1-ids-${BENCH_MB}mb.txt"
idjson="$BENCH_DIR/dup1-ids-${BENCH_MB}mb.ndjson"
[ -s "$ids" ] || jq -r .messageId "$SAMPLE_DUPS" > "$ids"
[ -s "$idjson" ] || jq -c '{messageId}' "$SAMPLE_DUPS" > "$idjson"
cat "$SAMPLE_DUPS" "$ids" "$idjson" > /dev/null    # warm the page cache

# The state: built by tests/bench/mkstate.c through libseg (untimed), then
# loaded alone, and loaded and saved (temp file, fsync, rename).
# (with the flags libseg.a was built with: a sanitizer build needs them)
mkv() { sed -n "s/^$1 = //p" "$top/config.mk"; }
mk="$BENCH_DIR/mkstate"
# shellcheck disable=SC2046
${CC:-$(mkv CC)} $(mkv CFLAGS) -I"$top/lib" -o "$mk" "$top/tests/bench/mkstate.c" "$top/lib/libseg.a" \
	$(mkv LDFLAGS) || exit 1
st="$BENCH_DIR/state-$STATE_IDS.idx"
cleanup() { rm -f "$st" "$st.new" "$mk"; }
"$mk" "$STATE_IDS" "$st" || exit 1
sbytes=$(filesize "$st")
cat "$st" > /dev/null

echo "  $(wc -l < "$ids" | tr -d ' ') messages, $(sort -u "$ids" | wc -l | tr -d ' ') distinct ids; a state of $STATE_IDS ids is $sbytes bytes"
bench_reset MB
bench_add "seg-dedup" "$bytes" "seg-dedup -q '$SAMPLE_DUPS' > /dev/null"
bench_add "seg-dedup (1 CPU, taskset)" "$bytes" "taskset -c 0 seg-dedup -q '$SAMPLE_DUPS' > /dev/null"
bench_add "awk '!seen[\$0]++' over the ids alone" "$(filesize "$ids")" "awk '!seen[\$0]++' '$ids' > /dev/null"
bench_add "seg-dedup over {\"messageId\":..} lines" "$(filesize "$idjson")" "seg-dedup -q '$idjson' > /dev/null"
bench_add "load the state" "$sbytes" "seg-dedup -q --state '$st' < /dev/null"
BENCH_CHECK='cmp -s "$st" "$st.new" || echo "the saved state differs from the loaded one"'
bench_add "load and save it (with fsync)" "$sbytes" "seg-dedup -q --state '$st' --save-state '$st.new' < /dev/null"
bench_run
bench_header
bench_show
