#!/bin/sh
# bench-load: rows/s loading the sample through s2-gateway into a private
# MariaDB with s2-load (best -j of 1, 2, 4, 8), beside, in the same run:
#  (a) the same INSERT statements, values inlined, sent straight to MariaDB by
#      the mariadb client over one connection (parallel clients are not
#      shown: concurrent INSERT IGNOREs deadlock and the client does not
#      retry, so they lose rows);
#  (b) what users script today: a shell loop posting 100-row batches with curl,
#      one process per batch (timed on the first LOOP_BATCHES batches).
# Targets: s2-load >= 90% of (a), >= 10x (b). Rows come from the sample by
# seg-flatten and seg-batch; they are made once, outside the timing, and kept
# in $BENCH_DIR.
. "$(dirname "$0")/common.sh"
sample
LOOP_BATCHES=${LOOP_BATCHES:-300}
helpers=$top/tests/helpers
ROWS="$BENCH_DIR/rows-${BENCH_MB}mb.ndjson"
BATCHES="$BENCH_DIR/batches-${BENCH_MB}mb.ndjson"
SQLFILE="$BENCH_DIR/inserts-${BENCH_MB}mb.sql"
LOOPBODIES="$BENCH_DIR/curl-bodies-${BENCH_MB}mb.ndjson"
# rows as the pipeline makes them: seg-flatten's segment_data layout, with its
# recommended DDL (unique messageId) as the first record
[ -s "$ROWS" ] || seg-flatten -q "$SAMPLE" > "$ROWS" || exit 1
DDL=$(grep -m 1 '"_ddl"' "$ROWS")
[ -s "$BATCHES" ] || seg-batch -q "$ROWS" > "$BATCHES"
# (a): each batch's INSERT with its args inlined as SQL literals. JSON string
# escapes are MariaDB string escapes for this data (no control characters);
# JSON objects are JSON text in a string literal.
if [ ! -s "$SQLFILE" ]; then
	jq -r 'select(.body) | .body as $b | ($b.sql | split("?")) as $p
	       | reduce range(0; $b.args | length) as $i ($p[0];
	           . + ($b.args[$i] | if type == "object" or type == "array" then tojson | tojson
	                             elif type == "boolean" then (if . then "1" else "0" end)
	                             elif type == "null" then "NULL" else tojson end) + $p[$i + 1]) + ";"' \
		"$BATCHES" > "$SQLFILE.tmp" && mv "$SQLFILE.tmp" "$SQLFILE"
fi
# (b): 100-row bodies with the database field, first LOOP_BATCHES of them
if [ ! -s "$LOOPBODIES" ]; then
	grep -v '"_ddl"' "$ROWS" | head -n $((LOOP_BATCHES * 100)) | seg-batch -q --max-rows 100 \
		| jq -c --arg db segpipe '.body + {database: $db}' > "$LOOPBODIES.tmp" && mv "$LOOPBODIES.tmp" "$LOOPBODIES"
fi
SLICE="$BENCH_DIR/batches-slice-${BENCH_MB}mb.ndjson"
[ -s "$SLICE" ] || grep -v '"_ddl"' "$ROWS" | head -n $((LOOP_BATCHES * 100)) | seg-batch -q > "$SLICE"
nrows=$(grep -vc '"_ddl"' "$ROWS")
loop_rows=$(jq -s 'map(.args | length / 11) | add' "$LOOPBODIES")

