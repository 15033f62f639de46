#!/usr/bin/env bats
# seg-send: messages to a real seg-receive on 127.0.0.1 (Segment's Tracking
# API as this toolkit implements it), and what it wrote read back by
# seg-fetch: exactly the messages sent (receivedAt, the receiver's, taken
# off), Segment's limits kept before sending, retries through injected
# 429/5xx, a checkpoint across SIGKILLs, a refused write key.

load 'helpers/receiver'
load 'helpers/accounting'

setup() {
	T=$BATS_TEST_TMPDIR
	export SEGMENT_WRITE_KEY=wk_send_1
}

teardown() {
	stop_receiver
}

# msgs N [PREFIX]: N track messages with messageIds PREFIX1..PREFIXN
msgs() {
	awk -v n="$1" -v p="${2:-m}" 'BEGIN { for (i = 1; i <= n; i++)
		printf "{\"type\":\"track\",\"event\":\"Order Completed\",\"userId\":\"u%d\",\"messageId\":\"%s%d\",\"properties\":{\"total\":%d.5,\"note\":\"caf\\u00e9 \\\"x\\\"\"},\"timestamp\":\"2026-01-02T03:04:05.678Z\"}\n", i % 97, p, i, i }'
}

@test "seg-send -> seg-receive -> seg-fetch: exactly the messages sent, byte for byte" {
	start_receiver "$T/d"
	msgs 6000 > "$T/in"
	run seg-send --url "$RECV_URL" --stats "$T/stats" -o "$T/results" "$T/in"
	[ "$status" -eq 0 ]
	assert_accounted "$T/stats" sent skipped rejected failed
	[ "$(jq .sent "$T/stats")" -eq 6000 ]
	# 2,500 a request: 2500, 2500, 1000
	[ "$(jq -r .messages "$T/results" | sort -n | tr '\n' ' ')" = "1000 2500 2500 " ]
	[ "$(jq -r .status "$T/results" | sort -u)" = sent ]
	received "$T/d" | sort > "$T/out"
	sort "$T/in" | cmp - "$T/out"
}

@test "a re-run sends the same messageIds; with --checkpoint it sends nothing again" {
	start_receiver "$T/d"
	msgs 3000 > "$T/in"
	seg-send -q --url "$RECV_URL" "$T/in" > /dev/null
	seg-send -q --url "$RECV_URL" "$T/in" > /dev/null
	run received "$T/d"
	[ "${#lines[@]}" -eq 6000 ]
	# every message twice, identical both times
	printf '%s\n' "${lines[@]}" | sort | uniq -c | awk '$1 != 2 { bad = 1 } END { exit bad }'
	[ "$(printf '%s\n' "${lines[@]}" | sort -u | wc -l)" -eq 3000 ]
	seg-send -q --url "$RECV_URL" --checkpoint "$T/ck" "$T/in" > /dev/null
	run seg-send --url "$RECV_URL" --checkpoint "$T/ck" --stats "$T/stats" "$T/in"
	[ "$status" -eq 0 ]
	[ "$(jq -c '[.sent, .skipped]' "$T/stats")" = '[0,3000]' ]
	[ "$(received "$T/d" | wc -l)" -eq 9000 ]
	# a checkpoint is tied to its endpoint
	run seg-send -q --url "http://127.0.0.1:1" --checkpoint "$T/ck" "$T/in"
	[ "$status" -eq 78 ]
}

@test "30% injected 429/5xx and seg-send killed with SIGKILL >= 10 times: every message accepted at least once, none lost or changed" {
	start_receiver "$T/d" --fail-rate 0.3 --fail-status 429,500,503 --retry-after 0 --stats "$T/rstats"
	msgs 20000 k > "$T/in"
	# 400 requests at 80 a second: about 5 s of sending, killed every 0.1-0.3 s
	send=(seg-send -q --url "$RECV_URL" --checkpoint "$T/ck" --batch-size 50 -j 2 --max-rps 80
		--retry-delay 20ms --retry-cap 100ms --retry-max 1000 "$T/in")
	kills=0
	for i in $(seq 1 40); do
		"${send[@]}" >> "$T/results" 2>> "$T/err" &
		pid=$!
		sleep "0.$(( (RANDOM % 3) + 1 ))"
		if kill -9 "$pid" 2>/dev/null; then kills=$((kills + 1)); fi
		wait "$pid" || true
		[ $kills -ge 12 ] && break
	done
	[ $kills -ge 10 ]
	# the run that finishes
	run "${send[@]}"
	[ "$status" -eq 0 ]
	stop_receiver
	[ "$(jq .faults "$T/rstats")" -gt 0 ]
	received "$T/d" > "$T/out"
	# nothing lost: every message is there
	sort -u "$T/out" > "$T/got"
	sort -u "$T/in" | cmp - "$T/got"
	# nothing changed or invented: each line received is a line sent
	[ -z "$(sort -u "$T/out" | comm -13 <(sort -u "$T/in") -)" ]
}

