#!/usr/bin/env bats
# s2-load under the conditions users meet (issue 12): answers that are not
# the Data API's, redirects, a closed output pipe, closed standard
# descriptors, a hung server and SIGTERM, Retry-After, dead keep-alive
# connections, file size limits, servers that echo credentials, checkpoints
# reused for another target, and upsert tables under -j 4 with faults.
# The target is a private MariaDB behind s2-gateway (helpers/target); the
# hostile servers are tests/helpers/httpd.js's /dataapi/KIND answers.

load 'helpers/target'

TABLE_DDL='CREATE TABLE IF NOT EXISTS `t` (`id` VARCHAR(64) NOT NULL, `n` BIGINT, `doc` JSON, PRIMARY KEY (`id`))'

setup_file() {
	target_start || return 1
	sql "$TABLE_DDL"
	export SRV="$BATS_FILE_TMPDIR/srv"
	mkdir -p "$SRV/www"
	export HTTP_PORT=$(sh "$BATS_TEST_DIRNAME/helpers/servers.sh" start httpd "$SRV/httpd" "$SRV/www")
}

teardown_file() {
	sh "$BATS_TEST_DIRNAME/helpers/servers.sh" stop "$SRV/httpd"
	target_stop
}

setup() {
	T=$BATS_TEST_TMPDIR
	sql "DELETE FROM t"
}

teardown() {
	gateway_stop
	return 0
}

# rows N [FIRST]: N row records for table t, ids m000001...
rows() {
	local first=${2:-1}
	seq "$first" $((first + $1 - 1)) | awk '{ printf "{\"_table\":\"t\",\"id\":\"m%06d\",\"n\":%d,\"doc\":{\"k\":\"v%d\"}}\n", $1, $1, $1 }'
}
batches() { rows "$1" "${3:-1}" | seg-batch -q --max-rows "$2"; }
s2load() { s2-load -q --url "$S2_URL" -d "$S2_DATABASE" --retry-delay 5ms --retry-cap 100ms "$@"; }
# hostile KIND ARGS...: s2-load against httpd's /dataapi/KIND.
hostile() { s2-load -q --url "http://127.0.0.1:$HTTP_PORT/dataapi/$1" -d "$S2_DATABASE" --retry-delay 5ms --retry-cap 100ms "${@:2}"; }
count() { sql "SELECT COUNT(*), COUNT(DISTINCT id) FROM t" | tr '\t' ' '; }
check_rows() {
	[ "$(count)" = "$1 $1" ] || { echo "count: $(count), want $1 $1"; return 1; }
	[ "$(sql "SELECT COUNT(*) FROM t WHERE id <> CONCAT('m', LPAD(n, 6, '0')) OR n < 1 OR n > $1 OR JSON_VALUE(doc, '\$.k') <> CONCAT('v', n)")" = 0 ]
}
# ids FILE: the batch ids in a checkpoint (not its target line).
ids() { grep -v '^target ' "$1" || true; }
# wait_exit PID SECS: wait for PID (a child) to exit, at most SECS, then
# kill it; its exit status in WST (137 when it had to be killed).
wait_exit() {
	local i=0
	while kill -0 "$1" 2>/dev/null && [ $i -lt $(($2 * 10)) ]; do sleep 0.1; i=$((i + 1)); done
	kill -9 "$1" 2>/dev/null || true
	WST=0
	wait "$1" || WST=$?
}

@test "a 200 that is not a Data API answer is never committed: retried, then 78 naming it" {
	batches 20 10 > "$T/b.ndjson"
	for kind in html empty hello; do
		rm -f "$T/ckpt"
		run hostile "$kind" --retry-max 2 --checkpoint "$T/ckpt" -o "$T/res" "$T/b.ndjson"
		[ "$status" -eq 78 ] || { echo "$kind: exit $status: $output"; return 1; }
		[[ "$output" == *"not the Data API's"*"HTTP 200 but not a Data API answer"* ]] || { echo "$output"; return 1; }
		[ -z "$(ids "$T/ckpt")" ]
		[ ! -s "$T/res" ]
		[[ "$output" == *"2 records not attempted"* ]]
	done
	run hostile html --retry-max 0 "$T/b.ndjson"
	[[ "$output" == *"<html><head><title>Sign in</title></head> <body>"* ]]
	run hostile hello --retry-max 0 "$T/b.ndjson"
	[[ "$output" == *'{"hello":"world"}'* ]]
}

@test "a redirect is a configuration error (78) naming its Location" {
	batches 20 10 > "$T/b.ndjson"
	run hostile redirect --checkpoint "$T/ckpt" "$T/b.ndjson"
	[ "$status" -eq 78 ]
	[[ "$output" == *"redirected the request: HTTP 302 redirect to https://login.example.com/sso"* ]]
	[ -z "$(ids "$T/ckpt")" ]
}

