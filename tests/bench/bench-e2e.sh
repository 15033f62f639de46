#!/bin/bash
# bench-e2e: end to end into MariaDB through s2-gateway (where the database,
# not the client, is the limit), beside the contenders users have, on the
# same rows, into the same empty table (seg-flatten's segment_data layout,
# unique messageId), each run checked by the exact row count in the table:
#  - segpipe: seg-backfill -j 2 from the gzipped archive (20 objects, 2 days):
#    fetch, validate, dedup, flatten, batch and load, all in the timing;
#  - segpipe: s2-load of the rows already batched by seg-batch;
#  - the mariadb client running the same INSERTs, values inlined, over one
#    connection (parallel clients are not shown: concurrent INSERT IGNOREs
#    deadlock and the client does not retry, so they lose rows);
#  - LOAD DATA LOCAL INFILE of the same rows as a TSV, by the mariadb client;
#  - the jq+curl script users write: a shell loop posting 100-row bodies with
#    curl, one process per batch, on the first LOOP_BATCHES batches.
# The SQL, TSV and bodies are made once, outside the timing, and kept in
# $BENCH_DIR. DuckDB cannot reach MariaDB here: bench-duckdb.sh compares it
# with segpipe from archive to rows.
. "$(dirname "$0")/common.sh"
sample
archive
rows
LOOP_BATCHES=${LOOP_BATCHES:-100}
SQLFILE="$STEM-inserts.sql"
TSV="$STEM-rows.tsv"
LOOPBODIES="$STEM-curl-bodies.ndjson"
DDL=$(grep -m 1 '"_ddl"' "$ROWS")
cols='messageId, timestamp, type, event, name, properties, userId, anonymousId, groupId, traits, context'
# the INSERTs, each batch's args inlined as SQL literals: JSON string escapes
# are MariaDB string escapes for this data; JSON objects are JSON text in a
# string literal
if [ ! -s "$SQLFILE" ]; then
	jq -r 'select(.body) | .body as $b | ($b.sql | split("?")) as $p
	       | reduce range(0; $b.args | length) as $i ($p[0];
	           . + ($b.args[$i] | if type == "object" or type == "array" then tojson | tojson
	                             elif type == "boolean" then (if . then "1" else "0" end)
	                             elif type == "null" then "NULL" else tojson end) + $p[$i + 1]) + ";"' \
		"$BATCHES" > "$SQLFILE.tmp" && mv "$SQLFILE.tmp" "$SQLFILE" || exit 1
fi
# the TSV for LOAD DATA: its default escapes (\\, \t, \n, \r; \N is NULL)
if [ ! -s "$TSV" ]; then
	jq -r 'select(._ddl | not) | ._row // . | [.messageId, .timestamp, .type, .event, .name, .properties,
	         .userId, .anonymousId, .groupId, .traits, .context]
	       | map(if . == null then "\\N"
	             else (if type == "string" then . else tojson end)
	               | gsub("\\\\"; "\\\\") | gsub("\t"; "\\t") | gsub("\n"; "\\n") | gsub("\r"; "\\r") end)
	       | join("\t")' "$ROWS" > "$TSV.tmp" && mv "$TSV.tmp" "$TSV" || exit 1
fi
# the curl loop's bodies: 100 rows each, the database field added
if [ ! -s "$LOOPBODIES" ]; then
	grep -v '"_ddl"' "$ROWS" | head -n $((LOOP_BATCHES * 100)) | seg-batch -q --max-rows 100 \
		| jq -c --arg db segpipe '.body + {database: $db}' > "$LOOPBODIES.tmp" &&
		mv "$LOOPBODIES.tmp" "$LOOPBODIES" || exit 1
fi
loop_rows=$(jq -s 'map(.args | length / 11) | add' "$LOOPBODIES")