export SEGPIPE_WATCH_PID=$$
# a loading server, not a test server: room for the data and a redo log that
# does not force a checkpoint every few batches (the same for (a), (b) and s2-load)
export MARIADB_SERVER_OPTS="--innodb-buffer-pool-size=1G --innodb-log-file-size=512M --innodb-log-buffer-size=64M"
eval "$("$helpers/mariadb.sh" start)" || exit 1
eval "$("$helpers/gateway.sh" start)" || { "$helpers/mariadb.sh" stop "$MARIADB_DIR"; exit 1; }
trap '"$helpers/gateway.sh" stop "$S2_GATEWAY_DIR"; "$helpers/mariadb.sh" stop "$MARIADB_DIR"; rm -rf "$W"' EXIT
trap 'exit 1' INT TERM
W=$(mktemp -d "${TMPDIR:-/tmp}/benchload.XXXXXX")
db() { mariadb --defaults-file="$MARIADB_ADMIN_CNF" -N -B -D "$S2_DATABASE" -e "$1"; }
printf '%s\n' "$DDL" | s2-load -q --url "$S2_URL" -d "$S2_DATABASE" > /dev/null || exit 1

# run NAME ROWS CMD: empty the table, time CMD (best of REPEAT runs: the
# machine is shared), check the row count, print rows/s.
REPEAT=${REPEAT:-2}
run() {
	t=
	for _ in $(seq "$REPEAT"); do
		db "TRUNCATE segment_data"
		rm -f "$W"/ckpt.*
		t1=$(secs "$3")
		t=$(echo "$t $t1" | awk '{ if (NF == 1) print $1; else print ($2 < $1 ? $2 : $1) }')
	done
	got=$(db "SELECT COUNT(*) FROM segment_data")
	r=$(echo "$2 $t" | awk '{ if ($2 <= 0) $2 = 0.001; printf "%.0f", $1 / $2 }')
	note=; [ "$got" -eq "$2" ] || note="  (WRONG: $got rows in the table; not counted)"
	printf '  %-44s %8s rows/s  (%s rows, %s s)%s\n' "$1" "$r" "$2" "$t" "$note"
	if [ -z "$note" ]; then echo "$r"; else echo 0; fi > "$W/last"
}
best() { [ "$(cat "$W/last")" -gt "${1:-0}" ] && cat "$W/last" || echo "${1:-0}"; }

echo "  $nrows rows in $(wc -l < "$BATCHES") batches of up to 1000; MariaDB $(db 'SELECT VERSION()')"
cat "$SQLFILE" "$BATCHES" > /dev/null
A=0
run "(a) mariadb client, 1 connection" "$nrows" "mariadb --defaults-file='$MARIADB_CNF' -D '$S2_DATABASE' < '$SQLFILE'"
A=$(best $A)
printf 'machine 127.0.0.1 login %s password %s\n' "$S2_USER" "$S2_PASSWORD" > "$W/netrc"
B=0
run "(b) sh loop: curl per 100-row batch" "$loop_rows" \
	"while IFS= read -r b; do printf '%s' \"\$b\" | curl -sS -o /dev/null -f --netrc-file '$W/netrc' -H 'Content-Type: application/json' --data-binary @- '$S2_URL/api/v2/exec' || exit 1; done < '$LOOPBODIES'"
B=$(best $B)
L=0 LJ=1
for j in 1 2 4 8; do
	run "s2-load -j $j" "$nrows" "s2-load -q -j $j --url '$S2_URL' -d '$S2_DATABASE' --checkpoint '$W/ckpt.$j' '$BATCHES' > /dev/null"
	[ "$(cat "$W/last")" -gt "$L" ] && LJ=$j
	L=$(best $L)
done
# the same rows as (b), into an empty table as (b) had: the fair ratio to (b)
run "s2-load -j $LJ on the rows of (b)" "$loop_rows" "s2-load -q -j $LJ --url '$S2_URL' -d '$S2_DATABASE' '$SLICE' > /dev/null"
LS=$(cat "$W/last")
echo "$L $A $B $LS" | awk '{ printf "  s2-load best: %d rows/s = %.0f%% of (a) mariadb client (target >= 90%%); %.1fx (b) curl loop on the same rows (target >= 10x)\n", $1, 100 * $1 / ($2 ? $2 : 1), $4 / ($3 ? $3 : 1) }'
