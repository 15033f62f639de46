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

# The three commands are timed in turns, best of REPEAT each: on a shared
# machine the load drifts over minutes, and timing one command's repeats
# back to back charges the drift to it. The
# stages' own CPU is small beside the database's (measured: about 2.4 s of
# user+sys for either command against 13-19 s of wall time), so the wall
# time is mostly MariaDB's and varies with what else runs.
REPEAT=${REPEAT:-3}
HAND="seg-fetch -q '$ARCH' | seg-validate -q | seg-dedup -q --save-state '$W/ids.new' \
	| seg-flatten -q --layout segment_data | seg-batch -q \
	| s2-load -q -j $LJ --url '$S2_URL' -d '$S2_DATABASE' --checkpoint '$W/ckpt' > /dev/null"
drv() { echo "seg-backfill -q -j $1 --load-jobs $LJ --state-dir '$W/state' --url '$S2_URL' -d '$S2_DATABASE' '$ARCH'"; }

# once CMD: empty table and state, time CMD, check the rows; prints seconds
# (a negative number when the table is wrong).
once() {
	db "DROP TABLE IF EXISTS segment_data"
	rm -rf "$W/state" "$W"/ckpt "$W"/ids.new
	t1=$(secs "$1")
	got=$(db "SELECT COUNT(*) FROM segment_data")
	[ "$got" -eq "$nrows" ] || t1=-1
	echo "$t1"
}

best() { echo "$1 $2" | awk '{ if ($1 == "" || $1 < 0) print $2; else if ($2 < 0) print -1; else print ($2 < $1 ? $2 : $1) }'; }

# timed runs: a warm-up first (the first load into a fresh server is
# faster: nothing left to flush from a run before), then the order rotates
# each round, so no command always follows the same one.
once "$HAND" > /dev/null
th= t1= t2=
for r in $(seq "$REPEAT"); do
	for k in 0 1 2; do
		case $(( (k + r) % 3 )) in
		0) th=$(best "$th" "$(once "$HAND")") ;;
		1) t1=$(best "$t1" "$(once "$(drv 1)")") ;;
		2) t2=$(best "$t2" "$(once "$(drv 2)")") ;;
		esac
	done
done

# show NAME SECONDS: the line; the rows/s in $r
show() {
	r=$(echo "$nrows $2" | awk '{ if ($2 < 0) print 0; else { if ($2 == 0) $2 = 0.001; printf "%.0f", $1 / $2 } }')
	note=; [ "$r" -gt 0 ] || note="  (WRONG: not $nrows rows in the table)"
	printf '  %-44s %8s rows/s  (%s rows, %s s)%s\n' "$1" "$r" "$nrows" "$2" "$note"
}

echo "  $nrows rows in 8 objects over 2 days; s2-load -j $LJ in both; best of $REPEAT, in turns"
show "hand-written pipeline" "$th"; P=$r
show "seg-backfill -j 1" "$t1"; D=$r
show "seg-backfill -j 2" "$t2"; [ "$r" -gt "$D" ] && D=$r
echo "$D $P" | awk '{ printf "  seg-backfill best: %d rows/s = %.0f%% of the hand-written pipeline (target >= 100%%)\n", $1, 100 * $1 / ($2 ? $2 : 1) }'