export SEGPIPE_WATCH_PID=$$
# a loading server, not a test server: room for the data and a redo log that
# does not force a checkpoint every few batches (the same for every contender)
export MARIADB_SERVER_OPTS="--innodb-buffer-pool-size=1G --innodb-log-file-size=512M --innodb-log-buffer-size=64M"
W=$(mktemp -d "${TMPDIR:-/tmp}/benche2e.XXXXXX") || exit 1
cleanup() {
	[ -z "${S2_GATEWAY_DIR:-}" ] || "$helpers/gateway.sh" stop "$S2_GATEWAY_DIR"
	[ -z "${MARIADB_DIR:-}" ] || "$helpers/mariadb.sh" stop "$MARIADB_DIR"
	rm -rf "$W"
}
env=$("$helpers/mariadb.sh" start) && eval "$env" || exit 1
env=$("$helpers/gateway.sh" start --log /dev/null) && eval "$env" || exit 1
db() { mariadb --defaults-file="$MARIADB_ADMIN_CNF" -N -B -D "$S2_DATABASE" -e "$1"; }
printf 'machine 127.0.0.1 login %s password %s\n' "$S2_USER" "$S2_PASSWORD" > "$W/netrc"
# each run: the table made anew by the DDL record (s2-gateway maps it to
# MariaDB), no state; after it, the exact count
fresh='db "DROP TABLE IF EXISTS segment_data" && printf "%s\n" "$DDL" | s2-load -q --url "$S2_URL" -d "$S2_DATABASE" > /dev/null && rm -rf "$W/state" "$W/ckpt"'
count() { got=$(db "SELECT COUNT(*) FROM segment_data"); [ "$got" = "$1" ] || echo "$got rows in the table, not $1"; }
tgt='--url "$S2_URL" -d "$S2_DATABASE"'
cat "$SQLFILE" "$TSV" "$BATCHES" "$ARCH"/segment-logs/*/*/*.gz > /dev/null    # warm the page cache

bench_reset rows
BENCH_PREP=$fresh BENCH_CHECK='count "$NROWS"'
bench_add "segpipe: seg-backfill -j 2, archive to table" "$NROWS" \
	"seg-backfill -q -j 2 --state-dir '$W/state' $tgt '$ARCH'"
BENCH_PREP=$fresh BENCH_CHECK='count "$NROWS"'
bench_add "segpipe: s2-load of the batches" "$NROWS" "s2-load -q $tgt '$BATCHES' > /dev/null"
BENCH_PREP=$fresh BENCH_CHECK='count "$NROWS"'
bench_add "mariadb client: the INSERTs, 1 connection" "$NROWS" \
	"mariadb --defaults-file='$MARIADB_CNF' -D '$S2_DATABASE' < '$SQLFILE'"
BENCH_PREP=$fresh BENCH_CHECK='count "$NROWS"'
bench_add "mariadb client: LOAD DATA LOCAL INFILE (TSV)" "$NROWS" \
	"mariadb --defaults-file='$MARIADB_CNF' --local-infile=1 -D '$S2_DATABASE' -e \"LOAD DATA LOCAL INFILE '$TSV' INTO TABLE segment_data ($cols)\""
BENCH_PREP=$fresh BENCH_CHECK='count "$loop_rows"'
bench_add "jq+curl script: curl per 100-row body" "$loop_rows" \
	"while IFS= read -r b; do printf '%s' \"\$b\" | curl -sS -o /dev/null -f --netrc-file '$W/netrc' -H 'Content-Type: application/json' --data-binary @- \"\$S2_URL/api/v2/exec\" || exit 1; done < '$LOOPBODIES'"
# a warm-up (the first load into a fresh server is faster: nothing left to
# flush from a run before), then the rounds
eval "$fresh" && eval "s2-load -q $tgt '$BATCHES'" > /dev/null
bench_run

echo "  $NROWS rows ($loop_rows for the curl loop), MariaDB $(db 'SELECT VERSION()'), through s2-gateway"
bench_header
echo "  (CPU: the client side's, not s2-gateway's or MariaDB's)"
bench_show
S="segpipe: s2-load of the batches"
bench_ratio "$S" "mariadb client: the INSERTs, 1 connection" "s2-load / mariadb INSERTs"
bench_ratio "$S" "mariadb client: LOAD DATA LOCAL INFILE (TSV)" "s2-load / LOAD DATA LOCAL INFILE"
bench_ratio "$S" "jq+curl script: curl per 100-row body" "s2-load / jq+curl script"
bench_ratio "segpipe: seg-backfill -j 2, archive to table" "mariadb client: LOAD DATA LOCAL INFILE (TSV)" \
	"seg-backfill (from the archive) / LOAD DATA"
