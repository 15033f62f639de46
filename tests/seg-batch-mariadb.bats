#!/usr/bin/env bats
# seg-batch against a real database: batches are executed in a private
# MariaDB server as server-side prepared statements, with every arg bound as
# a variable decoded by jq (an independent JSON reader), then read back. This
# checks the SQL text, the placeholder order and the JSON escaping of args
# end to end; s2-load's own tests do the same through s2-gateway.

setup_file() {
	DB=$(mktemp -d /tmp/segbatch-db.XXXXXX)   # short: a socket path has ~100 bytes
	export DB
	me=$(id -un)
	mariadb-install-db --no-defaults --user="$me" --datadir="$DB/data" --skip-test-db \
		--auth-root-authentication-method=normal > "$DB/install.log" 2>&1 || {
		cat "$DB/install.log" >&3; return 1; }
	mariadbd --no-defaults --user="$me" --datadir="$DB/data" --socket="$DB/sock" --skip-networking \
		--pid-file="$DB/pid" --log-error="$DB/err" --innodb-buffer-pool-size=16M \
		--character-set-server=utf8mb4 --collation-server=utf8mb4_bin 3>&- &
	for _ in $(seq 100); do
		mariadb-admin --no-defaults -S "$DB/sock" -uroot ping > /dev/null 2>&1 && return 0
		sleep 0.1
	done
	cat "$DB/err" >&3
	return 1
}

teardown_file() {
	if [ -s "$DB/pid" ]; then
		pid=$(cat "$DB/pid")
		kill "$pid" 2> /dev/null
		for _ in $(seq 100); do kill -0 "$pid" 2> /dev/null || break; sleep 0.1; done
	fi
	rm -rf "$DB"
}

setup() {
	T=$BATS_TEST_TMPDIR
	dbname=
	sql "DROP DATABASE IF EXISTS t$BATS_TEST_NUMBER; CREATE DATABASE t$BATS_TEST_NUMBER"
	dbname=t$BATS_TEST_NUMBER
}

# sql TEXT: run statements in the test's database, tab-separated output
sql() {
	mariadb --no-defaults --default-character-set=utf8mb4 -S "$DB/sock" -uroot --batch --skip-column-names ${dbname:+"$dbname"} -e "$1"
}

# execute FILE: run seg-batch's output: DDL records as they are, each batch
# as PREPARE / SET @aN = <arg> / EXECUTE, every string arrives as base64.
execute() {
	jq -r '
	def lit: if type == "string" then "CONVERT(FROM_BASE64(\"\(@base64)\") USING utf8mb4)"
		elif type == "object" then "CONVERT(FROM_BASE64(\"\(tojson | @base64)\") USING utf8mb4)"
		elif type == "boolean" then (if . then "TRUE" else "FALSE" end)
		elif type == "null" then "NULL"
		elif type == "number" then tojson
		else error("arg of type \(type)") end;
	if ._ddl then ._ddl + ";"
	else .body as $b
		| "SET @s = CONVERT(FROM_BASE64(\"\($b.sql | @base64)\") USING utf8mb4);",
		  "PREPARE st FROM @s;",
		  ($b.args | to_entries[] | "SET @a\(.key) = \(.value | lit);"),
		  "EXECUTE st USING \([range($b.args | length)] | map("@a\(.)") | join(", "));",
		  "DEALLOCATE PREPARE st;"
	end' "$1" > "$T/script.sql"
	mariadb --no-defaults --default-character-set=utf8mb4 -S "$DB/sock" -uroot "$dbname" < "$T/script.sql"
}

