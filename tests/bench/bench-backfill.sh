#!/bin/sh
# bench-backfill: seg-backfill's end-to-end rows/s on the sample, cut into 8
# gzipped objects over 2 days in Segment's layout, beside the hand-written
# pipeline of the same stages over the same archive, into MariaDB through
# s2-gateway (the same s2-load -j for both). Target: the driver is not slower.
. "$(dirname "$0")/common.sh"
sample
helpers=$top/tests/helpers
ARCH="$BENCH_DIR/archive-${BENCH_MB}mb"
if [ ! -d "$ARCH" ]; then
	mkdir -p "$ARCH.tmp" && split -n l/8 -d "$SAMPLE" "$ARCH.tmp/part" || exit 1
	for i in 0 1 2 3 4 5 6 7; do
		day=$((1432684800000 + (i / 4) * 86400000))
		mkdir -p "$ARCH.tmp/segment-logs/bench/$day"
		gzip -1 -c "$ARCH.tmp/part0$i" > "$ARCH.tmp/segment-logs/bench/$day/$((day / 1000 + i * 3600))-$i.gz"
		rm "$ARCH.tmp/part0$i"
	done
	mv "$ARCH.tmp" "$ARCH"
fi
nrows=$(seg-fetch -q "$ARCH" | seg-dedup -q | wc -l)
LJ=${LOAD_JOBS:-4}

export SEGPIPE_WATCH_PID=$$
export MARIADB_SERVER_OPTS="--innodb-buffer-pool-size=1G --innodb-log-file-size=512M --innodb-log-buffer-size=64M"
eval "$("$helpers/mariadb.sh" start)" || exit 1
eval "$("$helpers/gateway.sh" start)" || { "$helpers/mariadb.sh" stop "$MARIADB_DIR"; exit 1; }
W=$(mktemp -d "${TMPDIR:-/tmp}/benchbackfill.XXXXXX")
trap '"$helpers/gateway.sh" stop "$S2_GATEWAY_DIR"; "$helpers/mariadb.sh" stop "$MARIADB_DIR"; rm -rf "$W"' EXIT
trap 'exit 1' INT TERM
db() { mariadb --defaults-file="$MARIADB_ADMIN_CNF" -N -B -D "$S2_DATABASE" -e "$1"; }

# run NAME CMD: empty table and state, time CMD (best of REPEAT), check rows.
REPEAT=${REPEAT:-2}
run() {
	t=
	for _ in $(seq "$REPEAT"); do
		db "DROP TABLE IF EXISTS segment_data"
		rm -rf "$W/state" "$W"/ckpt "$W"/ids.new
		t1=$(secs "$2")
		t=$(echo "$t $t1" | awk '{ if (NF == 1) print $1; else print ($2 < $1 ? $2 : $1) }')
	done
	got=$(db "SELECT COUNT(*) FROM segment_data")
	r=$(echo "$nrows $t" | awk '{ if ($2 <= 0) $2 = 0.001; printf "%.0f", $1 / $2 }')
	note=; [ "$got" -eq "$nrows" ] || { note="  (WRONG: $got rows in the table)"; r=0; }
	printf '  %-44s %8s rows/s  (%s rows, %s s)%s\n' "$1" "$r" "$nrows" "$t" "$note"
	echo "$r" > "$W/last"
}

echo "  $nrows rows in 8 objects over 2 days; s2-load -j $LJ in both"
run "hand-written pipeline" "seg-fetch -q '$ARCH' | seg-validate -q | seg-dedup -q --save-state '$W/ids.new' \
	| seg-flatten -q --layout segment_data | seg-batch -q \
	| s2-load -q -j $LJ --url '$S2_URL' -d '$S2_DATABASE' --checkpoint '$W/ckpt' > /dev/null"
P=$(cat "$W/last")
D=0
for j in 1 2; do
	run "seg-backfill -j $j" "seg-backfill -q -j $j --load-jobs $LJ --state-dir '$W/state' --url '$S2_URL' -d '$S2_DATABASE' '$ARCH'"
	[ "$(cat "$W/last")" -gt "$D" ] && D=$(cat "$W/last")
done
echo "$D $P" | awk '{ printf "  seg-backfill best: %d rows/s = %.0f%% of the hand-written pipeline (target >= 100%%)\n", $1, 100 * $1 / ($2 ? $2 : 1) }'
