# tests/helpers/receiver.bash: a private seg-receive for bats tests, on
# 127.0.0.1 on a free port, writing DIR.
#
#   load 'helpers/receiver'
#   start_receiver DIR [seg-receive options]   sets RECV_PORT, RECV_PID, RECV_URL
#   stop_receiver                              SIGTERM, waits (summary in DIR.log)
#   kill9_receiver                             SIGKILL, waits
#
# The write key is SEGMENT_WRITE_KEY unless the options name a file.

start_receiver() {
	local dir=$1 i=0
	shift
	rm -f "$dir.port"
	seg-receive -d "$dir" -p 0 --port-file "$dir.port" "$@" 2>>"$dir.log" &
	RECV_PID=$!
	while [ ! -s "$dir.port" ]; do
		i=$((i + 1))
		if [ $i -gt 200 ] || ! kill -0 "$RECV_PID" 2>/dev/null; then
			echo "seg-receive did not start:" >&2; cat "$dir.log" >&2; return 1
		fi
		sleep 0.05
	done
	RECV_PORT=$(cat "$dir.port")
	RECV_URL=http://127.0.0.1:$RECV_PORT
	export RECV_PID RECV_PORT RECV_URL
}

stop_receiver() {
	[ -n "${RECV_PID:-}" ] || return 0
	kill "$RECV_PID" 2>/dev/null || true
	wait "$RECV_PID" 2>/dev/null || true
	RECV_PID=
}

kill9_receiver() {
	[ -n "${RECV_PID:-}" ] || return 0
	kill -9 "$RECV_PID" 2>/dev/null || true
	wait "$RECV_PID" 2>/dev/null || true
	RECV_PID=
}

# received DIR: every message in DIR's archive as seg-fetch reads it, with
# receivedAt (the receiver's) taken off the end
received() {
	( set -o pipefail; seg-fetch -q "$1/segment-logs" | sed 's/,"receivedAt":"[^"]*"}$/}/'; )
}
