#!/bin/sh
# tests/helpers/mariadb.sh: a private, throw-away MariaDB server for tests,
# benchmarks and the demo. Nothing global is touched: the data directory, the
# socket, the pid file and the logs live in one temp directory, the server
# listens on 127.0.0.1 on a free port, and "stop" removes it all.
#
#   mariadb.sh start [DIR]   start a server in DIR (default: a new temp dir);
#                            prints "export NAME=value" lines for eval and
#                            writes the same to DIR/env
#   mariadb.sh stop DIR      shut the server down and remove DIR
#   mariadb.sh sql DIR SQL   run SQL as the admin user, tab-separated output
#
# The exported names:
#   MARIADB_DIR       the temp directory (give it to "stop")
#   MARIADB_HOST      127.0.0.1
#   MARIADB_PORT      the TCP port
#   MARIADB_SOCKET    the Unix socket
#   MARIADB_PID       the server's pid
#   MARIADB_USER, MARIADB_PASSWORD, MARIADB_DATABASE
#                     a real user (password auth, from localhost and
#                     127.0.0.1) with all privileges on that database
#   MARIADB_ADMIN_CNF a client option file for the admin (root) account:
#                     mariadb --defaults-file="$MARIADB_ADMIN_CNF" ...
#   MARIADB_CNF       the same for the test user
#
# Works as root (the server runs as root, with --user=root) and as any other
# user; needs only mariadbd, mariadb-install-db and the mariadb client. The
# system MariaDB service is not used and need not run. If SEGPIPE_WATCH_PID
# is set, a watchdog stops the server when that process is gone, so an
# interrupted test run leaves nothing behind. Ready in well under a second.
# MARIADB_SERVER_OPTS adds server options (benchmarks give InnoDB more memory
# and a larger redo log than the tests need). The server's character set and collation are utf8mb4 and
# utf8mb4_general_ci, SingleStore's defaults.
set -u

prog=mariadb.sh
say() { echo "$prog: $*" >&2; }

# find a program in PATH or in the sbin directories Debian keeps it in
findprog() {
	for n; do
		for d in $(echo "$PATH" | tr ':' ' ') /usr/sbin /usr/local/sbin /sbin; do
			[ -x "$d/$n" ] && { echo "$d/$n"; return 0; }
		done
	done
	return 1
}

# random hex of $1 bytes, for passwords and ports
randhex() { od -An -N"$1" -tx1 /dev/urandom | tr -d ' \n'; }

# a port between 20000 and 59999 that nothing listens on right now
freeport() {
	while :; do
		p=$(( 20000 + $(printf '%d' "0x$(randhex 2)") % 40000 ))
		if command -v ss >/dev/null 2>&1; then
			ss -Hltn "sport = :$p" 2>/dev/null | grep -q . && continue
		fi
		echo "$p"; return 0
	done
}

# client DIR CNF ARGS...: run the mariadb client with an option file
client() {
	cnf=$1; shift
	"$MARIADB_CLIENT" --defaults-file="$cnf" "$@"
}

