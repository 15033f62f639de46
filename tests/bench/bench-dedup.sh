#!/bin/sh
# bench-dedup: seg-dedup's MB/s on the sample with 1% repeated messageIds,
# beside awk '!seen[$0]++' over the same ids (extracted with jq beforehand,
# outside the timing), in the same run; then the time to load and to save a
# state of STATE_IDS (default 50 M) synthetic ids. Target: >= 700 MB/s.
. "$(dirname "$0")/common.sh"
STATE_IDS=${STATE_IDS:-50000000}

bytes=$(filesize "$SAMPLE_DUPS")
ids="$BENCH_DIR/dup1-ids-${BENCH_MB}mb.txt"
idjson="$BENCH_DIR/dup1-ids-${BENCH_MB}mb.ndjson"
[ -s "$ids" ] || jq -r .messageId "$SAMPLE_DUPS" > "$ids"
[ -s "$idjson" ] || jq -c '{messageId}' "$SAMPLE_DUPS" > "$idjson"
n=$(wc -l < "$ids" | tr -d ' ')
cat "$SAMPLE_DUPS" "$ids" "$idjson" > /dev/null    # warm the page cache

# both NAME BYTES CMD: MB/s of the command's own input and messages per second
both() {
	t=$(secs "$3")
	printf '  %-46s %6s MB/s %7s k msg/s  (%s s)\n' "$1" "$(rate "$2" "$t")" \
		"$(echo "$n $t" | awk '{ if ($2 <= 0) $2 = 0.001; printf "%.0f", $1 / 1000 / $2 }')" "$t"
}

echo "  $n messages, $(wc -l < "$SAMPLE_DUPS" | tr -d ' ') lines, $(sort -u "$ids" | wc -l | tr -d ' ') distinct ids"
both "seg-dedup" "$bytes" "seg-dedup -q '$SAMPLE_DUPS' > /dev/null"
both "seg-dedup (1 CPU, taskset)" "$bytes" "taskset -c 0 seg-dedup -q '$SAMPLE_DUPS' > /dev/null"
both "awk '!seen[\$0]++' over the ids alone" "$(filesize "$ids")" "awk '!seen[\$0]++' '$ids' > /dev/null"
both "seg-dedup over {\"messageId\":..} lines" "$(filesize "$idjson")" "seg-dedup -q '$idjson' > /dev/null"

# The state: built by tests/bench/mkstate.c through libseg (untimed), then
# loaded alone, and loaded and saved (temp file, fsync, rename).
cc=$(sed -n 's/^CC = //p' "$top/config.mk")
mk="$BENCH_DIR/mkstate"
${cc:-cc} -O2 -std=c11 -D_DEFAULT_SOURCE -I"$top/lib" -o "$mk" "$top/tests/bench/mkstate.c" "$top/lib/libseg.a" || exit 1
st="$BENCH_DIR/state-$STATE_IDS.idx"
"$mk" "$STATE_IDS" "$st" || exit 1
sbytes=$(filesize "$st")
cat "$st" > /dev/null
tl=$(secs "seg-dedup -q --state '$st' < /dev/null")
tls=$(secs "seg-dedup -q --state '$st' --save-state '$st.new' < /dev/null")
ts=$(echo "$tls $tl" | awk '{ printf "%.3f", $1 - $2 }')
printf '  %-46s %6s MB/s  (%s s)\n' "load a $STATE_IDS-id state ($sbytes bytes)" "$(rate "$sbytes" "$tl")" "$tl"
printf '  %-46s %6s MB/s  (%s s, load and save %s s)\n' "save it (with fsync)" "$(rate "$sbytes" "$ts")" "$ts" "$tls"
cmp -s "$st" "$st.new" || echo "  (the saved state differs from the loaded one!)"
rm -f "$st" "$st.new" "$mk"
