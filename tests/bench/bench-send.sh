#!/bin/bash
# bench-send: messages/s from seg-send into seg-receive (both on 127.0.0.1,
# the receiver fsyncing every request into its archive), beside what users
# script today: a shell loop posting 100-message batches to /v1/batch with
# curl, one process per batch (timed on LOOP_BATCHES batches). The messages
# are the sample's first SEND_MESSAGES; each run gets a fresh receiver, and
# what it wrote is counted with seg-fetch (a wrong count prints WRONG).
. "$(dirname "$0")/common.sh"
sample
SEND_MESSAGES=${SEND_MESSAGES:-30000}
LOOP_BATCHES=${LOOP_BATCHES:-200}
W=$(mktemp -d "${TMPDIR:-/tmp}/benchsend.XXXXXX") || exit 1
RPID=
cleanup() { [ -z "$RPID" ] || { kill "$RPID"; wait "$RPID"; } 2> /dev/null; rm -rf "$W"; }
export SEGMENT_WRITE_KEY=bench_key
head -n "$SEND_MESSAGES" "$SAMPLE" > "$W/msgs"
n=$(wc -l < "$W/msgs")
head -n $((LOOP_BATCHES * 100)) "$W/msgs" | awk '
	{ b = b (NR % 100 == 1 ? "" : ",") $0 }
	NR % 100 == 0 { print "{\"batch\":[" b "]}"; b = "" }' > "$W/bodies"
nloop=$(($(wc -l < "$W/bodies") * 100))

# receiver: start seg-receive writing a fresh $W/r, set PORT
receiver() {
	rm -rf "$W/r" "$W/port"
	seg-receive -q -d "$W/r" -p 0 --port-file "$W/port" &
	RPID=$!
	while [ ! -s "$W/port" ]; do kill -0 "$RPID" 2> /dev/null || return 1; sleep 0.05; done
	export PORT; PORT=$(cat "$W/port")
}
# written N: stop the receiver; say so unless it wrote N messages
written() {
	kill "$RPID"; wait "$RPID"; RPID=
	got=$(seg-fetch -q "$W/r/segment-logs" | wc -l)
	[ "$got" -eq "$1" ] || echo "$got of $1 written"
}

echo "  $n messages of the sample, $(($(wc -c < "$W/msgs") / n)) bytes on average"
bench_reset messages
for j in 1 4; do
	BENCH_PREP=receiver BENCH_CHECK='written "$n"'
	bench_add "seg-send -j $j (batches of 480 KB)" "$n" \
		"seg-send -q -j $j --max-rps 0 --url http://127.0.0.1:\$PORT '$W/msgs' > /dev/null"
done
BENCH_PREP=receiver BENCH_CHECK='written "$nloop"'
bench_add "curl loop, 100 a request" "$nloop" "while IFS= read -r b; do printf '%s' \"\$b\" | curl -sf -o /dev/null -u bench_key: \
	-H 'Content-Type: application/json' --data-binary @- http://127.0.0.1:\$PORT/v1/batch || exit 1; done < '$W/bodies'"
bench_run
bench_header
bench_show
bench_ratio "seg-send -j 4 (batches of 480 KB)" "curl loop, 100 a request" "seg-send -j 4 / curl loop"
