#!/bin/sh
# bench-flatten: seg-flatten --layout segment_data on the sample beside jq
# (and the raw and warehouse layouts, alone and through seg-batch)
# running the same mapping (tests/bench/segment_data.jq), in the same run.
# jq is slow: it runs on a 20 MB slice of the sample and its rate is MB/s of
# that slice. Targets: >= 400 MB/s and >= 20x jq.
. "$(dirname "$0")/common.sh"
sample                       # no-op when run.sh made it already
bytes=$(filesize "$SAMPLE")
cat "$SAMPLE" > /dev/null    # warm the page cache
slice="$BENCH_DIR/flatten-jq-slice.ndjson"
head -c 20000000 "$SAMPLE" | head -n -1 > "$slice"
sbytes=$(filesize "$slice")

t_fl=$(secs "seg-flatten -q '$SAMPLE' > /dev/null")
t_fl1=$(secs "taskset -c 0 seg-flatten -q '$SAMPLE' > /dev/null")
t_pii=$(secs "printf 'bench-salt\n' > '$BENCH_DIR/salt' && seg-flatten -q --drop context.ip --redact context.userAgent --hash context.traits.email --hash traits.email --salt-file '$BENCH_DIR/salt' '$SAMPLE' > /dev/null")
t_raw=$(secs "seg-flatten -q --layout raw '$SAMPLE' > /dev/null")
t_wh=$(secs "seg-flatten -q --layout warehouse '$SAMPLE' > /dev/null")
t_whb=$(secs "seg-flatten -q --layout warehouse '$SAMPLE' | seg-batch -q > /dev/null")
t_sdb=$(secs "seg-flatten -q '$SAMPLE' | seg-batch -q > /dev/null")
t_jq=$(secs "jq -c -f '$top/tests/bench/segment_data.jq' '$slice' > /dev/null")

r_fl=$(rate "$bytes" "$t_fl")
r_jq=$(rate "$sbytes" "$t_jq")
show() { printf '  %-48s %6s MB/s  (%s s)\n' "$1" "$2" "$3"; }
show "seg-flatten --layout segment_data" "$r_fl" "$t_fl"
show "seg-flatten (1 CPU, taskset)" "$(rate "$bytes" "$t_fl1")" "$t_fl1"
show "seg-flatten with 4 PII rules (drop/redact/hash)" "$(rate "$bytes" "$t_pii")" "$t_pii"
show "seg-flatten --layout raw" "$(rate "$bytes" "$t_raw")" "$t_raw"
show "seg-flatten --layout warehouse" "$(rate "$bytes" "$t_wh")" "$t_wh"
show "seg-flatten | seg-batch, segment_data" "$(rate "$bytes" "$t_sdb")" "$t_sdb"
show "seg-flatten | seg-batch, warehouse" "$(rate "$bytes" "$t_whb")" "$t_whb"
show "jq -c -f segment_data.jq (20 MB slice)" "$r_jq" "$t_jq"
echo "$r_fl $r_jq" | awk '{ if ($2 > 0) printf "  seg-flatten / jq: %.0fx (targets: >= 400 MB/s, >= 20x jq)\n", $1 / $2 }'
