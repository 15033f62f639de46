#!/bin/sh
# bench-send: messages/s from seg-send into seg-receive (both on 127.0.0.1,
# the receiver fsyncing every request into its archive), beside what users
# script today: a shell loop posting 100-message batches to /v1/batch with
# curl, one process per batch (timed on LOOP_BATCHES batches). The messages
# are the sample's first SEND_MESSAGES; what the receiver wrote is counted
# with seg-fetch, and a wrong count is shown instead of a number.
. "$(dirname "$0")/common.sh"
sample
SEND_MESSAGES=${SEND_MESSAGES:-100000}
LOOP_BATCHES=${LOOP_BATCHES:-200}
W=$(mktemp -d "${TMPDIR:-/tmp}/benchsend.XXXXXX")
RPID=
trap '[ -n "$RPID" ] && kill "$RPID" 2>/dev/null; wait; rm -rf "$W"' EXIT
trap 'exit 1' INT TERM
export SEGMENT_WRITE_KEY=bench_key
head -n "$SEND_MESSAGES" "$SAMPLE" > "$W/msgs"
n=$(wc -l < "$W/msgs")
head -n $((LOOP_BATCHES * 100)) "$W/msgs" | awk '
	{ b = b (NR % 100 == 1 ? "" : ",") $0 }
	NR % 100 == 0 { print "{\"batch\":[" b "]}"; b = "" }' > "$W/bodies"

# receiver DIR: start seg-receive writing DIR, set PORT
receiver() {
	rm -f "$W/port"
	seg-receive -q -d "$1" -p 0 --port-file "$W/port" &
	RPID=$!
	while [ ! -s "$W/port" ]; do sleep 0.05; done
	PORT=$(cat "$W/port")
}
stop() { kill "$RPID"; wait "$RPID"; RPID=; }
# report NAME MESSAGES SECS DIR
report() {
	got=$(seg-fetch -q "$4/segment-logs" | wc -l)
	r=$(echo "$2 $3" | awk '{ if ($2 <= 0) $2 = 0.001; printf "%.0f", $1 / $2 }')
	[ "$got" -eq "$2" ] || r="WRONG: $got of $2 written"
	printf '  %-44s %8s messages/s  (%s messages, %s s)\n' "$1" "$r" "$2" "$3"
}

echo "  $n messages of the sample, $(($(wc -c < "$W/msgs") / n)) bytes on average"
for j in 1 4; do
	receiver "$W/s$j"
	t=$(secs "seg-send -q -j $j --max-rps 0 --url http://127.0.0.1:$PORT '$W/msgs' > /dev/null")
	stop
	report "seg-send -j $j (batches of 480 KB)" "$n" "$t" "$W/s$j"
done
receiver "$W/c"
t=$(secs "while IFS= read -r b; do printf '%s' \"\$b\" | curl -sf -o /dev/null -u bench_key: \
	-H 'Content-Type: application/json' --data-binary @- http://127.0.0.1:$PORT/v1/batch || exit 1; done < '$W/bodies'")
stop
report "curl loop, 100 a request" "$(($(wc -l < "$W/bodies") * 100))" "$t" "$W/c"
