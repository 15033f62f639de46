#!/usr/bin/env bats
# s2-gateway --sink: the Data API stand-in without a database. It must
# count exactly what a client sent, refuse what a real server refuses
# (malformed bodies, mismatched args, missing credentials), and refuse to
# listen where its trust-any-credentials would matter.

load 'helpers/dataapi'

setup() {
	T=$BATS_TEST_TMPDIR
	GW=
	PATH=$BATS_TEST_DIRNAME/../bin:$PATH
}

teardown() {
	if [ -n "$GW" ]; then "$BATS_TEST_DIRNAME/helpers/gateway.sh" stop "$GW"; fi
	return 0
}

# sink [OPTS...]: start a sink for this test, its --stats in $T/gw.json.
sink() {
	local out
	out=$("$BATS_TEST_DIRNAME/helpers/gateway.sh" start --sink --stats "$T/gw.json" "$@") || return 1
	eval "$out"
	GW=$S2_GATEWAY_DIR
}

# sink_stop: stop the sink (it writes its --stats at exit).
sink_stop() {
	"$BATS_TEST_DIRNAME/helpers/gateway.sh" stop "$GW"
	GW=
	[ -s "$T/gw.json" ]
}

# gwstat KEY: a counter of the stopped sink's --stats.
gwstat() { jq -r ".$1" "$T/gw.json"; }

# rows N: N row records of table t.
rows() {
	seq 1 "$1" | awk '{ printf "{\"_table\":\"t\",\"id\":\"m%06d\",\"n\":%d,\"doc\":{\"k\":\"v?%d\"}}\n", $1, $1, $1 }'
}

# batches N PER: a DDL record, then seg-batch's batches of N rows, PER a batch.
batches() {
	printf '%s\n' '{"_table":"t","_ddl":"CREATE TABLE IF NOT EXISTS `t` (`id` VARCHAR(64) NOT NULL, `n` BIGINT, `doc` JSON, PRIMARY KEY (`id`))"}'
	rows "$1" | seg-batch -q --max-rows "$2"
}

s2load() { s2-load -q --url "$S2_URL" -d "$S2_DATABASE" --retry-delay 5ms --retry-cap 100ms "$@"; }

@test "s2-load into the sink: both sides count exactly the rows and bytes sent; a re-run sends nothing" {
	batches 2500 100 > "$T/b.ndjson"
	sink
	run s2load -j 4 --checkpoint "$T/ckpt" --stats "$T/load.json" -o "$T/res" "$T/b.ndjson"
	[ "$status" -eq 0 ]
	[ "$(jq -r '"\(.rows) \(.loaded) \(.ddl) \(.failed)"' "$T/load.json")" = "2500 26 1 0" ]
	[ "$(jq -s 'map(.rowsAffected) | add' "$T/res")" = 2500 ]
	# a re-run skips every committed batch: the sink sees no request
	run s2load -j 4 --checkpoint "$T/ckpt" --stats "$T/load2.json" -o "$T/res2" "$T/b.ndjson"
	[ "$status" -eq 0 ]
	[ "$(jq -r '"\(.skipped) \(.loaded)"' "$T/load2.json")" = "26 0" ]
	sink_stop
	[ "$(gwstat requests) $(gwstat statements) $(gwstat rows)" = "26 26 2500" ]
	# every body as seg-batch wrote it (its "bytes"), plus ,"database":"sink"
	db=$(printf ',"database":"%s"' "$S2_DATABASE" | wc -c)
	want=$(jq -s --argjson db "$db" 'map(if .body then .bytes else (.body // {sql: ._ddl} | tojson | length) end + $db) | add' "$T/b.ndjson")
	[ "$(gwstat bytes)" = "$want" ]
}

@test "s2-load into a sink with a small body limit: split batches, every row counted once" {
	batches 400 100 > "$T/b.ndjson"
	sink --max-body 3000
	run s2load -j 2 --stats "$T/load.json" -o "$T/res" "$T/b.ndjson"
	[ "$status" -eq 0 ]
	[ "$(jq -r '"\(.rows) \(.loaded) \(.failed)"' "$T/load.json")" = "400 5 0" ]
	[ "$(jq -r .splits "$T/load.json")" -gt 0 ]
	sink_stop
	[ "$(gwstat rows)" = 400 ]
	[ "$(gwstat statements)" -gt 5 ]
}

@test "sink with injected failures: retries, each statement counted once" {
	batches 300 10 > "$T/b.ndjson"
	sink --fail-rate 0.3 --seed 7
	run s2load -j 2 --retry 50 --stats "$T/load.json" -o "$T/res" "$T/b.ndjson"
	[ "$status" -eq 0 ]
	[ "$(jq -r '"\(.rows) \(.loaded) \(.failed)"' "$T/load.json")" = "300 31 0" ]
	[ "$(jq -r .retries "$T/load.json")" -gt 0 ]
	sink_stop
	[ "$(gwstat rows) $(gwstat statements)" = "300 31" ]
	[ "$(gwstat faults)" -gt 0 ]
	[ "$(gwstat requests)" = $(($(gwstat statements) + $(gwstat faults))) ]
}

