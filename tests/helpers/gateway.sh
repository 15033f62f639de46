#!/bin/sh
# tests/helpers/gateway.sh: start and stop an s2-gateway (the Data API server
# in front of MariaDB) for tests, benchmarks and the demo. It listens on
# 127.0.0.1 on a port the kernel picks, so parallel test runs never collide.
#
#   gateway.sh start [S2-GATEWAY-OPTIONS...]
#        start a gateway in front of the MariaDB described by the MARIADB_*
#        variables of mariadb.sh (eval its output first); waits until GET
#        /ping answers; prints "export NAME=value" lines for eval and writes
#        them to $S2_GATEWAY_DIR/env
#   gateway.sh start --sink [S2-GATEWAY-OPTIONS...]
#        start s2-gateway --sink instead: no MariaDB (no MARIADB_* needed),
#        every valid request answered at once; the same exports, with
#        credentials and a database name that any sink accepts
#   gateway.sh stop DIR
#        stop that gateway and remove DIR
#
# The exported names:
#   S2_GATEWAY_DIR   the temp directory (give it to "stop")
#   S2_GATEWAY_PID   the gateway's pid
#   S2_GATEWAY_LOG   the log of executed requests (s2-gateway --log)
#   S2_GATEWAY_ERR   the gateway's stderr
#   S2_HOST, S2_PORT the address it listens on (127.0.0.1 and the port)
#   S2_URL           http://127.0.0.1:PORT (https:// when --cert is given)
#   S2_USER, S2_PASSWORD, S2_DATABASE
#                    credentials that work (the MariaDB test user; with
#                    --sink, "sink", a random password and "sink")
#
# The gateway binary is $S2_GATEWAY if set, else s2-gateway from PATH, else
# bin/s2-gateway of this source tree. If SEGPIPE_WATCH_PID is set, a watchdog
# stops the gateway when that process is gone.
set -u

prog=gateway.sh
say() { echo "$prog: $*" >&2; }
here=$(cd "$(dirname "$0")" && pwd)

start() {
	sink=
	[ "${1:-}" = --sink ] && sink=1
	if [ -z "$sink" ] && [ -z "${MARIADB_PORT:-}" ]; then
		say "MARIADB_* not set: eval \"\$(mariadb.sh start)\" first (or start --sink)"
		exit 64
	fi
	gw=${S2_GATEWAY:-}
	if [ -z "$gw" ]; then
		gw=$(command -v s2-gateway 2>/dev/null) || gw=$here/../../bin/s2-gateway
	fi
	[ -x "$gw" ] || { say "s2-gateway not found (run make)"; exit 69; }
	dir=$(mktemp -d "${TMPDIR:-/tmp}/seggw.XXXXXX") || exit 74

	scheme=http
	for a; do
		case $a in --cert|--cert=*) scheme=https ;; esac
	done
	# always TCP: s2-gateway refuses the socket (unix_socket authentication)
	dbconn=
	[ -n "$sink" ] || dbconn="--db-host=$MARIADB_HOST --db-port=$MARIADB_PORT"

	# shellcheck disable=SC2086
	"$gw" --listen=127.0.0.1 --port=0 --port-file="$dir/port" --log="$dir/exec.log" \
		$dbconn "$@" </dev/null >/dev/null 2>"$dir/stderr" 3>&- 4>&- 5>&- 6>&- 7>&- 8>&- 9>&- &
	pid=$!
	echo "$pid" > "$dir/pid"
	i=0 up=
	while [ $i -lt 200 ]; do
		if [ -s "$dir/port" ]; then
			port=$(cat "$dir/port")
			if curl -sk --max-time 2 "$scheme://127.0.0.1:$port/ping" 2>/dev/null | grep -q pong; then
				up=1; break
			fi
		fi
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.05
		i=$((i + 1))
	done
	if [ -z "$up" ]; then
		say "s2-gateway did not start:"
		cat "$dir/stderr" >&2
		stop "$dir"
		exit 69
	fi
	{
		echo "export S2_GATEWAY_DIR='$dir'"
		echo "export S2_GATEWAY_PID=$pid"
		echo "export S2_GATEWAY_LOG='$dir/exec.log'"
		echo "export S2_GATEWAY_ERR='$dir/stderr'"
		echo "export S2_HOST=127.0.0.1"
		echo "export S2_PORT=$port"
		echo "export S2_URL=$scheme://127.0.0.1:$port"
		if [ -n "$sink" ]; then
			echo "export S2_USER=sink"
			echo "export S2_PASSWORD=sink$$"
			echo "export S2_DATABASE=sink"
		else
			echo "export S2_USER='$MARIADB_USER'"
			echo "export S2_PASSWORD='$MARIADB_PASSWORD'"
			echo "export S2_DATABASE='$MARIADB_DATABASE'"
		fi
	} > "$dir/env"
	[ -n "${SEGPIPE_WATCH_PID:-}" ] && sh "$here/watchdog.sh" "$here/gateway.sh" "$dir" \
		</dev/null >/dev/null 2>&1 3>&- 4>&- 5>&- 6>&- 7>&- 8>&- 9>&- &
	cat "$dir/env"
}

stop() {
	dir=${1:-}
	[ -n "$dir" ] || { say "usage: $prog stop DIR"; exit 64; }
	[ -d "$dir" ] || return 0
	[ -f "$dir/pid" ] || { say "$dir is not a gateway.sh directory"; exit 64; }
	pid=$(cat "$dir/pid")
	if kill -0 "$pid" 2>/dev/null; then
		kill -TERM "$pid" 2>/dev/null
		i=0
		while kill -0 "$pid" 2>/dev/null && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
		kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null
	fi
	rm -rf "$dir"
}

case ${1:-} in
start) shift; start "$@" ;;
stop) shift; stop "$@" ;;
*) echo "usage: $prog start [S2-GATEWAY-OPTIONS...] | stop DIR" >&2; exit 64 ;;
esac