start() {
	mariadbd=$(findprog mariadbd mysqld) || { say "mariadbd not found (Debian: apt-get install mariadb-server)"; exit 69; }
	installdb=$(findprog mariadb-install-db mysql_install_db) || { say "mariadb-install-db not found"; exit 69; }
	MARIADB_CLIENT=$(findprog mariadb mysql) || { say "mariadb client not found (Debian: apt-get install mariadb-client)"; exit 69; }

	dir=${1:-}
	if [ -z "$dir" ]; then
		# the socket path must stay short: fall back to /tmp for a long TMPDIR
		base=${TMPDIR:-/tmp}
		[ ${#base} -gt 60 ] && base=/tmp
		dir=$(mktemp -d "$base/segdb.XXXXXX") || exit 74
	else
		mkdir -p "$dir" || exit 74
	fi
	dir=$(cd "$dir" && pwd)
	# Unix socket paths are limited to 107 bytes
	if [ ${#dir} -gt 90 ]; then
		say "directory name too long for a socket: $dir"; exit 64
	fi
	asroot=
	[ "$(id -u)" -eq 0 ] && asroot=--user=root
	# options shared by install and server: small, fast, no binary log
	common="--no-defaults $asroot --datadir=$dir/data --innodb-log-file-size=8M
		--innodb-buffer-pool-size=64M --skip-name-resolve"

	# On a loaded machine the bootstrap server now and then fails; a second
	# try on an empty data directory is the cure, the log says why it failed.
	n=0
	# shellcheck disable=SC2086
	until "$installdb" $common --auth-root-authentication-method=normal --force \
		--skip-test-db > "$dir/install.log" 2>&1; do
		n=$((n + 1))
		if [ $n -ge 3 ]; then
			say "mariadb-install-db failed $n times; see $dir/install.log"
			grep -iE 'error|fail|abort' "$dir/install.log" | head -n 10 | sed 's/^/  /' >&2
			sed 's/^/  /' "$dir/install.log" | tail -n 10 >&2
			exit 69
		fi
		cat "$dir/install.log" >> "$dir/install-failed.log"
		rm -rf "$dir/data"
		sleep 1
	done

	tries=0
	while :; do
		tries=$((tries + 1))
		port=$(freeport)
		# shellcheck disable=SC2086
		"$mariadbd" $common --socket="$dir/sock" --port="$port" \
			--bind-address=127.0.0.1 --pid-file="$dir/mariadbd.pid" \
			--log-error="$dir/error.log" --skip-log-bin --performance-schema=0 \
			--innodb-use-native-aio=0 --innodb-flush-log-at-trx-commit=2 \
			--max-connections=500 --max-allowed-packet=64M \
			--character-set-server=utf8mb4 --collation-server=utf8mb4_general_ci \
			${MARIADB_SERVER_OPTS:-} </dev/null >/dev/null 2>&1 3>&- 4>&- 5>&- 6>&- 7>&- 8>&- 9>&- &
		pid=$!
		echo "$pid" > "$dir/pid"
		i=0 up=
		while [ $i -lt 300 ]; do
			if [ -S "$dir/sock" ] && "$MARIADB_CLIENT" --no-defaults -uroot \
				--socket="$dir/sock" -e 'SELECT 1' >/dev/null 2>&1; then
				up=1; break
			fi
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.05
			i=$((i + 1))
		done
		[ -n "$up" ] && break
		kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null
		if [ $tries -lt 5 ] && grep -qi 'bind\|address already in use' "$dir/error.log" 2>/dev/null; then
			: > "$dir/error.log"
			continue
		fi
		say "mariadbd did not start; see $dir/error.log"
		tail -n 20 "$dir/error.log" >&2
		exit 69
	done

	user=segpipe
	pass=$(randhex 12)
	rootpass=$(randhex 12)
	db=segpipe
	cat > "$dir/admin.cnf" <<EOF
[client]
user=root
password=$rootpass
default-character-set=utf8mb4
socket=$dir/sock
EOF
	cat > "$dir/user.cnf" <<EOF
[client]
user=$user
password=$pass
default-character-set=utf8mb4
host=127.0.0.1
port=$port
database=$db
EOF
	chmod 600 "$dir/admin.cnf" "$dir/user.cnf"
	if ! "$MARIADB_CLIENT" --no-defaults -uroot --socket="$dir/sock" > "$dir/setup.log" 2>&1 <<EOF
CREATE DATABASE \`$db\`;
CREATE USER '$user'@'localhost' IDENTIFIED BY '$pass';
CREATE USER '$user'@'127.0.0.1' IDENTIFIED BY '$pass';
GRANT ALL ON \`$db\`.* TO '$user'@'localhost';
GRANT ALL ON \`$db\`.* TO '$user'@'127.0.0.1';
ALTER USER 'root'@'localhost' IDENTIFIED BY '$rootpass';
DROP USER IF EXISTS 'root'@'127.0.0.1', 'root'@'::1';
EOF
	then
		say "creating the test user failed; see $dir/setup.log"
		cat "$dir/setup.log" >&2
		stop "$dir"
		exit 69
	fi
	# drop root@<hostname>, whatever the host is called
	"$MARIADB_CLIENT" --defaults-file="$dir/admin.cnf" -N -B -e \
		"SELECT CONCAT('DROP USER \`root\`@\`', host, '\`;') FROM mysql.user WHERE user='root' AND host<>'localhost'" \
		2>/dev/null | "$MARIADB_CLIENT" --defaults-file="$dir/admin.cnf" >/dev/null 2>&1

	{
		echo "export MARIADB_DIR='$dir'"
		echo "export MARIADB_HOST=127.0.0.1"
		echo "export MARIADB_PORT=$port"
		echo "export MARIADB_SOCKET='$dir/sock'"
		echo "export MARIADB_PID=$pid"
		echo "export MARIADB_USER=$user"
		echo "export MARIADB_PASSWORD=$pass"
		echo "export MARIADB_DATABASE=$db"
		echo "export MARIADB_ADMIN_CNF='$dir/admin.cnf'"
		echo "export MARIADB_CNF='$dir/user.cnf'"
	} > "$dir/env"
	chmod 600 "$dir/env"

	if [ -n "${SEGPIPE_WATCH_PID:-}" ]; then
		here=$(cd "$(dirname "$0")" && pwd)
		sh "$here/watchdog.sh" "$here/${0##*/}" "$dir" \
			</dev/null >/dev/null 2>&1 3>&- 4>&- 5>&- 6>&- 7>&- 8>&- 9>&- &
	fi
	cat "$dir/env"
}

stop() {
	dir=${1:-}
	[ -n "$dir" ] || { say "usage: $prog stop DIR"; exit 64; }
	[ -d "$dir" ] || return 0
	[ -f "$dir/env" ] || [ -f "$dir/pid" ] || { say "$dir is not a mariadb.sh directory"; exit 64; }
	pid=$(cat "$dir/pid" 2>/dev/null)
	if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
		# SIGTERM is a clean shutdown for mariadbd; no credentials needed
		kill -TERM "$pid" 2>/dev/null
		i=0
		while kill -0 "$pid" 2>/dev/null && [ $i -lt 200 ]; do sleep 0.05; i=$((i + 1)); done
		kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null
	fi
	rm -rf "$dir"
}

case ${1:-} in
start) shift; start "$@" ;;
stop) shift; stop "$@" ;;
sql)
	[ $# -ge 3 ] || { say "usage: $prog sql DIR SQL"; exit 64; }
	MARIADB_CLIENT=$(findprog mariadb mysql) || exit 69
	client "$2/admin.cnf" -N -B -e "$3" ;;
*) echo "usage: $prog start [DIR] | stop DIR | sql DIR SQL" >&2; exit 64 ;;
esac