@test "rowsAffected is the number of row tuples; DDL and other statements 0" {
	sink
	api /api/v2/exec '{"sql":"INSERT INTO `t` (`a`, `b`) VALUES (?, ?), (?, ?), (\"(?)\", ?)","args":[1,"x",2,"y",3]}'
	[ "$code" = 200 ]
	[ "$body" = '{"lastInsertId":0,"rowsAffected":3}' ]
	grep -qi '^Content-Type: application/json' "$T/headers"
	api /api/v2/exec '{"sql":"replace into t values (1)","database":"any"}'
	[ "$body" = '{"lastInsertId":0,"rowsAffected":1}' ]
	api /api/v2/exec '{"sql":"CREATE TABLE t (a INT)","args":[]}'
	[ "$body" = '{"lastInsertId":0,"rowsAffected":0}' ]
	api /api/v2/exec '{"sql":"INSERT INTO t SELECT * FROM u WHERE a = ?","args":[1]}'
	[ "$body" = '{"lastInsertId":0,"rowsAffected":0}' ]
	api /api/v2/query/rows '{"sql":"SELECT * FROM t WHERE a = ?","args":[1]}'
	[ "$code" = 200 ]
	[ "$body" = '{"results":[{"rows":[]}]}' ]
	api /api/v2/query/tuples '{"sql":"SELECT 1"}'
	[ "$body" = '{"results":[{"columns":[],"rows":[]}]}' ]
	run curl -sS "$S2_URL/ping"
	[ "$output" = pong ]
	sink_stop
	[ "$(gwstat requests) $(gwstat statements) $(gwstat rows)" = "6 6 4" ]
}

@test "malformed requests get the errors a real server gives, and count no statement" {
	sink --max-body 2000
	while IFS='|' read -r data want; do
		api /api/v2/exec "$data"
		[ "$code" = 400 ] || { echo "$data: $code $body"; return 1; }
		case $body in "$want"*) ;; *) echo "$data: $body, want $want"; return 1 ;; esac
	done <<'EOF'
{"sql":"INSERT INTO t VALUES (?)","args":[1,]}|Error parsing request body: 
[{"sql":"SELECT 1"}]|Error parsing request body: not a JSON object
{"args":[1]}|Error parsing request body: "sql" must be a string
{"sql":1}|Error parsing request body: "sql" must be a string
{"sql":"INSERT INTO t VALUES (?)","args":{"a":1}}|Error parsing request body: "args" must be an array
{"sql":"INSERT INTO t VALUES (?)","args":[1],"database":5}|Error parsing request body: "database" must be a string
{"sql":"INSERT INTO t VALUES (?, ?), (?, ?)","args":[1,2,3]}|sql: expected 4 arguments, got 3
{"sql":"INSERT INTO t VALUES ('?')","args":[1]}|sql: expected 0 arguments, got 1
{"sql":"INSERT INTO t VALUES (?)"}|sql: expected 1 arguments, got 0
{"sql":"  -- nothing\n"}|Error 1065 (42000): Query was empty
{"sql":"\ud800"}|Error parsing request body: 
EOF
	api /api/v2/exec "$(printf '{"sql":"SELECT ?","args":["%03000d"]}' 0)"
	[ "$code" = 413 ]
	code=$(curl -sS -o "$T/b" -w '%{http_code}' -u "$S2_USER:$S2_PASSWORD" -H 'Content-Type: text/plain' \
		--data-binary '{"sql":"SELECT 1"}' "$S2_URL/api/v2/exec")
	[ "$code" = 415 ]
	sink_stop
	[ "$(gwstat statements) $(gwstat rows)" = "0 0" ]
}

@test "auth: any well-formed Basic credentials; missing or malformed ones 401" {
	sink
	q='{"sql":"INSERT INTO t VALUES (?)","args":[1]}'
	code=$(curl -sS -o "$T/b" -w '%{http_code}' -u "nobody:anything" -H 'Content-Type: application/json' \
		--data-binary "$q" "$S2_URL/api/v2/exec")
	[ "$code" = 200 ]
	for h in '' 'Authorization: Basic' 'Authorization: Basic !!!notbase64' \
	         "Authorization: Basic $(printf 'nocolon' | base64)" "Authorization: Basic $(printf ':pw' | base64)" \
	         'Authorization: Bearer abc.def.ghi' 'Authorization: Digest x'; do
		code=$(curl -sS -o "$T/b" -D "$T/h" -w '%{http_code}' ${h:+-H "$h"} -H 'Content-Type: application/json' \
			--data-binary "$q" "$S2_URL/api/v2/exec")
		[ "$code" = 401 ] || { echo "'$h': $code"; return 1; }
		grep -qi '^WWW-Authenticate: Basic' "$T/h"
	done
	sink_stop
	[ "$(gwstat requests) $(gwstat rows)" = "1 1" ]
}

@test "--sink refuses a non-loopback address, and the --db-* options" {
	for a in 0.0.0.0 :: 192.0.2.1 2001:db8::1; do
		run s2-gateway --sink --listen "$a" --port 0
		[ "$status" -eq 64 ] || { echo "$a: $status $output"; return 1; }
		[[ "$output" == *"loopback"* ]]
	done
	run s2-gateway --sink --db-host 127.0.0.1 --port 0
	[ "$status" -eq 64 ]
	[[ "$output" == *"--sink uses no database"* ]]
	run s2-gateway --db-port 3306 --sink --port 0
	[ "$status" -eq 64 ]
	# loopback addresses are accepted
	sink --listen 127.0.0.1
	[ -n "$S2_URL" ]
}
