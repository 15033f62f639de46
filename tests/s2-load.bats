#!/usr/bin/env bats
# s2-load against a real target: a private MariaDB behind s2-gateway (started
# once for the file by helpers/target). Every test that loads data checks the
# exact rows in the database. Faults come from extra gateways started with
# s2-gateway's fault options, stopped in teardown.

load 'helpers/target'

TABLE_DDL='CREATE TABLE IF NOT EXISTS `t` (`id` VARCHAR(64) NOT NULL, `n` BIGINT, `doc` JSON, PRIMARY KEY (`id`))'

setup_file() {
	target_start || return 1
	sql "$TABLE_DDL"
}

setup() {
	T=$BATS_TEST_TMPDIR
	GW2=
	sql "DELETE FROM t"
}

teardown() {
	if [ -n "$GW2" ]; then "$BATS_TEST_DIRNAME/helpers/gateway.sh" stop "$GW2"; fi
	return 0
}

# gw OPTS...: start a second gateway (same MariaDB) with fault options; this
# test's S2_URL points at it, teardown stops it.
gw() {
	local out
	out=$("$BATS_TEST_DIRNAME/helpers/gateway.sh" start "$@") || return 1
	eval "$out"
	GW2=$S2_GATEWAY_DIR
}

# rows N [FIRST]: N row records for table t, ids m000001..., a JSON doc with
# characters that must survive (quote, backslash, ?, unicode).
rows() {
	local first=${2:-1}
	seq "$first" $((first + $1 - 1)) | awk '{
		printf "{\"_table\":\"t\",\"id\":\"m%06d\",\"n\":%d,\"doc\":{\"k\":\"v%d\",\"s\":\"it'"'"'s a \\\"q\\\" \\\\ ? \\u00e9\"}}\n", $1, $1, $1 }'
}

# batches N PER [FIRST]: seg-batch's batch records of N rows, PER a batch.
batches() { rows "$1" "${3:-1}" | seg-batch -q --max-rows "$2"; }

# s2load ARGS...: s2-load at this test's gateway, fast retries.
s2load() { s2-load -q --url "$S2_URL" -d "$S2_DATABASE" --retry-delay 5ms --retry-cap 100ms "$@"; }
# bg_s2load ARGS... &: the same, exec'd, so that $! is s2-load itself.
bg_s2load() { exec s2-load -q --url "$S2_URL" -d "$S2_DATABASE" --retry-delay 5ms --retry-cap 100ms "$@"; }

# count: rows in t, and distinct ids, as "N N".
count() { sql "SELECT COUNT(*), COUNT(DISTINCT id) FROM t" | tr '\t' ' '; }

