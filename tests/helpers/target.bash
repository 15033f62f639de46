# tests/helpers/target.bash: a real load target for bats files: a private
# MariaDB and an s2-gateway in front of it, started once per file.
#
#   load 'helpers/target'      (from tests/NAME.bats)
#
# gives the file a setup_file and teardown_file that start and stop both
# (define your own after the load and call target_start / target_stop from
# them to do more). In every test these are exported:
#   S2_URL S2_HOST S2_PORT       the gateway (http://127.0.0.1:PORT)
#   S2_USER S2_PASSWORD          credentials that work
#   S2_DATABASE                  the database the user owns
#   S2_GATEWAY_LOG               the gateway's log of executed requests
#   MARIADB_*                    see mariadb.sh (MARIADB_ADMIN_CNF for root)
# and these functions:
#   sql "SELECT ..."             run SQL directly on MariaDB as the admin,
#                                in S2_DATABASE; tab-separated rows, no header
#   target_start [GW-OPTS...]    start MariaDB and a gateway with options
#   target_stop                  stop both, remove their files
#   gateway_restart [GW-OPTS...] replace the gateway (same MariaDB, new port)
#                                e.g. gateway_restart --fail-rate 1
#   s2_exec JSON                 POST JSON to $S2_URL/api/v2/exec with the
#                                credentials; prints the body, then a line
#                                with the HTTP status

_target_helpers=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

target_start() {
	local out
	export SEGPIPE_WATCH_PID=$$
	out=$("$_target_helpers/mariadb.sh" start) || return 1
	eval "$out"
	out=$("$_target_helpers/gateway.sh" start "$@") || { target_stop; return 1; }
	eval "$out"
}

target_stop() {
	[ -n "${S2_GATEWAY_DIR:-}" ] && "$_target_helpers/gateway.sh" stop "$S2_GATEWAY_DIR"
	[ -n "${MARIADB_DIR:-}" ] && "$_target_helpers/mariadb.sh" stop "$MARIADB_DIR"
	unset S2_GATEWAY_DIR MARIADB_DIR
	return 0
}

gateway_restart() {
	local out
	[ -n "${S2_GATEWAY_DIR:-}" ] && "$_target_helpers/gateway.sh" stop "$S2_GATEWAY_DIR"
	out=$("$_target_helpers/gateway.sh" start "$@") || return 1
	eval "$out"
}

sql() {
	mariadb --defaults-file="$MARIADB_ADMIN_CNF" -N -B -D "${S2_DATABASE:-$MARIADB_DATABASE}" -e "$1"
}

s2_exec() {
	curl -sS -u "$S2_USER:$S2_PASSWORD" -H 'Content-Type: application/json' \
		--data-binary "$1" -w '\n%{http_code}\n' "$S2_URL/api/v2/exec"
}

setup_file() { target_start; }
teardown_file() { target_stop; }