@test "every string edge case is stored exactly, over several batches" {
	cat > "$T/values" <<'EOF'
"plain"
""
"it's"
"''"
"a\"b"
"back\\slash"
"trailing\\"
"\\'"
"?"
"'?'"
"\"?\""
"\\?"
"`"
"a`b`"
"--"
"/* x */"
"; DROP TABLE t; --"
"\u0000"
"a\u0000b"
"\u0001\u001f\u007f"
"\n\r\t\b\f"
"é"
"\u00e9"
"☃ 𝄞 😀"
"\ud83d\ude00"
"\u2028\u2029"
"%s%d"
"{}"
"NULL"
EOF
	{
		echo '{"_table":"t","_ddl":"CREATE TABLE t (id INT PRIMARY KEY, s LONGTEXT CHARACTER SET utf8mb4 COLLATE utf8mb4_bin)"}'
		awk '{ printf "{\"_table\":\"t\",\"id\":%d,\"s\":%s}\n", NR, $0 }' "$T/values"
	} > "$T/in"
	seg-batch -q --max-bytes 500 "$T/in" > "$T/out"
	[ "$(grep -c _batch "$T/out")" -gt 3 ]
	execute "$T/out"
	[ "$(sql 'SELECT COUNT(*) FROM t')" -eq "$(wc -l < "$T/values")" ]
	sql "SELECT id, REPLACE(TO_BASE64(s), CHAR(10), '') FROM t ORDER BY id" > "$T/got"
	jq -r 'select(.id) | [.id, (.s | @base64)] | @tsv' "$T/in" > "$T/want"
	diff "$T/want" "$T/got"
}

@test "DDL first, JSON objects, arrays as JSON text, INSERT IGNORE and _upsert in the database" {
	cat > "$T/in" <<'EOF'
{"_table":"ev","_ddl":"CREATE TABLE ev (messageId VARCHAR(100) NOT NULL PRIMARY KEY, n DOUBLE, ok BOOLEAN, props JSON, tags JSON, note TEXT)"}
{"_table":"ev","messageId":"m1","n":1.5,"ok":true,"props":{"a":"x'?\"y","b":[1,2]},"tags":["t1","t2"],"note":null}
{"_table":"ev","messageId":"m2","n":-2e3,"ok":false,"props":{},"tags":[],"note":"second"}
{"_table":"ev","messageId":"m1","n":9,"ok":false,"props":{"dup":true},"tags":[],"note":"ignored"}
{"_table":"users","_ddl":"CREATE TABLE users (user_id VARCHAR(64) NOT NULL, name TEXT, PRIMARY KEY (user_id))","_upsert":true}
{"_table":"users","user_id":"u1","name":"first"}
{"_table":"users","user_id":"u2","name":"other"}
{"_table":"users","user_id":"u1","name":"latest"}
EOF
	seg-batch -q "$T/in" > "$T/out"
	execute "$T/out"
	[ "$(sql 'SELECT COUNT(*) FROM ev')" -eq 2 ]
	run sql "SELECT messageId, n, ok, JSON_EXTRACT(props, '$.a'), JSON_EXTRACT(props, '$.b[1]'), JSON_EXTRACT(tags, '\$[1]'), JSON_LENGTH(tags), COALESCE(note, 'NULL') FROM ev ORDER BY messageId"
	[ "${lines[0]}" = "$(printf 'm1\t1.5\t1\t"x'"'"'?\\\\"y"\t2\t"t2"\t2\tNULL')" ]
	[ "${lines[1]}" = "$(printf 'm2\t-2000\t0\tNULL\tNULL\tNULL\t0\tsecond')" ]
	[ "$(sql 'SELECT COUNT(*) FROM users')" -eq 2 ]
	[ "$(sql "SELECT name FROM users WHERE user_id = 'u1'")" = latest ]
	[ "$(jq -r 'select(.table == "users") | .body.sql' "$T/out")" = 'INSERT INTO `users` (`user_id`, `name`) VALUES (?, ?), (?, ?), (?, ?) ON DUPLICATE KEY UPDATE `name` = VALUES(`name`)' ]
}

@test "full default batches of 1000 rows execute with their placeholder counts" {
	awk 'BEGIN { printf "{\"_table\":\"w\",\"_ddl\":\"CREATE TABLE w (id INT PRIMARY KEY"; for (c = 1; c < 10; c++) printf ", c%d INT", c; print ")\"}";
		for (r = 0; r < 2500; r++) { printf "{\"_table\":\"w\",\"id\":%d", r; for (c = 1; c < 10; c++) printf ",\"c%d\":%d", c, r + c; print "}" } }' > "$T/in"
	seg-batch -q "$T/in" > "$T/out"
	[ "$(jq -r 'select(._batch) | .rows' "$T/out" | tr '\n' ' ')" = "1000 1000 500 " ]
	execute "$T/out"
	[ "$(sql 'SELECT COUNT(*), SUM(id), SUM(c9) FROM w')" = "$(printf '2500\t3123750\t3146250')" ]
}