# check_rows N: t holds exactly m000001..mN with their n and doc.
check_rows() {
	[ "$(count)" = "$1 $1" ] || { echo "count: $(count), want $1 $1"; return 1; }
	local bad
	bad=$(sql "SELECT COUNT(*) FROM t WHERE id <> CONCAT('m', LPAD(n, 6, '0')) OR n < 1 OR n > $1
	           OR JSON_VALUE(doc, '\$.k') <> CONCAT('v', n) OR JSON_VALUE(doc, '\$.s') <> 'it''s a \"q\" \\\\ ? é'")
	[ "$bad" = 0 ] || { echo "$bad rows with wrong content"; sql "SELECT * FROM t LIMIT 3"; return 1; }
}

# status_counts FILE: "loaded N skipped N failed N" of result records.
status_counts() {
	jq -rs '"loaded \(map(select(.status=="loaded"))|length) skipped \(map(select(.status=="skipped"))|length) failed \(map(select(.status=="failed"))|length)"' "$1"
}

@test "loads batches: exact rows, one result per batch, rowsAffected" {
	batches 250 10 > "$T/b.ndjson"
	run s2load -j 4 -o "$T/res" "$T/b.ndjson"
	[ "$status" -eq 0 ]
	[ "$output" = "" ]
	check_rows 250
	[ "$(status_counts "$T/res")" = "loaded 25 skipped 0 failed 0" ]
	[ "$(jq -s 'map(.rows) | add' "$T/res")" = 250 ]
	[ "$(jq -s 'map(.rowsAffected) | add' "$T/res")" = 250 ]
	# the result ids are exactly the batch ids
	diff <(jq -r ._batch "$T/b.ndjson" | sort) <(jq -r ._batch "$T/res" | sort)
	[ "$(jq -s 'map(select(.attempts != 1 or .table != "t" or .rows != 10 or (.ms|type) != "number")) | length' "$T/res")" = 0 ]
}

@test "the sample loaded through seg-batch with its DDL" {
	seg-gen --seed 3 --size 3M > "$T/sample.ndjson"
	{
		printf '%s\n' '{"_table":"segment_data","_ddl":"CREATE TABLE IF NOT EXISTS `segment_data` (`messageId` VARCHAR(100) NOT NULL, `timestamp` DATETIME(6) NOT NULL, `type` VARCHAR(16) NOT NULL, `event` TEXT, `name` TEXT, `properties` JSON, `userId` TEXT, `anonymousId` TEXT, `groupId` TEXT, `traits` JSON, `context` JSON, SHARD KEY (`messageId`), UNIQUE KEY (`messageId`) USING HASH, SORT KEY (`timestamp`))"}'
		jq -c '{_table: "segment_data", messageId, timestamp: (.timestamp | sub("T"; " ") | sub("Z$"; "")),
		        type, event, name, properties, userId, anonymousId, groupId,
		        traits: (.context.traits // .traits), context}' "$T/sample.ndjson"
	} | seg-batch -q > "$T/b.ndjson"
	sql "DROP TABLE IF EXISTS segment_data"
	run s2load -j 4 --checkpoint "$T/ckpt" -o "$T/res" "$T/b.ndjson"
	[ "$status" -eq 0 ]
	n=$(wc -l < "$T/sample.ndjson")
	[ "$(sql 'SELECT COUNT(*), COUNT(DISTINCT messageId) FROM segment_data' | tr '\t' ' ')" = "$n $n" ]
	# the DDL ran first, then every batch
	[ "$(head -n 1 "$T/res" | jq -r '._batch[0:4] + " " + .status')" = "ddl: loaded" ]
	[ "$(jq -s 'map(select(.status == "loaded").rows) | add' "$T/res")" = "$n" ]
	# content: ids, types, events, users, and the JSON columns' sizes
	diff <(jq -r '[.messageId, .type, .event // "NULL", .userId // "NULL", .timestamp[0:19]] | @tsv' "$T/sample.ndjson" | LC_ALL=C sort) \
	     <(sql "SELECT messageId, type, IFNULL(event, 'NULL'), IFNULL(userId, 'NULL'), DATE_FORMAT(timestamp, '%Y-%m-%dT%H:%i:%s') FROM segment_data" | LC_ALL=C sort)
	[ "$(jq -s 'map(.properties // {} | length) | add' "$T/sample.ndjson")" = \
	  "$(sql 'SELECT SUM(IFNULL(JSON_LENGTH(properties), 0)) FROM segment_data')" ]
	[ "$(jq -s 'map(.context | length) | add' "$T/sample.ndjson")" = "$(sql 'SELECT SUM(JSON_LENGTH(context)) FROM segment_data')" ]
	# a re-run skips everything, DDL included
	run s2load -j 4 --checkpoint "$T/ckpt" -o "$T/res2" "$T/b.ndjson"
	[ "$status" -eq 0 ]
	[ "$(jq -r .status "$T/res2" | sort -u)" = skipped ]
	[ "$(sql 'SELECT COUNT(*) FROM segment_data')" = "$n" ]
	sql "DROP TABLE segment_data"
}

@test "every retryable status under --fail-rate 0.3 is retried to exact rows" {
	batches 200 10 > "$T/b.ndjson"
	for code in 408 429 500 502 503 504; do
		sql "DELETE FROM t"
		gw --fail-rate 0.3 --fail-status "$code" --seed 7
		run s2load -j 4 -o "$T/res" "$T/b.ndjson"
		[ "$status" -eq 0 ] || { echo "status $code: exit $status: $output"; return 1; }
		check_rows 200 || { echo "after $code"; return 1; }
		[ "$(status_counts "$T/res")" = "loaded 20 skipped 0 failed 0" ]
		# some batches needed more than one try
		[ "$(jq -s 'map(.attempts) | add' "$T/res")" -gt 20 ] || { echo "$code: no retries"; return 1; }
		"$BATS_TEST_DIRNAME/helpers/gateway.sh" stop "$GW2"; GW2=
	done
}

@test "--drop-rate after commit: the server committed, the client never heard; no duplicates" {
	batches 300 10 > "$T/b.ndjson"
	gw --drop-rate 0.3 --drop-when after --seed 11
	run s2load -j 4 --checkpoint "$T/ckpt" -o "$T/res" "$T/b.ndjson"
	[ "$status" -eq 0 ]
	check_rows 300
	[ "$(status_counts "$T/res")" = "loaded 30 skipped 0 failed 0" ]
	[ "$(jq -s 'map(.attempts) | add' "$T/res")" -gt 30 ]
	# retried batches found their rows already there: rowsAffected < rows
	[ "$(jq -s 'map(.rowsAffected) | add' "$T/res")" -lt 300 ]
	[ "$(grep -vc '^target ' "$T/ckpt")" -eq 30 ]
}

@test "--drop-rate before executing: retried, exact rows" {
	batches 300 10 > "$T/b.ndjson"
	gw --drop-rate 0.3 --drop-when before --seed 5
	run s2load -j 4 -o "$T/res" "$T/b.ndjson"
	[ "$status" -eq 0 ]
	check_rows 300
	[ "$(jq -s 'map(.rowsAffected) | add' "$T/res")" -eq 300 ]
}

@test "SIGKILL at random moments, 25 runs resumed: exact rows at the end" {
	batches 4000 10 > "$T/b.ndjson"
	# 400 requests of 50 ms each, 4 at a time: about 5 s of loading, more
	# than 25 runs killed after 10 to 200 ms, so every kill lands mid-load
	gw --delay-ms 50 --drop-rate 0.05 --seed 3
	# rows per batch id, to check that the checkpoint never claims too much
	jq -r '"\(._batch) \(.rows)"' "$T/b.ndjson" | sort > "$T/rows-by-id"
	hits=0
	for i in $(seq 1 25); do
		bg_s2load -j 4 --checkpoint "$T/ckpt" -o "$T/res.$i" "$T/b.ndjson" 2>/dev/null &
		pid=$!
		sleep "$(printf '0.%03d' $(( (RANDOM % 190) + 10 )))"
		kill -9 "$pid" 2>/dev/null && hits=$((hits + 1))
		wait "$pid" 2>/dev/null || true
		# every id in the checkpoint has its rows in the table
		claimed=$(grep -v '/' "$T/ckpt" 2>/dev/null | sort | join - "$T/rows-by-id" | awk '{s += $2} END {print s + 0}')
		have=$(sql "SELECT COUNT(*) FROM t")
		[ "$claimed" -le "$have" ] || { echo "run $i: checkpoint claims $claimed rows, table has $have"; return 1; }
	done
	echo "$hits of 25 kills hit a running s2-load"
	[ "$hits" -ge 20 ]
	run s2load -j 4 --checkpoint "$T/ckpt" -o "$T/res.final" "$T/b.ndjson"
	[ "$status" -eq 0 ]
	check_rows 4000
	[ "$(grep -v '^target ' "$T/ckpt" | sort -u | wc -l)" -eq 400 ]
	[ "$(jq -s 'map(select(.status != "failed")) | length' "$T/res.final")" -eq 400 ]
	# the last run still had work to do: the kills did not come after the end
	[ "$(jq -s 'map(select(.status == "loaded")) | length' "$T/res.final")" -gt 0 ]
	# the kills landed at different stages: some runs had committed results
	# (grep, not jq: a kill -9 may tear the last result line of a run)
	[ "$(cat "$T"/res.[0-9]* | grep -c '"status":"loaded"')" -gt 0 ]
}

@test "SIGTERM: in-flight requests aborted, checkpoint synced, exit 75, re-run completes" {
	batches 400 10 > "$T/b.ndjson"
	gw --delay-ms 100
	bg_s2load -j 2 --checkpoint "$T/ckpt" -o "$T/res1" "$T/b.ndjson" 2> "$T/err" &
	pid=$!
	sleep 0.5
	kill -TERM "$pid"
	st=0; wait "$pid" || st=$?
	[ "$st" -eq 75 ]
	grep -q 're-run to continue' "$T/err"
	n=$(grep -vc '^target ' "$T/ckpt")
	[ "$n" -gt 0 ] && [ "$n" -lt 40 ]
	# everything in the checkpoint is in the table, and has a result line;
	# an aborted request may have committed unheard (the re-run absorbs it)
	rows=$(sql 'SELECT COUNT(*) FROM t')
	[ "$rows" -ge $((n * 10)) ] && [ "$rows" -le $((n * 10 + 20)) ] && [ $((rows % 10)) -eq 0 ]
	[ "$(wc -l < "$T/res1")" -eq "$n" ]
	run s2load -j 4 --checkpoint "$T/ckpt" -o "$T/res2" "$T/b.ndjson"
	[ "$status" -eq 0 ]
	check_rows 400
	[ "$(status_counts "$T/res2")" = "loaded $((40 - n)) skipped $n failed 0" ]
}

@test "auth failure: exit 77, nothing loaded, the password never printed" {
	batches 30 10 > "$T/b.ndjson"
	S2_PASSWORD=wrong-secret-42 run s2-load --url "$S2_URL" -d "$S2_DATABASE" "$T/b.ndjson"
	[ "$status" -eq 77 ]
	[[ "$output" == *"authentication or permission refused: HTTP 401"* ]]
	[[ "$output" != *wrong-secret-42* ]]
	[ "$(count)" = "0 0" ]
	# a user without rights on the database: 403, also 77
	S2_USER=nobody-here S2_PASSWORD=x run s2-load --url "$S2_URL" -d "$S2_DATABASE" "$T/b.ndjson"
	[ "$status" -eq 77 ]
}

@test "an SQL error goes to --failed with the error, exit 1; the other batches load" {
	batches 50 10 > "$T/good.ndjson"
	printf '%s\n' '{"_batch":"badbatch","table":"nope","rows":1,"bytes":60,"body":{"sql":"INSERT INTO `nope` (`a`) VALUES (?)","args":[1]}}' > "$T/bad.ndjson"
	cat "$T/good.ndjson" "$T/bad.ndjson" "$T/good.ndjson" | head -n 7 > "$T/in.ndjson"
	batches 20 10 51 >> "$T/in.ndjson"
	run s2load -j 2 --max-failures 5 --failed "$T/failed" -o "$T/res" "$T/in.ndjson"
	[ "$status" -eq 1 ]
	check_rows 70
	[ "$(wc -l < "$T/failed")" -eq 1 ]
	jq -e '._batch == "badbatch" and .body.args == [1] and (.error | test("^HTTP 400: Error 1146"))' "$T/failed"
	jq -se 'map(select(._batch == "badbatch")) | length == 1 and .[0].status == "failed" and (.[0].error | test("Error 1146"))' "$T/res"
	[ "$(status_counts "$T/res")" = "loaded 8 skipped 0 failed 1" ]
	# the failed file is valid input again
	sql "CREATE TABLE nope (a INT)"
	run s2load "$T/failed"
	[ "$status" -eq 0 ]
	[ "$(sql 'SELECT a FROM nope')" = 1 ]
	sql "DROP TABLE nope"
}

@test "failed records are their input bytes exactly, whatever the layout; bad ones are bad_record with the whole line's error" {
	gw --sink
	q='"sql":"INSERT INTO t VALUES (?)"'
	# each fails at the sink (2 args for 1 placeholder): spaces, an escaped
	# key, the body not last, a repeated body (the last one counts)
	{ printf '{"_batch":"w1"  ,  "rows" : 1 , "body" : { %s , "args" : [ 1 , 2 ] }  }\n' "$q"
	  printf '{"_batch":"w2","b\\u006fdy":{%s,"args":[1,2]}}\n' "$q"
	  printf '{"_batch":"w3","body":{%s,"args":[1,2]},"rows":1}\n' "$q"
	  printf '{"_batch":"w4","body":{%s,"args":[1]},"body":{%s,"args":[1,2,3]}}\n' "$q" "$q"
	  printf '{"_batch":"ok","body":{%s,"args":["\\u00e9\\"}"]}}\n' "$q"; } > "$T/in.ndjson"
	run s2load -j 2 --max-failures 10 --failed "$T/failed" -o "$T/res" "$T/in.ndjson"
	[ "$status" -eq 1 ]
	[ "$(wc -l < "$T/failed")" -eq 4 ]
	# the failed line is the input line with "error" added before its brace
	# (in the order the requests ended: -j 2)
	diff <(grep -v '"ok"' "$T/in.ndjson" | sed 's/}$//' | sort) <(sed 's/,"error":"[^"]*"}$//' "$T/failed" | sort)
	jq -e 'select(._batch == "w4") | .error == "HTTP 400: sql: expected 1 arguments, got 3"' "$T/failed"
	[ "$(status_counts "$T/res")" = "loaded 1 skipped 0 failed 4" ]
	# malformed records: the same details as a parse of the whole line
	nest() { printf '{"_batch":"d%s","body":{%s,"args":[%s1%s]}}\n' "$1" "$q" "$(printf '[%.0s' $(seq "$1"))" "$(printf ']%.0s' $(seq "$1"))"; }
	{ printf '{"_batch":"x1","body":{%s,"args":[1,]}}\n' "$q"
	  printf '{"_batch":"x2",,"body":{%s,"args":[1]}}\n' "$q"
	  printf '{"_batch":"x3","body":{%s,"args":["a\xffb"]}}\n' "$q"
	  printf '{"_batch":"x4","body":{%s,"args":[1]}}}\n' "$q"
	  printf '{"_batch":"x5","body":{%s,"args":[1]} \n' "$q"
	  nest 512; nest 513; } > "$T/bad.ndjson"
	run s2load -j 1 --max-failures 10 --failed "$T/failed2" -o "$T/res2" "$T/bad.ndjson"
	[ "$status" -eq 1 ]
	run jq -r '"\(.line) \(.detail)"' "$T/failed2"
	[ "$output" = "1 not JSON: at byte 66: expected a value, found ']'
2 not JSON: at byte 15: expected a string as object key, found ','
3 not JSON: at byte 66: invalid UTF-8 in string, found byte 0xFF
4 not JSON: at byte 68: unexpected data after the value, found '}'
5 not JSON: at byte 68: unterminated object, found end of input
7 not JSON: at byte 578: nesting deeper than the limit, found '['" ]
	[ "$(status_counts "$T/res2")" = "loaded 1 skipped 0 failed 0" ]
}

@test "--max-failures 0 (default) stops at the first failed batch" {
	{ printf '%s\n' '{"_batch":"bad","table":"nope","rows":1,"body":{"sql":"INSERT INTO `nope` (`a`) VALUES (?)","args":[1]}}'
	  batches 100 10; } > "$T/in.ndjson"
	run s2load -j 1 -o "$T/res" "$T/in.ndjson"
	[ "$status" -eq 75 ]
	[[ "$output" == *"batch bad failed: HTTP 400: Error 1146"* ]]
	[[ "$output" == *"stopped after 1 failed batch (--max-failures 0)"* ]]
	[[ "$output" == *"10 records not attempted"* ]]
	[ "$(count)" = "0 0" ]
}

@test "a bad input line is a bad_record reject in --failed and counts as a failure" {
	{ echo 'not json'; echo '{"_table":"t","id":"x"}'; batches 10 10; } > "$T/in.ndjson"
	run s2load --max-failures 2 --failed "$T/failed" -o "$T/res" "$T/in.ndjson"
	[ "$status" -eq 1 ]
	check_rows 10
	[ "$(jq -r '"\(.reason) \(.line)"' "$T/failed" | tr '\n' ,)" = "bad_record 1,bad_record 2," ]
	jq -se '.[1].detail | test("row record")' "$T/failed"
}

@test "oversize: a body over --max-body is split in halves before sending" {
	batches 64 64 > "$T/b.ndjson"
	size=$(jq '.body | tojson | length' "$T/b.ndjson")
	run s2load --max-body $((size / 5)) --checkpoint "$T/ckpt" -o "$T/res" "$T/b.ndjson"
	[ "$status" -eq 0 ]
	check_rows 64
	jq -e '.status == "loaded" and .rows == 64 and .rowsAffected == 64 and .parts == 8' "$T/res"
	id=$(jq -r ._batch "$T/b.ndjson")
	# the eight eighths, then the batch itself
	[ "$(grep -c "^$id/[12]/[12]/[12]\$" "$T/ckpt")" -eq 8 ]
	[ "$(tail -n 1 "$T/ckpt")" = "$id" ]
	# the gateway saw eight inserts of 8 rows
	[ "$(grep -c 'INSERT' "$S2_GATEWAY_LOG")" -ge 8 ]
}

@test "oversize: the server's 'request body too large' splits the batch" {
	batches 100 100 > "$T/b.ndjson"
	size=$(jq '.body | tojson | length' "$T/b.ndjson")
	gw --max-body $((size / 3))
	run s2load --max-body 0 --checkpoint "$T/ckpt" -o "$T/res" "$T/b.ndjson"
	[ "$status" -eq 0 ]
	check_rows 100
	jq -e '.status == "loaded" and .rows == 100 and .parts == 4' "$T/res"
	id=$(jq -r ._batch "$T/b.ndjson")
	[ "$(grep -c "^$id/" "$T/ckpt")" -eq 4 ]
	# a re-run after losing the parent's line skips the parts
	grep -v "^$id\$" "$T/ckpt" > "$T/ckpt2"
	run s2load --max-body 0 --checkpoint "$T/ckpt2" -o "$T/res2" "$T/b.ndjson"
	[ "$status" -eq 0 ]
	jq -e '.status == "skipped" and .parts == 4' "$T/res2"
	check_rows 100
}

@test "a single row too large fails into --failed, exit 1" {
	batches 1 1 > "$T/b.ndjson"
	run s2load --max-body 50 --failed "$T/failed" "$T/b.ndjson"
	[ "$status" -eq 1 ]
	jq -e '.error | test("over --max-body 50 and cannot be split: a single row")' "$T/failed"
	[ "$(count)" = "0 0" ]
}

@test "HTTPS against a test CA: verified with --cacert, refused without, --insecure on request" {
	cd "$T"
	openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem -days 2 -subj /CN=segpipe-test-ca 2>/dev/null
	openssl req -newkey rsa:2048 -nodes -keyout srv.key -out srv.csr -subj /CN=127.0.0.1 2>/dev/null
	printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\n' > ext
	openssl x509 -req -in srv.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out srv.pem -days 2 -extfile ext 2>/dev/null
	gw --cert "$T/srv.pem" --key "$T/srv.key"
	[[ "$S2_URL" == https://* ]]
	batches 30 10 > b.ndjson
	run s2load --cacert ca.pem -o res b.ndjson
	[ "$status" -eq 0 ]
	check_rows 30
	sql "DELETE FROM t"
	run s2load -o res b.ndjson
	[ "$status" -eq 78 ]
	[[ "$output" == *"SSL certificate"* || "$output" == *"certificate"* ]]
	[ "$(count)" = "0 0" ]
	run s2load --insecure -o res b.ndjson
	[ "$status" -eq 0 ]
	check_rows 30
	# --host/--port build the https URL
	sql "DELETE FROM t"
	run s2-load -q --host 127.0.0.1 --port "$S2_PORT" --cacert ca.pem -d "$S2_DATABASE" -o res b.ndjson
	[ "$status" -eq 0 ]
	check_rows 30
}

@test ".netrc supplies the credentials; --password-file too" {
	batches 20 10 > "$T/b.ndjson"
	mkdir "$T/home"
	printf 'machine 127.0.0.1\nlogin %s\npassword %s\n' "$S2_USER" "$S2_PASSWORD" > "$T/home/.netrc"
	chmod 600 "$T/home/.netrc"
	HOME="$T/home" run env -u S2_USER -u S2_PASSWORD s2-load -q --url "$S2_URL" -d "$S2_DATABASE" -o "$T/res" "$T/b.ndjson"
	[ "$status" -eq 0 ]
	check_rows 20
	sql "DELETE FROM t"
	printf 'machine 127.0.0.1 login %s password wrong\n' "$S2_USER" > "$T/other.netrc"
	run env -u S2_USER -u S2_PASSWORD s2-load -q --url "$S2_URL" -d "$S2_DATABASE" --netrc-file "$T/other.netrc" "$T/b.ndjson"
	[ "$status" -eq 77 ]
	[ "$(count)" = "0 0" ]
	printf '%s\n' "$S2_PASSWORD" > "$T/pw"
	run env -u S2_PASSWORD s2-load -q --url "$S2_URL" -d "$S2_DATABASE" --password-file "$T/pw" -o "$T/res" "$T/b.ndjson"
	[ "$status" -eq 0 ]
	check_rows 20
	run env -u S2_PASSWORD s2-load -q --url "$S2_URL" -d "$S2_DATABASE" --password-file "$T/no-such-file" "$T/b.ndjson"
	[ "$status" -eq 78 ]
}

@test "DDL records run in order before later batches; --no-ddl skips them" {
	sql "DROP TABLE IF EXISTS t2"
	{
		printf '%s\n' '{"_table":"t2","_ddl":"CREATE TABLE IF NOT EXISTS `t2` (`id` VARCHAR(64) NOT NULL, PRIMARY KEY (`id`))"}'
		printf '{"_table":"t2","id":"a%d"}\n' 1 2 3
		printf '%s\n' '{"_table":"t2","_ddl":"ALTER TABLE `t2` ADD COLUMN `x` BIGINT"}'
		printf '{"_table":"t2","id":"b%d","x":%d}\n' 1 1 2 2
	} | seg-batch -q > "$T/b.ndjson"
	[ "$(wc -l < "$T/b.ndjson")" -eq 4 ]
	run s2load -j 8 -o "$T/res" "$T/b.ndjson"
	[ "$status" -eq 0 ]
	[ "$(sql 'SELECT id, IFNULL(x, 0) FROM t2 ORDER BY id' | tr '\t\n' ' ,')" = "a1 0,a2 0,a3 0,b1 1,b2 2," ]
	[ "$(jq -r 'if ._batch[0:4] == "ddl:" then "D" else "B" end + .status' "$T/res" | tr '\n' ' ')" = \
	  "Dloaded Bloaded Dloaded Bloaded " ]
	# run again without a checkpoint: the ALTER's "duplicate column" counts as done
	run s2load -o "$T/res2" "$T/b.ndjson"
	[ "$status" -eq 0 ]
	[ "$(sql 'SELECT COUNT(*) FROM t2')" = 5 ]
	run s2load --no-ddl -o "$T/res3" "$T/b.ndjson"
	[ "$status" -eq 0 ]
	[ "$(jq -r 'select(._batch[0:4] == "ddl:") | .status' "$T/res3" | tr '\n' ' ')" = "skipped skipped " ]
	sql "DROP TABLE t2"
}

@test "target down after all retries: exit 69, or 75 with a checkpoint" {
	batches 20 10 > "$T/b.ndjson"
	gw
	url=$S2_URL
	"$BATS_TEST_DIRNAME/helpers/gateway.sh" stop "$GW2"; GW2=
	run s2-load --url "$url" -d "$S2_DATABASE" --retry-max 2 --retry-delay 1ms "$T/b.ndjson"
	[ "$status" -eq 69 ]
	[[ "$output" == *"target unavailable after all retries: curl:"* ]]
	run s2-load --url "$url" -d "$S2_DATABASE" --retry-max 1 --retry-delay 1ms --checkpoint "$T/ckpt" "$T/b.ndjson"
	[ "$status" -eq 75 ]
	[ -z "$(grep -v '^target ' "$T/ckpt")" ]
}

@test "a second loader on the same checkpoint is refused with 75" {
	batches 20 10 > "$T/b.ndjson"
	gw --delay-ms 300
	bg_s2load -j 1 --checkpoint "$T/ckpt" -o /dev/null "$T/b.ndjson" &
	pid=$!
	sleep 0.2
	run s2load --checkpoint "$T/ckpt" "$T/b.ndjson"
	[ "$status" -eq 75 ]
	[[ "$output" == *"in use by another s2-load"* ]]
	kill "$pid"; wait "$pid" || true
}

@test "usage errors: no target, credentials in the URL, bad numbers" {
	run s2-load /dev/null
	[ "$status" -eq 64 ]
	run s2-load --url "http://u:p@127.0.0.1:1" /dev/null
	[ "$status" -eq 64 ]
	[[ "$output" == *"credentials in a URL"* ]]
	[[ "$output" != *":p@"* ]]
	run s2-load --url "ftp://x" /dev/null
	[ "$status" -eq 64 ]
	run s2-load --url "$S2_URL" -j 0 /dev/null
	[ "$status" -eq 64 ]
	run s2-load --url "$S2_URL" --password-file a --token-file b /dev/null
	[ "$status" -eq 64 ]
	run s2-load --url "$S2_URL" -d "$S2_DATABASE" /no/such/file
	[ "$status" -eq 66 ]
}

@test "a torn last checkpoint line is ignored and cut" {
	batches 30 10 > "$T/b.ndjson"
	first=$(head -n 1 "$T/b.ndjson" | jq -r ._batch)
	second=$(sed -n 2p "$T/b.ndjson" | jq -r ._batch)
	printf '%s\n%s' "$first" "${second:0:10}" > "$T/ckpt"
	run s2load --checkpoint "$T/ckpt" -o "$T/res" "$T/b.ndjson"
	[ "$status" -eq 0 ]
	[[ "$output" == *"ignored a torn last line of 10 bytes"* ]]
	[ "$(status_counts "$T/res")" = "loaded 2 skipped 1 failed 0" ]
	[ "$(count)" = "20 20" ]
	[ "$(grep -v '^target ' "$T/ckpt" | sed -n 2p | wc -c)" -eq 33 ]
}

@test "slow input from a pipe: requests finish and results are written while input waits" {
	batches 20 10 > "$T/b1.ndjson"
	batches 20 10 21 > "$T/b2.ndjson"
	{ cat "$T/b1.ndjson"; sleep 1.5; cat "$T/b2.ndjson"; } | s2load -j 4 -o "$T/res" &
	pid=$!
	sleep 1
	# the first two batches are committed and reported before the input ends
	[ "$(wc -l < "$T/res")" -eq 2 ]
	[ "$(count)" = "20 20" ]
	wait "$pid"
	check_rows 40
	[ "$(wc -l < "$T/res")" -eq 4 ]
}

@test "--token-file sends the JWT as Bearer (the gateway refuses it: 77)" {
	batches 10 10 > "$T/b.ndjson"
	printf 'eyJhbGciOiJIUzI1NiJ9.e30.sig\n' > "$T/jwt"
	run env -u S2_PASSWORD s2-load --url "$S2_URL" -d "$S2_DATABASE" --token-file "$T/jwt" "$T/b.ndjson"
	[ "$status" -eq 77 ]
	[[ "$output" == *"JWT (Bearer) authentication is not supported"* ]]
	[[ "$output" != *eyJhbGci* ]]
}

@test "--progress draws rows/s, batches, in flight, failed, retries on stderr" {
	batches 30 10 > "$T/b.ndjson"
	s2-load --url "$S2_URL" -d "$S2_DATABASE" --progress -o /dev/null "$T/b.ndjson" 2> "$T/err"
	grep -q 'rows/s, .* MB/s, 3 batches, 0 in flight, 0 failed, 0 retries' "$T/err"
	run s2-load --url "$S2_URL" -d "$S2_DATABASE" -o /dev/null "$T/b.ndjson"
	[[ "$output" != *rows/s* ]]
	check_rows 30
}

@test "no database is a usage error up front (64); no credentials name the three sources (77, as seg-fetch and s2-query)" {
	run s2-load --url "$S2_URL" /dev/null
	[ "$status" -eq 64 ]
	[[ "$output" == *"no database: give -d NAME"* ]]
	mkdir "$T/home"
	HOME="$T/home" run env -u S2_USER -u S2_PASSWORD s2-load --url "$S2_URL" -d "$S2_DATABASE" /dev/null
	[ "$status" -eq 77 ]
	[[ "$output" == *"no credentials: set S2_USER and S2_PASSWORD, give --password-file FILE (or --token-file), or put the host in ~/.netrc"* ]]
}

@test "a host name that does not resolve: each retry said (not with -q), then 78, with a checkpoint too" {
	batches 2 1 > "$T/b.ndjson"
	run s2-load --url http://no-such-host.invalid:9 -d db -j 1 --retry 2 --retry-delay 0.002 "$T/b.ndjson"
	[ "$status" -eq 78 ]
	[ "$(grep -cE 'Could not resolve host: no-such-host.invalid; retrying in [0-9] ms, [12] of 2$' <<< "$output")" -eq 2 ]
	[[ "$output" == *"the target's host name does not resolve (after all retries)"* ]]
	run s2-load -q --url http://no-such-host.invalid:9 -d db --retry 1 --retry-delay 1ms --checkpoint "$T/ckpt" "$T/b.ndjson"
	[ "$status" -eq 78 ]
	[[ "$output" != *retrying* ]]
}