@test "a password over plain http:// to a non-loopback host warns once; loopback does not" {
	S2_USER=u S2_PASSWORD=pw run s2-load -q --url http://192.0.2.1:9 -d db < /dev/null
	[ "$status" -eq 0 ]
	[ "$(grep -c 'clear text over http:// to 192.0.2.1' <<< "$output")" -eq 1 ]
	S2_USER=u S2_PASSWORD=pw run s2-load -q --url http://127.0.0.1:9 -d db < /dev/null
	[ "$status" -eq 0 ]
	[ "$output" = "" ]
}

@test "a closed output pipe (| head -1) does not stop the load: every row is loaded, exit 0" {
	batches 300 10 > "$T/b.ndjson"
	gateway_start --delay-ms 20
	run bash -c 's2-load -q --url "$0" -d "$1" -j 1 "$2" | head -n 1 > "$3"; echo "${PIPESTATUS[0]}"' \
		"$S2_URL" "$S2_DATABASE" "$T/b.ndjson" "$T/first"
	[ "${lines[-1]}" = 0 ]
	[[ "$output" == *"stdout was closed: later result lines were discarded, the load went on"* ]]
	[ "$(jq -r .status "$T/first")" = loaded ]
	check_rows 300
}

@test "--max-failures stop: exit 75 and every record accounted for" {
	{ printf '%s\n' '{"_batch":"bad","table":"nope","rows":1,"body":{"sql":"INSERT INTO `nope` (`a`) VALUES (?)","args":[1]}}'
	  batches 100 10; } > "$T/in.ndjson"
	run s2load -j 1 --stats "$T/stats" --failed "$T/failed" -o "$T/res" "$T/in.ndjson"
	[ "$status" -eq 75 ]
	[[ "$output" == *"stopped after 1 failed batch (--max-failures 0)"* ]]
	[[ "$output" == *"10 records not attempted; re-run to load them"* ]]
	[ "$(jq -c '[.in, .failed, .loaded, .not_attempted]' "$T/stats")" = "[11,1,0,10]" ]
	[ "$(wc -l < "$T/failed")" -eq 1 ]
	[ "$(count)" = "0 0" ]
	# the last record failing leaves nothing unattempted: exit 1
	{ batches 20 10; printf '%s\n' '{"_batch":"bad","table":"nope","rows":1,"body":{"sql":"INSERT INTO `nope` (`a`) VALUES (?)","args":[1]}}'; } > "$T/in2.ndjson"
	run s2load -j 1 "$T/in2.ndjson"
	[ "$status" -eq 1 ]
	check_rows 20
}

@test "a checkpoint is tied to its target: another URL or database is refused with 78" {
	batches 30 10 > "$T/b.ndjson"
	run s2load --checkpoint "$T/ckpt" "$T/b.ndjson"
	[ "$status" -eq 0 ]
	check_rows 30
	[ "$(grep -c '^target ' "$T/ckpt")" -eq 1 ]
	grep -qF "target {\"url\":\"$S2_URL/api/v2/exec\",\"database\":\"$S2_DATABASE\"}" "$T/ckpt"
	sql "DELETE FROM t"
	run s2load -d other_db --checkpoint "$T/ckpt" "$T/b.ndjson"
	[ "$status" -eq 78 ]
	[[ "$output" == *"the checkpoint of another target"* ]]
	gateway_start
	run s2load --checkpoint "$T/ckpt" "$T/b.ndjson"
	[ "$status" -eq 78 ]
	[ "$(count)" = "0 0" ]
	# an old checkpoint (ids, no target line) is taken over, with a warning
	ids "$T/ckpt" | head -n 2 > "$T/old"
	run s2load --checkpoint "$T/old" -o "$T/res" "$T/b.ndjson"
	[ "$status" -eq 0 ]
	[[ "$output" == *"names no target"*"its 2 ids are taken as committed"* ]]
	[ "$(jq -r .status "$T/res" | sort | uniq -c | awk '{print $2 $1}' | tr '\n' ' ')" = "loaded1 skipped2 " ]
	[ "$(count)" = "10 10" ]
	[ "$(tail -n 2 "$T/old" | head -n 1 | cut -c1-7)" = "target " ]
}

