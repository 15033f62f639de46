#!/usr/bin/env bats
# seg-receive: what Segment's libraries and Webhooks destination send, written
# to Segment's S3 layout that seg-fetch reads back; Segment's limits and
# answers; the write keys; fault injection; nothing acknowledged is lost to a
# kill -9. Every test starts its own receiver on 127.0.0.1.

load 'helpers/receiver'

setup() {
	T=$BATS_TEST_TMPDIR
	export SEGMENT_WRITE_KEY=wk_test_1
}

teardown() {
	stop_receiver
}

# post PATH BODY [curl options]: status code on stdout, body in $T/answer
post() {
	local path=$1 body=$2
	shift 2
	printf '%s' "$body" > "$T/body"
	curl -s -o "$T/answer" -w '%{http_code}' -H 'Content-Type: application/json' \
		--data-binary @"$T/body" "$@" "$RECV_URL$path"
}

@test "batch, single calls, webhook: messages in Segment's layout, read back by seg-fetch" {
	start_receiver "$T/d"
	run post /v1/batch '{"batch":[{"type":"track","event":"A","userId":"u1","messageId":"m1"},{"type":"identify","userId":"u2","messageId":"m2","traits":{"x":1}}],"context":{"ip":"1.2.3.4"},"sentAt":"2026-01-01T00:00:00.000Z","writeKey":"ignored"}' -u wk_test_1:
	[ "$output" = 200 ]
	[ "$(cat "$T/answer")" = '{"success":true}' ]
	run post /v1/track '{"event":"B","userId":"u3","messageId":"m3"}' -u wk_test_1:
	[ "$output" = 200 ]
	run post /v1/page '{"name":"Home","anonymousId":"a4","messageId":"m4","writeKey":"wk_test_1"}'
	[ "$output" = 200 ]
	run post /webhook '{"type":"alias","userId":"u5","previousId":"a5","messageId":"m5","receivedAt":"2001-01-01T00:00:00.000Z"}' -u wk_test_1:
	[ "$output" = 200 ]
	run post /v1/identify '{"userId":"u6","traits":{"plan":"pro"}}' -u wk_test_1:
	[ "$output" = 200 ]
	# one hourly file of the default source, in the day folder of today (UTC)
	day=$(( $(date -u +%s) / 86400 * 86400000 ))
	run find "$T/d/segment-logs" -type f
	[ "${#lines[@]}" -eq 1 ]
	[[ "${lines[0]}" =~ ^$T/d/segment-logs/seg-receive/$day/[0-9]{10}-0\.gz$ ]]
	run received "$T/d"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = '{"type":"track","event":"A","userId":"u1","messageId":"m1","context":{"ip":"1.2.3.4"},"sentAt":"2026-01-01T00:00:00.000Z"}' ]
	[ "${lines[1]}" = '{"type":"identify","userId":"u2","messageId":"m2","traits":{"x":1},"context":{"ip":"1.2.3.4"},"sentAt":"2026-01-01T00:00:00.000Z"}' ]
	[ "${lines[2]}" = '{"event":"B","userId":"u3","messageId":"m3","type":"track"}' ]
	[ "${lines[3]}" = '{"name":"Home","anonymousId":"a4","messageId":"m4","type":"page"}' ]
	[ "${lines[4]}" = '{"type":"alias","userId":"u5","previousId":"a5","messageId":"m5"}' ]
	[[ "${lines[5]}" =~ ^\{\"userId\":\"u6\",\"traits\":\{\"plan\":\"pro\"\},\"type\":\"identify\",\"messageId\":\"api-[0-9a-f]{32}\"\}$ ]]
	[ "${#lines[@]}" -eq 6 ]
	# receivedAt is the receiver's, in Segment's form, also where one was sent
	run seg-fetch -q "$T/d/segment-logs"
	for l in "${lines[@]}"; do
		[[ "$l" =~ ,\"receivedAt\":\"20[0-9]{2}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}Z\"\}$ ]]
		[[ "$l" != *2001-01-01* ]]
	done
}

@test "write keys: Basic auth or writeKey in the body; several keys write to their sources; a wrong key is 401" {
	printf '# key source\nkey_a srcA\nkey_b srcB\nkey_c\n' > "$T/keys"
	start_receiver "$T/d" --write-key-file "$T/keys" --source-id dflt
	run post /v1/track '{"event":"a","userId":"u","messageId":"ma"}' -u key_a:
	[ "$output" = 200 ]
	run post /v1/batch '{"batch":[{"type":"track","event":"b","userId":"u","messageId":"mb"}],"writeKey":"key_b"}'
	[ "$output" = 200 ]
	run post /v1/track '{"event":"c","userId":"u","messageId":"mc"}' -u key_c:
	[ "$output" = 200 ]
	run post /v1/track '{"event":"x","userId":"u","messageId":"mx"}' -u wk_test_1:
	[ "$output" = 401 ]
	grep -q 'invalid write key' "$T/answer"
	run post /v1/track '{"event":"x","userId":"u","messageId":"mx"}'
	[ "$output" = 401 ]
	run post /v1/track '{"event":"x","userId":"u","messageId":"mx"}' -H 'Authorization: Bearer key_a'
	[ "$output" = 401 ]
	[ "$(seg-fetch -q "$T/d/segment-logs/srcA" | jq -r .messageId)" = ma ]
	[ "$(seg-fetch -q "$T/d/segment-logs/srcB" | jq -r .messageId)" = mb ]
	[ "$(seg-fetch -q "$T/d/segment-logs/dflt" | jq -r .messageId)" = mc ]
	[ "$(seg-fetch -q "$T/d/segment-logs" | wc -l)" -eq 3 ]
}

@test "Segment's limits: 32 KB per message, 500 KB per batch, invalid JSON and items without type are 400; over 2,500 the rest is dropped with a 200" {
	start_receiver "$T/d" --stats "$T/stats"
	big=$(head -c 32600 /dev/zero | tr '\0' x)
	# exactly 32768 bytes passes, 32769 does not
	m='{"type":"track","event":"e","userId":"u","messageId":"ok32k","properties":{"p":"'$big'"}}'
	pad=$((32768 - ${#m}))
	m='{"type":"track","event":"e","userId":"u","messageId":"ok32k","properties":{"p":"'$big$(head -c $pad /dev/zero | tr '\0' y)'"}}'
	[ ${#m} -eq 32768 ]
	run post /v1/track "$m" -u wk_test_1:
	[ "$output" = 200 ]
	run post /v1/track "${m%\"\}\}}z\"}}" -u wk_test_1:
	[ "$output" = 400 ]
	grep -q '32 KB' "$T/answer"
	run post /v1/batch '{"batch":['"${m%\"\}\}}z\"}}"']}' -u wk_test_1:
	[ "$output" = 400 ]
	# 16 messages of 32 KB: over 500 KB
	b='{"batch":['$m; for i in $(seq 2 16); do b=$b,$m; done; b=$b']}'
	run post /v1/batch "$b" -u wk_test_1:
	[ "$output" = 400 ]
	grep -q '500 KB' "$T/answer"
	run post /v1/batch '{"batch":[{"type":"track","event":"e"' -u wk_test_1:
	[ "$output" = 400 ]
	grep -q 'invalid JSON' "$T/answer"
	run post /v1/batch '{"batch":[{"event":"e","userId":"u"}]}' -u wk_test_1:
	[ "$output" = 400 ]
	run curl -s -o /dev/null -w '%{http_code}' -u wk_test_1: -H 'Content-Type: text/plain' -d '{"event":"e","userId":"u"}' "$RECV_URL/v1/track"
	[ "$output" = 400 ]
	run curl -s -o /dev/null -w '%{http_code}' "$RECV_URL/v1/batch"
	[ "$output" = 405 ]
	run post /v2/batch '{"batch":[]}' -u wk_test_1:
	[ "$output" = 404 ]
	# 2,600 items: 200, the first 2,500 kept
	seq 1 2600 | awk 'BEGIN{printf "{\"batch\":["} {printf "%s{\"type\":\"track\",\"event\":\"e\",\"userId\":\"u\",\"messageId\":\"n%d\"}", (NR>1?",":""), $1} END{printf "]}"}' > "$T/b2600"
	run post /v1/batch "$(cat "$T/b2600")" -u wk_test_1:
	[ "$output" = 200 ]
	run received "$T/d"
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 2501 ]
	[ "${lines[0]}" = "$m" ]
	[ "${lines[2500]}" = '{"type":"track","event":"e","userId":"u","messageId":"n2500"}' ]
	stop_receiver
	[ "$(jq -c '[.messages, .dropped, .http_200, .http_400]' "$T/stats")" = '[2501,100,2,6]' ]
}

@test "fault injection: --fail-rate answers 429 with Retry-After and X-RateLimit-Reset, or 5xx; nothing is written for them" {
	start_receiver "$T/d" --fail-rate 1 --fail-status 429 --retry-after 7
	run curl -s -D "$T/headers" -o /dev/null -w '%{http_code}' -u wk_test_1: -H 'Content-Type: application/json' \
		-d '{"event":"e","userId":"u"}' "$RECV_URL/v1/track"
	[ "$output" = 429 ]
	grep -qi '^Retry-After: 7' "$T/headers"
	grep -qi '^X-RateLimit-Reset: 7' "$T/headers"
	stop_receiver
	start_receiver "$T/e" --fail-rate 0.5 --fail-status 500,503 --seed 3
	codes=
	for i in $(seq 1 40); do codes="$codes $(post /v1/track '{"event":"e","userId":"u","messageId":"f'$i'"}' -u wk_test_1:)"; done
	ok=$(echo $codes | tr ' ' '\n' | grep -c '^200$')
	[[ "$codes" == *500* && "$codes" == *503* ]]
	[ "$ok" -gt 5 ] && [ "$ok" -lt 35 ]
	[ "$(received "$T/e" | wc -l)" -eq "$ok" ]
}

@test "a torn gzip member left by a crash is cut off on start; the acknowledged messages stay readable" {
	start_receiver "$T/d"
	run post /v1/track '{"event":"e","userId":"u","messageId":"before"}' -u wk_test_1:
	[ "$output" = 200 ]
	kill9_receiver
	f=$(find "$T/d/segment-logs" -type f)
	# what a kill in the middle of a write leaves: part of a member
	printf '{"messageId":"torn"}\n' | gzip -n | head -c 20 >> "$f"
	run seg-fetch -q "$T/d/segment-logs"
	[ "$status" -ne 0 ]
	start_receiver "$T/d"
	grep -q 'bytes of torn gzip members cut off' "$T/d.log"
	run post /v1/track '{"event":"e","userId":"u","messageId":"after"}' -u wk_test_1:
	[ "$output" = 200 ]
	run received "$T/d"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = '{"event":"e","userId":"u","messageId":"before","type":"track"}' ]
	[ "${lines[1]}" = '{"event":"e","userId":"u","messageId":"after","type":"track"}' ]
	[ "${#lines[@]}" -eq 2 ]
	# the second run wrote a file of its own
	[ "$(find "$T/d/segment-logs" -type f | wc -l)" -eq 2 ]
}

@test "kill -9 while clients post: every acknowledged message is on disk, the archive reads cleanly" {
	start_receiver "$T/d"
	# four clients post 10-message batches, logging the ids of each batch answered 200
	for c in 1 2 3 4; do
		(
			i=0
			while [ ! -e "$T/stop" ]; do
				i=$((i + 1))
				body=$(seq 1 10 | awk -v c=$c -v i=$i 'BEGIN{printf "{\"batch\":["} {printf "%s{\"type\":\"track\",\"event\":\"e\",\"userId\":\"u\",\"messageId\":\"c%d-%d-%d\"}", (NR>1?",":""), c, i, $1} END{printf "]}"}')
				port=$(cat "$T/d.port" 2>/dev/null) || continue
				code=$(curl -s -o /dev/null -w '%{http_code}' -u wk_test_1: -H 'Content-Type: application/json' \
					--data-binary "$body" "http://127.0.0.1:$port/v1/batch")
				if [ "$code" = 200 ]; then for k in $(seq 1 10); do echo "c$c-$i-$k"; done >> "$T/acked.$c"; fi
			done
		) &
	done
	for round in 1 2 3 4 5; do
		sleep 0.4
		kill9_receiver
		start_receiver "$T/d"
	done
	sleep 0.3
	touch "$T/stop"
	kill9_receiver
	wait
	start_receiver "$T/d"
	cat "$T"/acked.* | sort > "$T/acked"
	[ "$(wc -l < "$T/acked")" -gt 100 ]
	run received "$T/d"
	[ "$status" -eq 0 ]
	printf '%s\n' "${lines[@]}" | jq -r .messageId | sort > "$T/ondisk"
	# every acknowledged id is on disk (unacknowledged ones may be too)
	[ -z "$(comm -23 "$T/acked" "$T/ondisk")" ]
}

@test "usage: -d is required (64); no write key is a configuration error (78); a second receiver on the directory is refused (75)" {
	run seg-receive -p 0
	[ "$status" -eq 64 ]
	run env -u SEGMENT_WRITE_KEY seg-receive -d "$T/d" -p 0
	[ "$status" -eq 78 ]
	[[ "$output" == *"no write key"* ]]
	start_receiver "$T/d"
	run seg-receive -d "$T/d" -p 0
	[ "$status" -eq 75 ]
	[[ "$output" == *"in use by another seg-receive"* ]]
	run seg-receive --help
	[ "$status" -eq 0 ]
}

@test "what @segment/analytics-node sends (npm, the library itself) is accepted and read back; a wrong key is refused to it" {
	top=$(cd "$BATS_TEST_DIRNAME/.." && pwd)
	start_receiver "$T/d"
	run node "$top/tests/helpers/analytics-node.js" "$RECV_URL" 50
	[ "$status" -eq 0 ]
	printf '%s\n' "${lines[@]}" | sort > "$T/sent"
	[ "$(wc -l < "$T/sent")" -eq 300 ]
	run received "$T/d"
	[ "$status" -eq 0 ]
	printf '%s\n' "${lines[@]}" | jq -r '"\(.type) \(.userId)"' | sort > "$T/got"
	cmp "$T/sent" "$T/got"
	# the library's messageIds, context and _metadata are kept; sentAt from the envelope
	printf '%s\n' "${lines[@]}" | jq -e -s 'all(.[]; (.messageId | startswith("node-next-")) and .context.library.name == "@segment/analytics-node" and (.sentAt | type) == "string" and (._metadata | type) == "object")'
	[ "$(printf '%s\n' "${lines[@]}" | jq -r .messageId | sort -u | wc -l)" -eq 300 ]
	printf '%s\n' "${lines[@]}" | jq -e -s 'map(select(.type == "track" and .userId == "u7"))[0].properties == {"revenue":7.5,"name":"café"}'
	SEGMENT_WRITE_KEY=not_the_key run node "$top/tests/helpers/analytics-node.js" "$RECV_URL" 1
	[ "$status" -eq 1 ]
	[ "$(received "$T/d" | wc -l)" -eq 300 ]
}

@test "slow clients: per-address limit and request-head deadline; a normal client is still served" {
	start_receiver "$T/d" --max-conns-per-ip 50 --head-timeout 2
	node "$BATS_TEST_DIRNAME/helpers/slowloris.js" "$RECV_PORT" 300 7 > "$T/slow" &
	pid=$!
	sleep 1
	run post /v1/track '{"event":"e","userId":"u","messageId":"normal"}' -u wk_test_1: --max-time 20
	[ "$output" = 200 ]
	wait "$pid"
	[ "$(cat "$T/slow")" = "opened 300 closed 300 open 0" ]
	[ "$(wc -l < "$T/d.log")" -lt 20 ]
	[ "$(received "$T/d" | jq -r .messageId)" = normal ]
}
