#!/bin/bash
# tests/bench/bench-gateway.sh: s2-gateway throughput on 1000-row inserts of
# Segment's own table layout (11 columns, 11 000 placeholders a request),
# requests/s and rows/s, next to the same INSERTs sent straight to MariaDB by
# its own client (the reference: what the gateway's HTTP, JSON and binding
# cost on top). curl sends the requests over keep-alive connections.
#   GW_REQUESTS  number of 1000-row requests (default 200)
#   GW_PARALLEL  concurrent connections (default 8, also the gateway workers)
. "$(dirname "$0")/common.sh"
helpers=$top/tests/helpers
N=${GW_REQUESTS:-200}
P=${GW_PARALLEL:-8}
ROWS=1000

work=$(mktemp -d "${TMPDIR:-/tmp}/segbench.XXXXXX") || exit 1
cleanup() {
	[ -n "${S2_GATEWAY_DIR:-}" ] && sh "$helpers/gateway.sh" stop "$S2_GATEWAY_DIR"
	[ -n "${MARIADB_DIR:-}" ] && sh "$helpers/mariadb.sh" stop "$MARIADB_DIR"
	rm -rf "$work"
}
export SEGPIPE_WATCH_PID=$$
eval "$(sh "$helpers/mariadb.sh" start)" || exit 1
eval "$(sh "$helpers/gateway.sh" start --workers "$P" --log /dev/null)" || exit 1

ddl='CREATE TABLE segment_data (messageId TEXT NOT NULL, timestamp DATETIME(6) NOT NULL,
 type TEXT NOT NULL, event TEXT, name TEXT, properties JSON, userId TEXT, anonymousId TEXT,
 groupId TEXT, traits JSON, context JSON, SHARD KEY ()) AUTOSTATS_CARDINALITY_MODE=PERIODIC'

# one 1000-row request body (Segment's INSERT shape) and the same statement
# with the values inlined, for the direct client
awk -v rows=$ROWS -v db="$S2_DATABASE" -v body="$work/body.json" -v direct="$work/direct.sql" 'BEGIN {
	cols = "messageId, timestamp, type, event, name, properties, userId, anonymousId, groupId, traits, context"
	printf "{\"database\":\"%s\",\"sql\":\"INSERT INTO `segment_data` (%s) VALUES ", db, cols > body
	printf "INSERT INTO `segment_data` (%s) VALUES ", cols > direct
	for (i = 0; i < rows; i++) {
		sep = i ? ", " : ""
		printf "%s(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", sep > body
		props = sprintf("{\"plan\":\"pro\",\"revenue\":%d.5,\"items\":[{\"sku\":\"s-%d\",\"qty\":2}]}", i, i)
		ctx = "{\"ip\":\"10.1.2.3\",\"library\":{\"name\":\"analytics.js\",\"version\":\"4.1.0\"},\"page\":{\"path\":\"/checkout\",\"url\":\"https://example.com/checkout\"}}"
		traits = "{\"email\":\"user@example.com\",\"name\":\"A User\"}"
		v[i] = sprintf("\"m-%08d-7b1c-4e0f-9a51-2c6f0e2b4d7a\",\"2015-12-10 04:08:31.905\",\"track\",\"Order Completed\",null,%s,\"user-%d\",\"anon-%d\",null,%s,%s", i, props, i, i, traits, ctx)
		q = sprintf("(%c%s%c, %c2015-12-10 04:08:31.905%c, %ctrack%c, %cOrder Completed%c, NULL, %c%s%c, %cuser-%d%c, %canon-%d%c, NULL, %c%s%c, %c%s%c)",
			39, sprintf("m-%08d-7b1c-4e0f-9a51-2c6f0e2b4d7a", i), 39, 39, 39, 39, 39, 39, 39, 39, props, 39, 39, i, 39, 39, i, 39, 39, traits, 39, 39, ctx, 39)
		printf "%s%s", sep, q > direct
	}
	printf "\",\"args\":[" > body
	for (i = 0; i < rows; i++) printf "%s%s", (i ? "," : ""), v[i] > body
	printf "]}" > body
	printf ";\n" > direct
}'
bytes=$(wc -c < "$work/body.json" | tr -d ' ')

curl -sS -u "$S2_USER:$S2_PASSWORD" -H 'Content-Type: application/json' \
	--data-binary "$(jq -cn --arg s "$ddl" --arg d "$S2_DATABASE" '{sql: $s, database: $d}')" \
	"$S2_URL/api/v2/exec" > /dev/null || exit 1

# a curl config with N requests, sent over P keep-alive connections
{
	i=0
	while [ $i -lt "$N" ]; do
		[ $i -gt 0 ] && echo "next"
		echo "silent"
		echo "show-error"
		echo "user = \"$S2_USER:$S2_PASSWORD\""
		echo "url = \"$S2_URL/api/v2/exec\""
		echo "header = \"Content-Type: application/json\""
		echo "data-binary = \"@$work/body.json\""
		echo "output = \"/dev/null\""
		echo "write-out = \"%{http_code}\\n\""
		i=$((i + 1))
	done
} > "$work/curl.cfg"
chmod 600 "$work/curl.cfg"

count() { mariadb --defaults-file="$MARIADB_ADMIN_CNF" -N -B -D "$S2_DATABASE" -e 'SELECT COUNT(*) FROM segment_data'; }
empty='mariadb --defaults-file="$MARIADB_ADMIN_CNF" -D "$S2_DATABASE" -e "TRUNCATE segment_data"'
per=$(( (N + P - 1) / P ))

echo "  $N requests of $ROWS rows ($bytes bytes each), $P connections"
bench_reset rows
BENCH_PREP=$empty
BENCH_CHECK='ok=$(grep -c "^200$" "$work/codes"); [ "$ok" -eq "$N" ] || echo "only $ok of $N requests answered 200";
	[ "$(count)" -eq $((N * ROWS)) ] || echo "$(count) rows in the table, not $((N * ROWS))"'
bench_add "s2-gateway (curl, HTTP)" $((N * ROWS)) \
	"curl --parallel --parallel-max $P -K '$work/curl.cfg' > '$work/codes' 2> '$work/curl.err'"
BENCH_PREP=$empty
BENCH_CHECK='[ "$(count)" -eq $((per * P * ROWS)) ] || echo "$(count) rows in the table, not $((per * P * ROWS))"'
bench_add "reference: mariadb client, direct" $((per * P * ROWS)) "i=0; while [ \$i -lt $P ]; do
	( j=0; while [ \$j -lt $per ]; do cat '$work/direct.sql'; j=\$((j + 1)); done ) |
		mariadb --defaults-file='$MARIADB_CNF' --max-allowed-packet=64M &
	i=\$((i + 1)); done; wait"
bench_run
bench_header
echo "  (CPU: curl's or the mariadb client's only, not the gateway's or the database's)"
bench_show
bench_ratio "s2-gateway (curl, HTTP)" "reference: mariadb client, direct" "s2-gateway / direct"
