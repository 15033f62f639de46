#!/bin/sh
# tests/helpers/servers.sh: start and stop the node test servers of seg-fetch's
# tests (tests/helpers/httpd.js, and s3rver from the project's node_modules,
# installed by `npm ci` at the repo root), each on 127.0.0.1 on a free port
# the kernel picks, with its files in a temp dir.
#   servers.sh start s3rver DIR [BUCKET...]   prints the port
#   servers.sh start httpd DIR ROOT           prints the port
#   servers.sh start s3hostile DIR            prints the port; DIR/creds holds
#                                             the credentials it accepts, DIR/requests
#                                             the requests it saw (s3hostile.js)
#   servers.sh stop DIR                       stops the server started in DIR
set -eu
here=$(cd "$(dirname "$0")" && pwd)
cmd=$1; shift
case $cmd in
start)
	kind=$1 dir=$2; shift 2
	mkdir -p "$dir"
	rm -f "$dir/port"
	case $kind in
	s3rver) node --openssl-legacy-provider "$here/s3rver.js" "$dir/data" "$dir/port" "$@" >"$dir/log" 2>&1 & ;;
	httpd) node "$here/httpd.js" "$1" "$dir/port" >"$dir/log" 2>&1 & ;;
	s3hostile) node "$here/s3hostile.js" "$dir/port" "$dir/requests" "$dir/creds" >"$dir/log" 2>&1 & ;;
	*) echo "servers.sh: unknown server $kind" >&2; exit 64 ;;
	esac
	echo $! > "$dir/pid"
	i=0
	while [ ! -s "$dir/port" ]; do
		i=$((i + 1))
		if [ $i -gt 200 ] || ! kill -0 "$(cat "$dir/pid")" 2>/dev/null; then
			echo "servers.sh: $kind did not start:" >&2; cat "$dir/log" >&2; exit 1
		fi
		sleep 0.05
	done
	cat "$dir/port"
	;;
stop)
	dir=$1
	[ -f "$dir/pid" ] || exit 0
	pid=$(cat "$dir/pid")
	kill "$pid" 2>/dev/null || true
	i=0
	while kill -0 "$pid" 2>/dev/null && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
	kill -9 "$pid" 2>/dev/null || true
	rm -f "$dir/pid"
	;;
*) echo "usage: servers.sh start s3rver|httpd DIR ...; servers.sh stop DIR" >&2; exit 64 ;;
esac