@test "Segment's limits: a message over 32 KB is rejected with its reason, 32 KB passes; batches cut under 480 KB and 2,500 messages" {
	start_receiver "$T/d"
	big=$(head -c 32600 /dev/zero | tr '\0' x)
	m='{"type":"track","event":"e","userId":"u","messageId":"IDX","properties":{"p":"'$big'"}}'
	pad=$((32768 - ${#m}))
	fill=$(head -c $pad /dev/zero | tr '\0' y)
	for i in $(seq -w 1 40); do
		printf '%s\n' "${m/IDX/b$i}" | sed "s/\"}}\$/$fill\"}}/"
	done > "$T/in"
	[ "$(awk '{ print length($0) }' "$T/in" | sort -u)" = 32768 ]
	printf '%s\n' "${m/IDX/big}" | sed "s/\"}}\$/${fill}z\"}}/" >> "$T/in"
	printf '{"event":"no type","userId":"u","messageId":"nt"}\n' >> "$T/in"
	printf '{"type":"track","event":"e"\n' >> "$T/in"
	run seg-send --url "$RECV_URL" -r "$T/rej" --stats "$T/stats" -o "$T/results" "$T/in"
	[ "$status" -eq 1 ]
	assert_accounted "$T/stats" sent skipped rejected failed
	[ "$(jq -r '[.reason, .line] | @tsv' "$T/rej" | tr '\t\n' ': ')" = "too_large:41 missing_type:42 json_syntax:43 " ]
	# 480 KB holds 14 messages of 32 KB: 14, 14, 12
	[ "$(jq -r .messages "$T/results" | sort -n | tr '\n' ' ')" = "12 14 14 " ]
	[ "$(received "$T/d" | wc -l)" -eq 40 ]
	# Segment's 500 KB is the most: 15 a request
	run seg-send -q --url "$RECV_URL" --max-batch-bytes 500K -o "$T/results2" <(head -40 "$T/in")
	[ "$status" -eq 0 ]
	[ "$(jq -r .messages "$T/results2" | sort -n | tr '\n' ' ')" = "10 15 15 " ]
	run seg-send --url "$RECV_URL" --max-batch-bytes 501K "$T/in"
	[ "$status" -eq 64 ]
	run seg-send --url "$RECV_URL" --batch-size 2501 "$T/in"
	[ "$status" -eq 64 ]
}

@test "a batch Segment refuses (400) is split; the message refused alone goes to --failed with the answer" {
	start_receiver "$T/d" --max-message-bytes 1000
	msgs 30 > "$T/in"
	big=$(head -c 2000 /dev/zero | tr '\0' x)
	sed -i "7s/\"note\":\"/\"note\":\"$big/" "$T/in"
	run seg-send --url "$RECV_URL" --failed "$T/failed" --stats "$T/stats" -o "$T/results" "$T/in"
	[ "$status" -eq 1 ]
	assert_accounted "$T/stats" sent skipped rejected failed
	[ "$(jq -c '[.sent, .failed, .split]' "$T/stats")" = '[29,1,1]' ]
	[ "$(wc -l < "$T/failed")" -eq 1 ]
	[ "$(jq -c .message "$T/failed")" = "$(sed -n 7p "$T/in" | jq -c .)" ]
	[ "$(jq -r .error "$T/failed")" = 'HTTP 400: {"success":false,"message":"message exceeds the 32 KB limit"}' ]
	[ "$(jq -s -c 'group_by(.status) | map([.[0].status, length])' "$T/results")" = '[["failed",1],["sent",29]]' ]
	received "$T/d" | sort > "$T/out"
	sed 7d "$T/in" | sort | cmp - "$T/out"
	# with a checkpoint, a re-run skips the pieces accepted alone and tries the refused one again
	seg-send -q --url "$RECV_URL" --checkpoint "$T/ck" --failed "$T/failed2" "$T/in" > /dev/null || true
	run seg-send --url "$RECV_URL" --checkpoint "$T/ck" --failed "$T/failed3" --stats "$T/stats" "$T/in"
	[ "$status" -eq 1 ]
	[ "$(jq -c '[.sent, .skipped, .failed]' "$T/stats")" = '[0,29,1]' ]
	[ "$(received "$T/d" | wc -l)" -eq 58 ]
}

@test "a wrong write key is exit 77 and nothing is written; no key is 78; the key is never printed" {
	start_receiver "$T/d"
	msgs 10 > "$T/in"
	SEGMENT_WRITE_KEY=wrong_key_xyz run seg-send --url "$RECV_URL" "$T/in"
	[ "$status" -eq 77 ]
	[[ "$output" == *"write key was refused"* ]]
	[[ "$output" != *wrong_key_xyz* ]]
	[ -z "$(find "$T/d/segment-logs" -type f 2>/dev/null)" ]
	printf 'wk_send_1\n' > "$T/key"
	run env -u SEGMENT_WRITE_KEY seg-send -q --url "$RECV_URL" --write-key-file "$T/key" "$T/in"
	[ "$status" -eq 0 ]
	run env -u SEGMENT_WRITE_KEY seg-send --url "$RECV_URL" "$T/in"
	[ "$status" -eq 78 ]
	[[ "$output" == *"no write key"* ]]
}

@test "429 is retried after Retry-After; when it never ends, 69 (75 with a checkpoint); nothing listening is retried too" {
	start_receiver "$T/d" --fail-rate 1 --fail-status 429 --retry-after 0
	msgs 5 > "$T/in"
	run seg-send --url "$RECV_URL" --retry-max 3 --retry-delay 10ms --stats "$T/stats" "$T/in"
	[ "$status" -eq 69 ]
	[[ "$output" == *"HTTP 429"* ]]
	[ "$(jq .retries "$T/stats")" -eq 3 ]
	run seg-send -q --url "$RECV_URL" --retry-max 1 --retry-delay 10ms --checkpoint "$T/ck" "$T/in"
	[ "$status" -eq 75 ]
	stop_receiver
	run seg-send --url "$RECV_URL" --retry-max 2 --retry-delay 10ms --stats "$T/stats" "$T/in"
	[ "$status" -eq 69 ]
	[ "$(jq .retries "$T/stats")" -eq 2 ]
}

@test "usage: --url must be HTTP(S); unknown region; a 404 endpoint is a configuration error (78)" {
	msgs 1 > "$T/in"
	run seg-send --url ftp://x "$T/in"
	[ "$status" -eq 64 ]
	run seg-send --region mars "$T/in"
	[ "$status" -eq 64 ]
	start_receiver "$T/d"
	run seg-send --url "$RECV_URL/v2/batch" "$T/in"
	[ "$status" -eq 78 ]
	run seg-send --help
	[ "$status" -eq 0 ]
}

@test "SIGTERM stops with 75 and the checkpoint resumes the run; a closed result pipe does not stop the sending" {
	start_receiver "$T/d" --fail-rate 1 --fail-status 503 --retry-after 1
	msgs 3000 > "$T/in"
	seg-send -q --url "$RECV_URL" --checkpoint "$T/ck" --batch-size 1000 --retry-max 1000 "$T/in" > /dev/null 2> "$T/err" &
	pid=$!
	sleep 0.5
	kill -TERM "$pid"
	rc=0
	wait "$pid" || rc=$?
	[ "$rc" -eq 75 ]
	grep -q 'stopped by signal' "$T/err"
	# the same endpoint (a checkpoint is tied to its URL), without faults
	port=$RECV_PORT
	stop_receiver
	start_receiver "$T/d" -p "$port"
	run seg-send -q --url "$RECV_URL" --checkpoint "$T/ck" --batch-size 1000 "$T/in"
	[ "$status" -eq 0 ]
	[ "$(received "$T/d" | sort | uniq | wc -l)" -eq 3000 ]
	rm -rf "$T/d2"
	stop_receiver
	start_receiver "$T/d2"
	# one request a message: 3000 result lines, over the 256 KB the writer holds
	seg-send -q --url "$RECV_URL" --batch-size 1 -j 8 --max-rps 0 "$T/in" | head -c 1 > /dev/null
	[ "$(received "$T/d2" | wc -l)" -eq 3000 ]
}