@test "upsert tables: under -j 4 with faults, batches of the same keys commit in input order" {
	sql "DROP TABLE IF EXISTS u"
	for seed in 1 2 3 4 5; do
		{
			printf '%s\n' '{"_table":"u","_ddl":"CREATE TABLE IF NOT EXISTS `u` (`messageId` VARCHAR(64) NOT NULL, `v` TEXT, PRIMARY KEY (`messageId`))","_upsert":true}'
			for i in $(seq 1 12); do for k in 1 2 3; do
				printf '{"_table":"u","messageId":"k%d","v":"v%d"}\n' "$k" "$i"
			done; done
		} | seg-batch -q --max-rows 3 > "$T/b.ndjson"
		[ "$(grep -c '"_batch"' "$T/b.ndjson")" -eq 12 ]
		grep -q 'ON DUPLICATE KEY UPDATE' "$T/b.ndjson"
		gateway_start --fail-rate 0.3 --drop-rate 0.2 --seed "$seed"
		run s2load -j 4 --checkpoint "$T/ckpt$seed" -o "$T/res" "$T/b.ndjson"
		[ "$status" -eq 0 ] || { echo "seed $seed: $output"; return 1; }
		gateway_stop
		[ "$(sql 'SELECT GROUP_CONCAT(messageId, "=", v ORDER BY messageId) FROM u')" = "k1=v12,k2=v12,k3=v12" ] ||
			{ echo "seed $seed: $(sql 'SELECT * FROM u')"; return 1; }
		sql "DROP TABLE u"
	done
}

@test "closed standard descriptors: s2-load <&- does not hang, seg-validate >&- does not write into its rejects" {
	batches 20 10 > "$T/b.ndjson"
	(exec s2-load -q --url "$S2_URL" -d "$S2_DATABASE" <&-) &
	wait_exit $! 20; [ "$WST" -eq 0 ]
	(exec s2-load -q --url "$S2_URL" -d "$S2_DATABASE" -o "$T/res" "$T/b.ndjson" <&- 2>&-) &
	wait_exit $! 20; [ "$WST" -eq 0 ]
	check_rows 20
	printf '%s\n' '{"type":"track","event":"e","userId":"u","messageId":"m1","timestamp":"2024-01-01T00:00:00Z"}' 'not json' > "$T/in.ndjson"
	st=0; seg-validate -q --rejects "$T/rej" "$T/in.ndjson" >&- || st=$?
	[ "$st" -eq 1 ]
	[ "$(wc -l < "$T/rej")" -eq 1 ]
	[ "$(jq -r .reason "$T/rej")" = json_syntax ]
}

@test "SIGTERM against a hung server aborts in-flight requests: exit 75 at once, nothing checkpointed" {
	batches 30 10 > "$T/b.ndjson"
	(exec s2-load -q --url "http://127.0.0.1:$HTTP_PORT/dataapi/hang" -d "$S2_DATABASE" --checkpoint "$T/ckpt" \
		"$T/b.ndjson" 2> "$T/err") &
	pid=$!
	sleep 0.5
	kill -TERM "$pid"
	wait_exit "$pid" 20; [ "$WST" -eq 75 ]
	grep -q 're-run to continue' "$T/err"
	[ -z "$(ids "$T/ckpt")" ]
}

@test "Retry-After: 1000000 is capped at --retry-cap" {
	batches 10 10 > "$T/b.ndjson"
	(exec s2-load -q --url "http://127.0.0.1:$HTTP_PORT/dataapi/retryafter" --retry-max-time 0 --retry-cap 100ms -d "$S2_DATABASE" \
		-o "$T/res" "$T/b.ndjson") &
	wait_exit $! 20; [ "$WST" -eq 0 ]
	[ "$(jq -c '[.status, .attempts]' "$T/res")" = '["loaded",2]' ]
}

@test "attempts count libcurl's own re-send on a dead kept-alive connection" {
	batches 30 10 > "$T/b.ndjson"
	run hostile dropsecond -j 1 -o "$T/res" "$T/b.ndjson"
	[ "$status" -eq 0 ]
	[ "$(jq -r .attempts "$T/res" | tr '\n' ' ')" = "1 2 2 " ]
}

@test "a file size limit (SIGXFSZ) is an I/O error 74 with a message, not a silent death" {
	batches 400 1 > "$T/b.ndjson"
	run bash -c 'ulimit -f 8; exec s2-load -q --url "$0" -d "$1" -o "$2" "$3"' "$S2_URL" "$S2_DATABASE" "$T/res" "$T/b.ndjson"
	[ "$status" -eq 74 ]
	[[ "$output" == *"$T/res: write: File too large"* ]]
}

@test "a server's error text echoing credentials is redacted in results, --failed and messages" {
	batches 10 10 > "$T/b.ndjson"
	S2_USER=loader S2_PASSWORD=hunter2-secret run hostile echoauth --failed "$T/failed" -o "$T/res" "$T/b.ndjson"
	[ "$status" -eq 1 ]
	b64=$(printf 'loader:hunter2-secret' | base64)
	for f in "$T/failed" "$T/res"; do
		! grep -q -e hunter2 -e "$b64" "$f"
		grep -q 'Authorization: Basic \[redacted\] and password=\[redacted\]' "$f"
	done
	[[ "$output" != *hunter2* && "$output" != *"$b64"* ]]
}
