#!/usr/bin/env bats
# s2-gateway: every endpoint and status code, Segment's own DDL and INSERT,
# SQL errors, auth, the body limit, args binding, DDL translation, 100
# parallel requests, HTTPS and each fault mode, against a real MariaDB.

load 'helpers/target'
load 'helpers/dataapi'

setup() {
	T=$BATS_TEST_TMPDIR
}

teardown() {
	gateway_stop
}

# exec_ok JSON: /api/v2/exec must answer 200
exec_ok() {
	api /api/v2/exec "$1"
	[ "$code" = 200 ] || { echo "exec: $code $body"; return 1; }
}

# ---- endpoints and status codes -----------------------------------------

@test "GET /ping answers pong as text/plain without credentials" {
	run curl -sS -D "$T/h" "$S2_URL/ping"
	[ "$status" -eq 0 ]
	[ "$output" = pong ]
	grep -qi '^HTTP/1.1 200' "$T/h"
	grep -qi '^Content-Type: text/plain' "$T/h"
}

@test "unknown path 404, wrong method 405" {
	run curl -sS -o /dev/null -w '%{http_code}' "$S2_URL/api/v2/nope"
	[ "$output" = 404 ]
	run curl -sS -o /dev/null -w '%{http_code}' -u "$S2_USER:$S2_PASSWORD" "$S2_URL/api/v2/exec"
	[ "$output" = 405 ]
	run curl -sS -o /dev/null -w '%{http_code}' -X POST "$S2_URL/ping"
	[ "$output" = 405 ]
}

@test "exec: rowsAffected and lastInsertId, rows in the database" {
	exec_ok '{"sql":"CREATE TABLE e1 (id INT AUTO_INCREMENT PRIMARY KEY, v TEXT)","database":"'"$S2_DATABASE"'"}'
	[ "$body" = '{"lastInsertId":0,"rowsAffected":0}' ]
	exec_ok '{"sql":"INSERT INTO e1 (v) VALUES (?), (?), (?)","args":["a","b","c"],"database":"'"$S2_DATABASE"'"}'
	[ "$body" = '{"lastInsertId":1,"rowsAffected":3}' ]
	grep -qi '^Content-Type: application/json' "$T/headers"
	[ "$(sql 'SELECT id, v FROM e1 ORDER BY id' | tr '\t\n' ':,')" = "1:a,2:b,3:c," ]
	exec_ok '{"sql":"UPDATE e1 SET v = ? WHERE id > ?","args":["z",1],"database":"'"$S2_DATABASE"'"}'
	[ "$body" = '{"lastInsertId":0,"rowsAffected":2}' ]
}

@test "query/rows and query/tuples: the documented shapes and value types" {
	exec_ok '{"sql":"CREATE TABLE q1 (id BIGINT NOT NULL, u INT UNSIGNED, s VARCHAR(20), t TEXT, j JSON, d DECIMAL(8,3), f DOUBLE, b VARBINARY(8), dt DATETIME(6), dd DATE)","database":"'"$S2_DATABASE"'"}'
	exec_ok '{"sql":"INSERT INTO q1 VALUES (?,?,?,?,?,?,?,?,?,?), (?,?,?,?,?,?,?,?,?,?)","args":[1,7,"x","long",{"a":[1,{"b":null}]},12.5,-0.25,"hi","2015-12-10 04:08:31.905","2015-12-10",2,null,null,null,null,null,null,null,null,null],"database":"'"$S2_DATABASE"'"}'
	api /api/v2/query/rows '{"sql":"SELECT * FROM q1 ORDER BY id","database":"'"$S2_DATABASE"'"}'
	[ "$code" = 200 ]
	[ "$body" = '{"results":[{"rows":[{"id":1,"u":7,"s":"x","t":"long","j":{"a":[1,{"b":null}]},"d":"12.500","f":-0.25,"b":"aGk=","dt":"2015-12-10 04:08:31.905000","dd":"2015-12-10"},{"id":2,"u":null,"s":null,"t":null,"j":null,"d":null,"f":null,"b":null,"dt":null,"dd":null}]}]}' ]
	api /api/v2/query/tuples '{"sql":"SELECT id, u, s, j, d FROM q1 WHERE id = ?","args":[1],"database":"'"$S2_DATABASE"'"}'
	[ "$code" = 200 ]
	[ "$body" = '{"results":[{"columns":[{"name":"id","dataType":"BIGINT","nullable":false},{"name":"u","dataType":"UNSIGNED INT","nullable":true},{"name":"s","dataType":"VARCHAR","nullable":true},{"name":"j","dataType":"JSON","nullable":true},{"name":"d","dataType":"DECIMAL","nullable":true}],"rows":[[1,7,"x",{"a":[1,{"b":null}]},"12.500"]]}]}' ]
	api /api/v2/query/rows '{"sql":"SELECT 1 AS one FROM q1 WHERE id < 0","database":"'"$S2_DATABASE"'"}'
	[ "$body" = '{"results":[{"rows":[]}]}' ]
}

@test "415 for a Content-Type other than application/json" {
	for ct in text/plain application/x-www-form-urlencoded ''; do
		code=$(curl -sS -o "$T/b" -w '%{http_code}' -u "$S2_USER:$S2_PASSWORD" \
			-H "Content-Type: $ct" --data-binary '{"sql":"SELECT 1"}' "$S2_URL/api/v2/exec")
		[ "$code" = 415 ] || { echo "$ct: $code"; return 1; }
	done
	api /api/v2/exec '{"sql":"SELECT 1"}' -H 'Content-Type: application/json; charset=utf-8'
	[ "$code" = 200 ]
}

@test "400 for a body that is not JSON or not the schema" {
	while IFS='|' read -r data want; do
		api /api/v2/exec "$data"
		[ "$code" = 400 ] || { echo "$data: $code"; return 1; }
		[[ "$body" == "$want"* ]] || { echo "$data: $body"; return 1; }
	done <<'EOT'
{"sql":"SELECT 1"|Error parsing request body:
[1,2]|Error parsing request body: not a JSON object
{"args":[]}|Error parsing request body: "sql" must be a string
{"sql":1}|Error parsing request body: "sql" must be a string
{"sql":"SELECT ?","args":{"a":1}}|Error parsing request body: "args" must be an array
{"sql":"SELECT 1","database":7}|Error parsing request body: "database" must be a string
|Error parsing request body:
EOT
}

# ---- auth -----------------------------------------------------------------

@test "401 with WWW-Authenticate: no credentials, wrong password, unknown user, Bearer" {
	for u in '' "$S2_USER:wrong" "nobody:x"; do
		if [ -n "$u" ]; then auth=(-u "$u"); else auth=(); fi
		code=$(curl -sS -o "$T/b" -D "$T/h" -w '%{http_code}' "${auth[@]}" \
			-H 'Content-Type: application/json' --data-binary '{"sql":"SELECT 1"}' "$S2_URL/api/v2/exec")
		[ "$code" = 401 ] || { echo "$u: $code"; return 1; }
		grep -qi '^WWW-Authenticate: Basic realm=' "$T/h" || { echo "$u: no WWW-Authenticate"; return 1; }
	done
	[ "$(cat "$T/b")" = "Error 1045 (28000): Access denied for user 'nobody'@'127.0.0.1' (using password: YES)" ]
	code=$(curl -sS -o "$T/b" -D "$T/h" -w '%{http_code}' -H 'Authorization: Bearer abc.def.ghi' \
		-H 'Content-Type: application/json' --data-binary '{"sql":"SELECT 1"}' "$S2_URL/api/v2/exec")
	[ "$code" = 401 ]
	grep -qi '^WWW-Authenticate: Basic' "$T/h"
	# a right password after a wrong one on the same worker still works
	api /api/v2/exec '{"sql":"SELECT 1"}'
	[ "$code" = 200 ]
}

# rootpw: the admin password of the private MariaDB (from its option file)
rootpw() {
	sed -n 's/^password=//p' "$MARIADB_ADMIN_CNF"
}

@test "empty or malformed Basic credentials: 401 before MariaDB is contacted" {
	# a gateway whose MariaDB is unreachable: any answer but 401 means it tried
	gateway_start --db-host 127.0.0.1 --db-port 1
	for cred in ':' ':x' ':anything' "$(printf '\001')"; do
		b64=$(printf '%s' "$cred" | base64)
		code=$(curl -sS -o "$T/b" -D "$T/h" -w '%{http_code}' -H "Authorization: Basic $b64" \
			-H 'Content-Type: application/json' --data-binary '{"sql":"SELECT 1"}' "$S2_URL/api/v2/exec")
		[ "$code" = 401 ] || { echo "'$cred': $code $(cat "$T/b")"; return 1; }
		grep -qi '^WWW-Authenticate: Basic realm=' "$T/h"
	done
	for h in 'Basic' 'Basic ' 'Basic !!!!' 'Basic Og' 'Basic =' 'Basicx Og==' 'Digest abc'; do
		code=$(curl -sS -o "$T/b" -w '%{http_code}' -H "Authorization: $h" \
			-H 'Content-Type: application/json' --data-binary '{"sql":"SELECT 1"}' "$S2_URL/api/v2/exec")
		[ "$code" = 401 ] || { echo "'$h': $code $(cat "$T/b")"; return 1; }
	done
	[ ! -s "$S2_GATEWAY_LOG" ]
}

@test "the gateway's OS user never stands in for HTTP credentials (unix_socket)" {
	# Debian's root account: a password OR the socket's peer credentials
	me=$(id -un)
	if [ "$me" = root ]; then
		sql "ALTER USER 'root'@'localhost' IDENTIFIED VIA mysql_native_password USING PASSWORD('$(rootpw)') OR unix_socket"
	else
		sql "CREATE USER '$me'@'localhost' IDENTIFIED VIA mysql_native_password USING PASSWORD('sekrit') OR unix_socket;
		     GRANT ALL ON *.* TO '$me'@'localhost'"
	fi
	sql "CREATE USER 'sockonly'@'localhost' IDENTIFIED VIA unix_socket"
	for cred in "$me:anything" "$me:" "sockonly:" "sockonly:x"; do
		code=$(curl -sS -o "$T/b" -w '%{http_code}' -u "$cred" -H 'Content-Type: application/json' \
			--data-binary '{"sql":"SELECT user, host FROM mysql.user"}' "$S2_URL/api/v2/query/rows")
		[ "$code" = 401 ] || { echo "$cred: $code $(cat "$T/b")"; return 1; }
	done
	# the helpers' gateway is in front of the same server: still works
	api /api/v2/exec '{"sql":"SELECT 1"}'
	[ "$code" = 200 ]
	run s2-gateway --db-socket "$MARIADB_SOCKET"
	[ "$status" -eq 64 ]
	[[ "$output" == *unix_socket* ]]
}

@test "403 when the database refuses permission" {
	sql "CREATE USER 'reader'@'localhost' IDENTIFIED BY 'rpw'; CREATE USER 'reader'@'127.0.0.1' IDENTIFIED BY 'rpw';
	     GRANT SELECT ON \`$S2_DATABASE\`.* TO 'reader'@'localhost'; GRANT SELECT ON \`$S2_DATABASE\`.* TO 'reader'@'127.0.0.1';
	     CREATE TABLE p1 (a INT); INSERT INTO p1 VALUES (5)"
	code=$(curl -sS -o "$T/b" -w '%{http_code}' -u reader:rpw -H 'Content-Type: application/json' \
		--data-binary '{"sql":"INSERT INTO p1 VALUES (6)","database":"'"$S2_DATABASE"'"}' "$S2_URL/api/v2/exec")
	[ "$code" = 403 ]
	[ "$(cat "$T/b")" = "Error 1142 (42000): INSERT command denied to user 'reader'@'127.0.0.1' for table \`$S2_DATABASE\`.\`p1\`" ]
	code=$(curl -sS -o "$T/b" -w '%{http_code}' -u reader:rpw -H 'Content-Type: application/json' \
		--data-binary '{"sql":"SELECT a FROM p1","database":"'"$S2_DATABASE"'"}' "$S2_URL/api/v2/query/rows")
	[ "$code" = 200 ] && [ "$(cat "$T/b")" = '{"results":[{"rows":[{"a":5}]}]}' ]
	code=$(curl -sS -o "$T/b" -w '%{http_code}' -u reader:rpw -H 'Content-Type: application/json' \
		--data-binary '{"sql":"SELECT 1","database":"mysql"}' "$S2_URL/api/v2/exec")
	[ "$code" = 403 ]
	[[ "$(cat "$T/b")" == "Error 1044 (42000): Access denied for user 'reader'@'127.0.0.1' to database 'mysql'" ]]
	[ "$(sql 'SELECT COUNT(*) FROM p1')" = 1 ]
}

@test "500 when MariaDB cannot be reached" {
	gateway_start --db-host 127.0.0.1 --db-port 1
	api /api/v2/exec '{"sql":"SELECT 1"}'
	[ "$code" = 500 ]
	[[ "$body" == "Error 2002 (HY000): Can't connect to server on '127.0.0.1'"* ]]
	run curl -sS "$S2_URL/ping"
	[ "$output" = pong ]
}

# ---- SQL errors -------------------------------------------------------------

@test "SQL errors: 400 with the Go driver's text and the error code" {
	exec_ok '{"sql":"CREATE TABLE s1 (id INT PRIMARY KEY, v INT NOT NULL)","database":"'"$S2_DATABASE"'"}'
	exec_ok '{"sql":"INSERT INTO s1 VALUES (1, 1)","database":"'"$S2_DATABASE"'"}'
	while IFS='|' read -r q want; do
		api /api/v2/exec "{\"sql\":\"$q\",\"database\":\"$S2_DATABASE\"}"
		[ "$code" = 400 ] || { echo "$q: $code"; return 1; }
		[ "$body" = "$want" ] || { echo "$q: $body"; return 1; }
		[[ "$body" =~ ^Error\ ([0-9]+).*: ]] || return 1
	done <<EOT
INSERT INTO s1 VALUES (1, 2)|Error 1062 (23000): Duplicate entry '1' for key 'PRIMARY'
SELECT * FROM missing|Error 1146 (42S02): Table '$S2_DATABASE.missing' doesn't exist
SELEC 1|Error 1064 (42000): You have an error in your SQL syntax; check the manual that corresponds to your MariaDB server version for the right syntax to use near 'SELEC 1' at line 1
INSERT INTO s1 VALUES (2, NULL)|Error 1048 (23000): Column 'v' cannot be null
SELECT nope FROM s1|Error 1054 (42S22): Unknown column 'nope' in 'SELECT'
SELECT 1; SELECT 2|Error 1064 (42000): You have an error in your SQL syntax; check the manual that corresponds to your MariaDB server version for the right syntax to use near 'SELECT 2' at line 1
EOT
	[ "$(sql 'SELECT COUNT(*) FROM s1')" = 1 ]
}

@test "database: selects the schema, is case-sensitive, is not remembered" {
	exec_ok '{"sql":"CREATE TABLE d1 (a INT)","database":"'"$S2_DATABASE"'"}'
	api /api/v2/exec '{"sql":"CREATE TABLE d2 (a INT)"}'
	[ "$code" = 400 ]
	[ "$body" = "Error 1046 (3D000): No database selected" ]
	api /api/v2/exec '{"sql":"SELECT * FROM d1","database":"'"${S2_DATABASE^^}"'"}'
	[ "$code" = 403 ] || [ "$code" = 400 ]
	[[ "$body" == *"${S2_DATABASE^^}"* ]]
	# many requests with and without database over the pool: never a leak
	for i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18; do
		exec_ok '{"sql":"SELECT * FROM d1","database":"'"$S2_DATABASE"'"}'
		api /api/v2/exec '{"sql":"SELECT * FROM d1"}'
		[ "$code" = 400 ] || { echo "database leaked: $body"; return 1; }
	done
	exec_ok '{"sql":"INSERT INTO '"$S2_DATABASE"'.d1 VALUES (1)"}'
	[ "$(sql 'SELECT COUNT(*) FROM d1')" = 1 ]
}

@test "no session state between requests" {
	gateway_start --workers 1
	exec_ok '{"sql":"SET @x = 42"}'
	api /api/v2/query/rows '{"sql":"SELECT @x AS x"}'
	[ "$body" = '{"results":[{"rows":[{"x":null}]}]}' ]
	exec_ok '{"sql":"CREATE TEMPORARY TABLE tmp1 (a INT)","database":"'"$S2_DATABASE"'"}'
	api /api/v2/exec '{"sql":"SELECT * FROM tmp1","database":"'"$S2_DATABASE"'"}'
	[ "$code" = 400 ]
	exec_ok '{"sql":"CREATE TABLE tx (a INT)","database":"'"$S2_DATABASE"'"}'
	exec_ok '{"sql":"BEGIN"}'
	exec_ok '{"sql":"INSERT INTO tx VALUES (1)","database":"'"$S2_DATABASE"'"}'
	[ "$(sql 'SELECT COUNT(*) FROM tx')" = 1 ]
}

@test "session state never outlives its request: locks, variables, tables, transactions, database" {
	gateway_start --workers 1
	db=$S2_DATABASE
	exec_ok '{"sql":"CREATE TABLE ss (a INT)","database":"'"$db"'"}'
	# GET_LOCK in a SELECT: released when the request ends
	api /api/v2/query/rows '{"sql":"SELECT GET_LOCK(?, 0) AS g","args":["lk"]}'
	[ "$body" = '{"results":[{"rows":[{"g":1}]}]}' ]
	[ "$(sql "SELECT IS_FREE_LOCK('lk')")" = 1 ]
	# user variables, set by SET or inside a SELECT
	exec_ok '{"sql":"SELECT @v := 5"}'
	exec_ok '{"sql":"SET @w = 6"}'
	api /api/v2/query/rows '{"sql":"SELECT @v AS v, @w AS w"}'
	[ "$body" = '{"results":[{"rows":[{"v":null,"w":null}]}]}' ]
	# session variables: back to the gateway's strict mode, the global time
	# zone and utf8mb4
	exec_ok '{"sql":"SET SESSION sql_mode = ?","args":["ANSI_QUOTES"]}'
	exec_ok '{"sql":"SET @@session.time_zone = ?","args":["+05:00"]}'
	exec_ok '{"sql":"SET NAMES latin1"}'
	api /api/v2/query/rows '{"sql":"SELECT @@sql_mode = '"'"'STRICT_ALL_TABLES,NO_ENGINE_SUBSTITUTION'"'"' AS m, @@time_zone = @@global.time_zone AS z, @@character_set_client AS c"}'
	[ "$body" = '{"results":[{"rows":[{"m":1,"z":1,"c":"utf8mb4"}]}]}' ]
	# temporary tables, by any statement that makes one
	exec_ok '{"sql":"CREATE TEMPORARY TABLE tmp2 SELECT 1 AS a","database":"'"$db"'"}'
	api /api/v2/exec '{"sql":"SELECT * FROM tmp2","database":"'"$db"'"}'
	[ "$code" = 400 ]
	# a transaction left open is rolled back, the next statement autocommits
	exec_ok '{"sql":"START TRANSACTION"}'
	exec_ok '{"sql":"INSERT INTO ss VALUES (1)","database":"'"$db"'"}'
	exec_ok '{"sql":"SET autocommit = 0"}'
	exec_ok '{"sql":"INSERT INTO ss VALUES (2)","database":"'"$db"'"}'
	[ "$(sql 'SELECT GROUP_CONCAT(a ORDER BY a) FROM ss')" = "1,2" ]
	# row locks of a SELECT ... FOR UPDATE in an open transaction
	exec_ok '{"sql":"BEGIN"}'
	exec_ok '{"sql":"SELECT * FROM ss WHERE a = 1 FOR UPDATE","database":"'"$db"'"}'
	[ "$(sql 'SET SESSION innodb_lock_wait_timeout = 1; UPDATE ss SET a = 3 WHERE a = 1; SELECT ROW_COUNT()')" = 1 ]
	# LOCK TABLES, prepared statements
	exec_ok '{"sql":"LOCK TABLES ss WRITE","database":"'"$db"'"}'
	[ "$(sql 'SET SESSION lock_wait_timeout = 1; INSERT INTO ss VALUES (4); SELECT ROW_COUNT()')" = 1 ]
	exec_ok '{"sql":"PREPARE p1 FROM ?","args":["SELECT 1"]}'
	api /api/v2/exec '{"sql":"EXECUTE p1"}'
	[ "$code" = 400 ] && [[ "$body" == "Error 1243 "* ]]
	# USE as a statement is not remembered either
	exec_ok '{"sql":"USE '"$db"'"}'
	api /api/v2/query/rows '{"sql":"SELECT DATABASE() AS d"}'
	[ "$body" = '{"results":[{"rows":[{"d":null}]}]}' ]
}

@test "an empty sql is 400 Query was empty, never an earlier statement" {
	gateway_start --workers 1
	exec_ok '{"sql":"SELECT '"'"'another client statement'"'"'"}'
	for q in '' ' ' '\n\t'; do
		api /api/v2/exec "{\"sql\":\"$q\"}"
		[ "$code $body" = "400 Error 1065 (42000): Query was empty" ] || { echo "'$q': $code $body"; return 1; }
	done
	api /api/v2/query/rows '{"sql":""}'
	[ "$code $body" = "400 Error 1065 (42000): Query was empty" ]
}

@test "exec of a statement that returns rows: rowsAffected 0 and lastInsertId 0" {
	gateway_start --workers 1
	exec_ok '{"sql":"CREATE TABLE ex1 (id INT AUTO_INCREMENT PRIMARY KEY, v INT)","database":"'"$S2_DATABASE"'"}'
	exec_ok '{"sql":"INSERT INTO ex1 (v) VALUES (1), (2), (3)","database":"'"$S2_DATABASE"'"}'
	exec_ok '{"sql":"INSERT INTO ex1 (v) VALUES (4)","database":"'"$S2_DATABASE"'"}'
	[ "$body" = '{"lastInsertId":4,"rowsAffected":1}' ]
	exec_ok '{"sql":"SELECT * FROM ex1","database":"'"$S2_DATABASE"'"}'
	[ "$body" = '{"lastInsertId":0,"rowsAffected":0}' ]
	exec_ok '{"sql":"SHOW TABLES","database":"'"$S2_DATABASE"'"}'
	[ "$body" = '{"lastInsertId":0,"rowsAffected":0}' ]
}

# raw PORT: send standard input as bytes on one connection, print the answer
raw() {
	node "$BATS_TEST_DIRNAME/helpers/rawhttp.js" "$1" 1500
}

@test "two different Content-Length headers: 400 and the connection is closed" {
	b64=$(printf '%s' "$S2_USER:$S2_PASSWORD" | base64)
	printf 'POST /api/v2/exec HTTP/1.1\r\nHost: x\r\nAuthorization: Basic %s\r\nContent-Type: application/json\r\nContent-Length: 18\r\nContent-Length: 5\r\n\r\n{"sql":"SELECT 1"}' "$b64" \
		| raw "$S2_PORT" > "$T/out"
	head -n 1 "$T/out" | grep -q '^HTTP/1.1 400 '
	grep -q 'multiple Content-Length' "$T/out"
	[ "$(tail -n 1 "$T/out")" = "[closed]" ]
	# the same length twice is one length (as Go reads it)
	printf 'POST /api/v2/exec HTTP/1.1\r\nHost: x\r\nAuthorization: Basic %s\r\nContent-Type: application/json\r\nContent-Length: 18\r\nContent-Length: 18\r\n\r\n{"sql":"SELECT 1"}' "$b64" \
		| raw "$S2_PORT" > "$T/out"
	head -n 1 "$T/out" | grep -q '^HTTP/1.1 200 '
}

@test "error bodies end with a newline; the connection stays open after a 4xx" {
	b64=$(printf '%s' "$S2_USER:$S2_PASSWORD" | base64)
	ok='{"sql":"SELECT 1"}'
	for req in "POST /api/v2/exec|Authorization: Basic Og==|application/json|$ok|401" \
	           "POST /api/v2/exec|Authorization: Basic $b64|text/plain|$ok|415" \
	           "POST /api/v2/exec|Authorization: Basic $b64|application/json|{\"sql\":\"SELEC\"}|400" \
	           "POST /api/v2/exec|Authorization: Basic $b64|application/json|{\"sql\":1}|400" \
	           "POST /api/v2/nope|Authorization: Basic $b64|application/json|$ok|404" \
	           "PUT /api/v2/exec|Authorization: Basic $b64|application/json|$ok|405"; do
		IFS='|' read -r line auth ct data want <<< "$req"
		{
			printf '%s HTTP/1.1\r\nHost: x\r\n%s\r\nContent-Type: %s\r\nContent-Length: %d\r\n\r\n%s' \
				"$line" "$auth" "$ct" "${#data}" "$data"
			printf 'POST /api/v2/exec HTTP/1.1\r\nHost: x\r\nAuthorization: Basic %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s' \
				"$b64" "${#ok}" "$ok"
		} | raw "$S2_PORT" > "$T/out"
		[ "$(grep -c '^HTTP/1.1 ' "$T/out")" = 2 ] || { echo "$req:"; cat "$T/out"; return 1; }
		[ "$(grep '^HTTP/1.1 ' "$T/out" | cut -d' ' -f2 | tr '\n' ' ')" = "$want 200 " ] || { cat "$T/out"; return 1; }
		[ "$(tail -n 1 "$T/out")" = "[open]" ] || { echo "$req:"; cat "$T/out"; return 1; }
		curl -sS -o "$T/b" -X "${line%% *}" -H "$auth" -H "Content-Type: $ct" --data-binary "$data" "$S2_URL${line#* }" || return 1
		[ "$(tail -c 1 "$T/b" | od -An -c | tr -d ' ')" = '\n' ] || { echo "$req: no newline"; return 1; }
	done
}

# ---- args -----------------------------------------------------------------

@test "args: strings, numbers, booleans, null, objects, arrays bound safely" {
	exec_ok '{"sql":"CREATE TABLE a1 (n INT AUTO_INCREMENT PRIMARY KEY, s TEXT, i BIGINT, f DOUBLE, b TINYINT, j JSON)","database":"'"$S2_DATABASE"'"}'
	cat > "$T/req" <<'EOF'
{"sql":"INSERT INTO a1 (s, i, f, b, j) VALUES (?, ?, ?, ?, ?), (?, ?, ?, ?, ?), (?, ?, ?, ?, ?), (?, ?, ?, ?, ?)","database":"DB","args":[
 "it's \"quoted\" \\ back\nnew\u0000nul", -9223372036854775808, 1.5e3, true, {"k":"v","n":[1,2,{"x":null}]},
 "'); DROP TABLE a1; --", 0, -0.5, false, [1,"two",null],
 "héllo ✓ 😀", 42, 0, null, null,
 "?", 7, 2, true, "{\"as\":\"string\"}"]}
EOF
	sed -i "s/\"DB\"/\"$S2_DATABASE\"/" "$T/req"
	exec_ok "@$T/req"
	[ "$body" = '{"lastInsertId":1,"rowsAffected":4}' ]
	run sql "SELECT HEX(s), i, f, b, j FROM a1 ORDER BY n"
	[ "${lines[0]}" = "$(printf '%s' "it's \"quoted\" \\ back"$'\n'"new" | od -An -tx1 | tr -d ' \n' | tr a-f A-F)00$(printf nul | od -An -tx1 | tr -d ' \n' | tr a-f A-F)	-9223372036854775808	1500	1	{\"k\":\"v\",\"n\":[1,2,{\"x\":null}]}" ]
	[ "$(sql 'SELECT s, i, f, b, j FROM a1 WHERE n = 2')" = "'); DROP TABLE a1; --	0	-0.5	0	[1,\"two\",null]" ]
	[ "$(sql 'SELECT s, i, f, b, j FROM a1 WHERE n = 3')" = "héllo ✓ 😀	42	0	NULL	NULL" ]
	[ "$(sql 'SELECT s, i, f, b, j FROM a1 WHERE n = 4')" = "?	7	2	1	{\"as\":\"string\"}" ]
}

@test "args: placeholders counted exactly, ? in strings, comments and identifiers skipped" {
	exec_ok '{"sql":"CREATE TABLE `q?` (a TEXT, b TEXT)","database":"'"$S2_DATABASE"'"}'
	while IFS='|' read -r q args want; do
		api /api/v2/exec "{\"sql\":\"$q\",\"args\":$args,\"database\":\"$S2_DATABASE\"}"
		[ "$code $body" = "$want" ] || { echo "$q $args: $code $body"; return 1; }
	done <<'EOT'
INSERT INTO `q?` VALUES (?, '?')|["x"]|200 {"lastInsertId":0,"rowsAffected":1}
INSERT INTO `q?` VALUES (?, \"?\")|["x"]|200 {"lastInsertId":0,"rowsAffected":1}
INSERT INTO `q?` VALUES (?, 'it''s ? \\' ?') -- ?|["x"]|200 {"lastInsertId":0,"rowsAffected":1}
INSERT INTO `q?` /* ? ? */ VALUES (?, ?) # ?|["x","y"]|200 {"lastInsertId":0,"rowsAffected":1}
INSERT INTO `q?` VALUES (?, ?)|["x"]|400 sql: expected 2 arguments, got 1
INSERT INTO `q?` VALUES (?, 'a')|["x","y"]|400 sql: expected 1 arguments, got 2
SELECT 1|[1]|400 sql: expected 0 arguments, got 1
SELECT ?|null|400 sql: expected 1 arguments, got 0
SELECT 1|null|200 {"lastInsertId":0,"rowsAffected":0}
EOT
	[ "$(sql 'SELECT COUNT(*) FROM `q?`')" = 4 ]
	[ "$(sql "SELECT COUNT(*) FROM \`q?\` WHERE b = 'it''s ? '' ?'")" = 1 ]
}

@test "args: a wide insert of 80 003 placeholders (no 65 535 ceiling)" {
	exec_ok '{"sql":"CREATE TABLE w1 (a INT, b INT, c INT)","database":"'"$S2_DATABASE"'"}'
	awk -v db="$S2_DATABASE" 'BEGIN {
		n = 26668; printf "{\"database\":\"%s\",\"sql\":\"INSERT INTO w1 VALUES (?,?,?)", db
		for (i = 1; i < n; i++) printf ",(?,?,?)"
		printf "\",\"args\":[0,0,0"
		for (i = 1; i < n; i++) printf ",%d,%d,%d", i, i % 7, 1
		printf "]}"
	}' > "$T/wide"
	[ "$(wc -c < "$T/wide")" -lt 1048576 ]
	exec_ok "@$T/wide"
	[ "$body" = '{"lastInsertId":0,"rowsAffected":26668}' ]
	[ "$(sql 'SELECT COUNT(*), SUM(a), SUM(c) FROM w1')" = "26668	355577778	26667" ]
}

# ---- Segment's destination and the toolkit's DDL ---------------------------

@test "Segment's own destination: its CREATE TABLE and multi-row INSERT as it sends them" {
	jq -cn --arg db "$S2_DATABASE" --arg sql "
        CREATE TABLE IF NOT EXISTS \`segment_data\` (
          messageId TEXT NOT NULL,
          timestamp DATETIME(6) NOT NULL,
          type TEXT NOT NULL,
          event TEXT,
          name TEXT,
          properties JSON,
          userId TEXT,
          anonymousId TEXT,
          groupId TEXT,
          traits JSON,
          context JSON,
          SHARD KEY ()
        ) AUTOSTATS_CARDINALITY_MODE=PERIODIC AUTOSTATS_HISTOGRAM_MODE=CREATE SQL_MODE='STRICT_ALL_TABLES';
      " '{sql: $sql, database: $db}' > "$T/ddl"
	exec_ok "@$T/ddl"
	exec_ok "@$T/ddl"
	cols='messageId, timestamp, type, event, name, properties, userId, anonymousId, groupId, traits, context'
	row='(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)'
	jq -cn --arg db "$S2_DATABASE" --arg sql "INSERT INTO \`segment_data\` ($cols) VALUES $row, $row" '{sql: $sql, database: $db, args: [
		"m1", "2015-12-10 04:08:31.905", "track", "Clicked", null, {"plan":"pro","n":3}, "u1", null, null, null, {"ip":"1.2.3.4"},
		"m2", "2015-12-10 04:08:32", "identify", null, null, null, "u2", "a2", null, {"email":"x@y.z"}, {}]}' > "$T/ins"
	exec_ok "@$T/ins"
	[ "$body" = '{"lastInsertId":0,"rowsAffected":2}' ]
	exec_ok "@$T/ins"
	[ "$(sql 'SELECT COUNT(*) FROM segment_data')" = 4 ]
	[ "$(sql "SELECT messageId, timestamp, type, event, properties, userId, traits, context FROM segment_data WHERE messageId = 'm1' LIMIT 1")" = \
	   "m1	2015-12-10 04:08:31.905000	track	Clicked	{\"plan\":\"pro\",\"n\":3}	u1	NULL	{\"ip\":\"1.2.3.4\"}" ]
	grep -q '"translated":true' "$S2_GATEWAY_LOG"
}

@test "the toolkit's DDL: SHARD KEY, UNIQUE KEY USING HASH, SORT KEY, table options; INSERT IGNORE dedups" {
	jq -cn --arg db "$S2_DATABASE" --arg sql 'CREATE TABLE IF NOT EXISTS `events` (
  `messageId` VARCHAR(100) NOT NULL,
  `timestamp` DATETIME(6) NOT NULL,
  `type` VARCHAR(16) NOT NULL,
  `properties` JSON,
  SHARD KEY (`messageId`),
  UNIQUE KEY (`messageId`) USING HASH,
  SORT KEY (`timestamp`)
) AUTOSTATS_ENABLED=TRUE' '{sql: $sql, database: $db}' > "$T/ddl"
	exec_ok "@$T/ddl"
	[ "$(sql "SELECT COUNT(*) FROM information_schema.statistics WHERE table_name = 'events' AND non_unique = 0")" = 1 ]
	exec_ok '{"sql":"ALTER TABLE `events` ADD COLUMN `sql_mode` TEXT","database":"'"$S2_DATABASE"'"}'
	exec_ok '{"sql":"INSERT IGNORE INTO `events` (`messageId`, `timestamp`, `type`) VALUES (?, ?, ?), (?, ?, ?), (?, ?, ?)","args":["a","2020-01-01 00:00:00","track","b","2020-01-01 00:00:00","track","a","2020-01-01 00:00:00","track"],"database":"'"$S2_DATABASE"'"}'
	[ "$body" = '{"lastInsertId":0,"rowsAffected":2}' ]
	exec_ok '{"sql":"INSERT IGNORE INTO `events` (`messageId`, `timestamp`, `type`) VALUES (?, ?, ?)","args":["b","2020-01-01 00:00:00","track"],"database":"'"$S2_DATABASE"'"}'
	[ "$body" = '{"lastInsertId":0,"rowsAffected":0}' ]
	exec_ok '{"sql":"INSERT INTO `events` (`messageId`, `timestamp`, `type`) VALUES (?, ?, ?) ON DUPLICATE KEY UPDATE `type` = VALUES(`type`)","args":["b","2020-01-01 00:00:00","page"],"database":"'"$S2_DATABASE"'"}'
	[ "$body" = '{"lastInsertId":0,"rowsAffected":2}' ]
	[ "$(sql 'SELECT messageId, type FROM events ORDER BY messageId' | tr '\t\n' ':,')" = "a:track,b:page," ]
}

@test "DDL translation leaves other statements and quoted text alone" {
	exec_ok '{"sql":"CREATE TABLE tr1 (`shard` INT, sort INT, note TEXT DEFAULT '"'"'SHARD KEY (x)'"'"')","database":"'"$S2_DATABASE"'"}'
	exec_ok '{"sql":"INSERT INTO tr1 VALUES (1, 2, DEFAULT)","database":"'"$S2_DATABASE"'"}'
	[ "$(sql 'SELECT * FROM tr1')" = "1	2	SHARD KEY (x)" ]
	# both statements are in the log, neither translated (an empty log fails)
	[ "$(jq -r 'select(.sql | test("tr1")) | .translated' "$S2_GATEWAY_LOG" | tr '\n' ' ')" = "false false " ]
}

# ---- the body limit --------------------------------------------------------

# body_of_size N FILE: a valid request of exactly N bytes (padded with spaces)
body_of_size() {
	local head='{"sql":"SELECT 1"}'
	{ printf '%s' "$head"; head -c $(( $1 - ${#head} )) /dev/zero | tr '\0' ' '; } > "$2"
}

@test "body limit: 1 048 576 bytes pass, one more is 413 with Go's text" {
	body_of_size 1048576 "$T/ok"
	api /api/v2/exec "@$T/ok"
	[ "$code" = 200 ]
	body_of_size 1048577 "$T/big"
	api /api/v2/exec "@$T/big"
	[ "$code" = 413 ]
	[ "$body" = "Error reading request body: http: request body too large" ]
	# the same without a Content-Length (chunked)
	api /api/v2/exec "@$T/big" -H 'Transfer-Encoding: chunked'
	[ "$code" = 413 ]
	[ "$body" = "Error reading request body: http: request body too large" ]
	api /api/v2/exec "@$T/ok" -H 'Transfer-Encoding: chunked'
	[ "$code" = 200 ]
	# a client that sends a big body without waiting for 100-continue
	head -c 5000000 /dev/zero | tr '\0' ' ' > "$T/huge"
	api /api/v2/exec "@$T/huge" -H 'Expect:'
	[ "$code" = 413 ]
	[ "$body" = "Error reading request body: http: request body too large" ]
}

@test "body limit: --max-body and --body-limit-status" {
	gateway_start --max-body 1000000 --body-limit-status 400
	body_of_size 1000001 "$T/big"
	api /api/v2/exec "@$T/big"
	[ "$code" = 400 ]
	[ "$body" = "Error reading request body: http: request body too large" ]
	body_of_size 1000000 "$T/ok"
	api /api/v2/exec "@$T/ok"
	[ "$code" = 200 ]
}

@test "body limit: an 8 MiB body is read and dropped, then answered 413 and closed, never reset" {
	b64=$(printf '%s' "$S2_USER:$S2_PASSWORD" | base64)
	n=$((8 << 20))
	printf 'POST /api/v2/exec HTTP/1.1\r\nHost: x\r\nAuthorization: Basic %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n' "$b64" "$n" > "$T/req"
	head -c "$n" /dev/zero | tr '\0' ' ' >> "$T/req"
	for i in 1 2 3 4 5; do
		raw "$S2_PORT" < "$T/req" > "$T/out"
		head -n 1 "$T/out" | grep -q '^HTTP/1.1 413 ' || { cat "$T/out"; return 1; }
		grep -qi '^Connection: close' "$T/out"
		grep -q '^Error reading request body: http: request body too large$' "$T/out"
		[ "$(tail -n 1 "$T/out")" = "[closed]" ] || { cat "$T/out"; return 1; }
	done
}

@test "GET /api/v2/spec: the OpenAPI document of what the gateway serves" {
	run curl -sS -D "$T/h" "$S2_URL/api/v2/spec"
	[ "$status" -eq 0 ]
	grep -q '^HTTP/1.1 200' "$T/h"
	[[ "${lines[0]}" == "openapi: 3."* ]]
	for p in /ping /api/v2/spec /api/v2/exec /api/v2/query/rows /api/v2/query/tuples; do
		grep -qx "  $p:" <<< "$output" || { echo "no $p"; return 1; }
	done
	grep -q 'BasicAuth: {type: http, scheme: basic}' <<< "$output"
	run curl -sS -o /dev/null -w '%{http_code}' -X POST "$S2_URL/api/v2/spec"
	[ "$output" = 405 ]
}

# ---- SingleStore's own client ------------------------------------------------

@test "SingleStore's client (@singlestore/http-client): exec, rows, tuples, args of every type, errors, auth, body limit" {
	[ -d "$BATS_TEST_DIRNAME/../node_modules/@singlestore/http-client" ] || { echo "no @singlestore/http-client: run npm ci"; return 1; }
	cat > "$T/steps" <<'EOT'
{"call":"ping"}
{"call":"spec"}
{"call":"exec","sql":"CREATE TABLE hc (n INT AUTO_INCREMENT PRIMARY KEY, s MEDIUMTEXT, i BIGINT, f DOUBLE, b TINYINT, z TEXT, j JSON, a JSON, d DATETIME(6))"}
{"call":"exec","sql":"INSERT INTO hc (s, i, f, b, z, j, a, d) VALUES (?, ?, ?, ?, ?, ?, ?, ?), (?, ?, ?, ?, ?, ?, ?, ?)","args":["it's \"q\" \\ é 😀", -9007199254740991, 2.5, true, null, {"k":[1,{"x":null}]}, [1,"two"], "2015-12-10 04:08:31.905", "", 0, -0.125, false, "", {}, [], "2015-12-10 04:08:32"]}
{"call":"rows","sql":"SELECT n, s, i, f, b, z, j, a, d FROM hc WHERE n = ?","args":[1]}
{"call":"tuples","sql":"SELECT n, i, b, j FROM hc WHERE b = ?","args":[false]}
{"call":"exec","sql":"SELECT * FROM hc"}
{"call":"exec","sql":"INSERT INTO hc (n) VALUES (?)","args":[1]}
{"call":"rows","sql":"SELECT nope FROM hc"}
{"call":"exec","sql":"","args":[]}
{"call":"exec","sql":"SELECT ?","args":[]}
{"call":"exec","sql":"SELECT 1","password":"wrong"}
{"call":"exec","sql":"SELECT 1","user":"","password":""}
{"call":"exec","sql":"SELECT 1","user":"root","password":"x"}
{"call":"exec","sql":"INSERT INTO hc (s) VALUES (?)","args":[],"pad":2000000}
{"call":"exec","sql":"INSERT INTO hc (s) VALUES (?)","args":[],"pad":1000000}
{"call":"rows","sql":"SELECT COUNT(*) AS c FROM hc"}
EOT
	node "$BATS_TEST_DIRNAME/helpers/s2client.js" "$S2_URL" "$S2_USER" "$S2_PASSWORD" "$S2_DATABASE" < "$T/steps" > "$T/out"
	cat "$T/out"
	diff -u - "$T/out" <<EOT
{"status":200,"body":"pong"}
{"status":200,"body":"openapi: 3.0.3"}
{"status":200,"body":"{\"lastInsertId\":0,\"rowsAffected\":0}"}
{"status":200,"body":"{\"lastInsertId\":1,\"rowsAffected\":2}"}
{"status":200,"body":"{\"results\":[{\"rows\":[{\"n\":1,\"s\":\"it's \\\\\"q\\\\\" \\\\\\\\ é 😀\",\"i\":-9007199254740991,\"f\":2.5,\"b\":1,\"z\":null,\"j\":{\"k\":[1,{\"x\":null}]},\"a\":[1,\"two\"],\"d\":\"2015-12-10 04:08:31.905000\"}]}]}"}
{"status":200,"body":"{\"results\":[{\"columns\":[{\"name\":\"n\",\"dataType\":\"INT\",\"nullable\":false},{\"name\":\"i\",\"dataType\":\"BIGINT\",\"nullable\":true},{\"name\":\"b\",\"dataType\":\"TINYINT\",\"nullable\":true},{\"name\":\"j\",\"dataType\":\"JSON\",\"nullable\":true}],\"rows\":[[2,0,0,{}]]}]}"}
{"status":200,"body":"{\"lastInsertId\":0,\"rowsAffected\":0}"}
{"status":400,"body":"Error 1062 (23000): Duplicate entry '1' for key 'PRIMARY'\n"}
{"status":400,"body":"Error 1054 (42S22): Unknown column 'nope' in 'SELECT'\n"}
{"status":400,"body":"Error 1065 (42000): Query was empty\n"}
{"status":400,"body":"sql: expected 1 arguments, got 0\n"}
{"status":401,"body":"Error 1045 (28000): Access denied for user '$S2_USER'@'127.0.0.1' (using password: YES)\n"}
{"status":401,"body":"Unauthorized: Basic authentication required\n"}
{"status":401,"body":"Error 1045 (28000): Access denied for user 'root'@'127.0.0.1' (using password: YES)\n"}
{"status":413,"body":"Error reading request body: http: request body too large\n"}
{"status":200,"body":"{\"lastInsertId\":3,\"rowsAffected\":1}"}
{"status":200,"body":"{\"results\":[{\"rows\":[{\"c\":3}]}]}"}
EOT
	# what the client sent is what MariaDB holds, byte for byte
	[ "$(sql "SELECT HEX(s), i, f, b, z IS NULL, j, a, d FROM hc WHERE n = 1")" = \
	   "$(printf '%s' "it's \"q\" \\ é 😀" | od -An -tx1 | tr -d ' \n' | tr a-f A-F)	-9007199254740991	2.5	1	1	{\"k\":[1,{\"x\":null}]}	[1,\"two\"]	2015-12-10 04:08:31.905000" ]
	[ "$(sql "SELECT s, i, f, b, z, j, a, d FROM hc WHERE n = 2")" = "	0	-0.125	0		{}	[]	2015-12-10 04:08:32.000000" ]
	[ "$(sql "SELECT LENGTH(s) FROM hc WHERE n = 3")" = 1000000 ]
}

# ---- concurrency -------------------------------------------------------------

@test "100 parallel requests all answered and all rows in" {
	exec_ok '{"sql":"CREATE TABLE c100 (id INT PRIMARY KEY, v TEXT)","database":"'"$S2_DATABASE"'"}'
	for i in $(seq 1 100); do
		printf '{"sql":"INSERT INTO c100 VALUES (?, ?)","args":[%d,"v%d"],"database":"%s"}\n' "$i" "$i" "$S2_DATABASE" > "$T/r$i"
	done
	seq 1 100 | xargs -P 100 -I{} curl -sS -o /dev/null -w '%{http_code}\n' -u "$S2_USER:$S2_PASSWORD" \
		-H 'Content-Type: application/json' --data-binary "@$T/r{}" "$S2_URL/api/v2/exec" > "$T/codes"
	[ "$(sort "$T/codes" | uniq -c | tr -s ' ')" = " 100 200" ]
	[ "$(sql 'SELECT COUNT(*), SUM(id) FROM c100')" = "100	5050" ]
}

@test "slow clients: per-address limit, request-head deadline, a few log lines; others still served" {
	gateway_start --max-conns-per-ip 50 --head-timeout 2
	node "$BATS_TEST_DIRNAME/helpers/slowloris.js" "$S2_PORT" 300 7 > "$T/slow" &
	pid=$!
	sleep 1
	# a normal client is answered while 300 slow ones hold on
	code=$(curl -sS -o "$T/b" -w '%{http_code}' --max-time 20 -u "$S2_USER:$S2_PASSWORD" \
		-H 'Content-Type: application/json' --data-binary '{"sql":"SELECT 1"}' "$S2_URL/api/v2/exec")
	[ "$code" = 200 ]
	wait "$pid"
	cat "$T/slow"
	# all 300 connected; every one was closed by the gateway (at the limit
	# or at the head deadline), none is still open
	[ "$(cat "$T/slow")" = "opened 300 closed 300 open 0" ]
	# one log line per event would be 250 lines or more
	[ "$(wc -l < "$S2_GATEWAY_ERR")" -lt 20 ] || { cat "$S2_GATEWAY_ERR"; return 1; }
	grep -q 'suppressed\|per-address' "$S2_GATEWAY_ERR"
}

# ---- HTTPS ---------------------------------------------------------------

@test "HTTPS with --cert and --key, verified against the test CA" {
	testca.sh "$T/ca"
	gateway_start --cert "$T/ca/server.pem" --key "$T/ca/server.key"
	[[ "$S2_URL" == https://127.0.0.1:* ]]
	run curl -sS --cacert "$T/ca/ca.pem" "$S2_URL/ping"
	[ "$status" -eq 0 ] && [ "$output" = pong ]
	api /api/v2/exec '{"sql":"SELECT 1"}' --cacert "$T/ca/ca.pem"
	[ "$code" = 200 ]
	run curl -sS --cacert "$T/ca/other-ca.pem" "$S2_URL/ping"
	[ "$status" -eq 60 ]
	run curl -sS "http://127.0.0.1:$S2_PORT/ping"
	[ "$status" -ne 0 ] || [ "$output" != pong ]
}

# ---- faults --------------------------------------------------------------

@test "--fail-rate 1 --fail-status 503: answered 503, nothing executed, logged" {
	exec_ok '{"sql":"CREATE TABLE f1 (a INT)","database":"'"$S2_DATABASE"'"}'
	gateway_start --fail-rate 1 --fail-status 503
	api /api/v2/exec '{"sql":"INSERT INTO f1 VALUES (1)","database":"'"$S2_DATABASE"'"}'
	[ "$code" = 503 ]
	[ "$body" = "s2-gateway: injected failure (--fail-rate)" ]
	[ "$(sql 'SELECT COUNT(*) FROM f1')" = 0 ]
	[ "$(jq -r '[.fault, .executed, .status] | join(" ")' "$S2_GATEWAY_LOG")" = "fail false 503" ]
	run curl -sS "$S2_URL/ping"
	[ "$output" = pong ]
}

@test "--drop-rate 1 --drop-when before: connection closed, not executed" {
	exec_ok '{"sql":"CREATE TABLE f2 (a INT)","database":"'"$S2_DATABASE"'"}'
	gateway_start --drop-rate 1 --drop-when before
	run curl -sS -u "$S2_USER:$S2_PASSWORD" -H 'Content-Type: application/json' \
		--data-binary '{"sql":"INSERT INTO f2 VALUES (1)","database":"'"$S2_DATABASE"'"}' "$S2_URL/api/v2/exec"
	[ "$status" -eq 52 ]     # curl: empty reply from server
	[ "$(sql 'SELECT COUNT(*) FROM f2')" = 0 ]
	[ "$(jq -r '[.fault, .executed] | join(" ")' "$S2_GATEWAY_LOG")" = "drop_before false" ]
}

@test "--drop-rate 1 --drop-when after: connection closed, but committed" {
	exec_ok '{"sql":"CREATE TABLE f3 (a INT)","database":"'"$S2_DATABASE"'"}'
	gateway_start --drop-rate 1 --drop-when after
	run curl -sS -u "$S2_USER:$S2_PASSWORD" -H 'Content-Type: application/json' \
		--data-binary '{"sql":"INSERT INTO f3 VALUES (1)","database":"'"$S2_DATABASE"'"}' "$S2_URL/api/v2/exec"
	[ "$status" -eq 52 ]
	[ "$(sql 'SELECT COUNT(*) FROM f3')" = 1 ]
	[ "$(jq -r '[.fault, .executed, .rowsAffected] | join(" ")' "$S2_GATEWAY_LOG")" = "drop_after true 1" ]
}

@test "--delay-ms delays every request" {
	gateway_start --delay-ms 400
	t=$(curl -sS -o /dev/null -w '%{time_total}' -u "$S2_USER:$S2_PASSWORD" -H 'Content-Type: application/json' \
		--data-binary '{"sql":"SELECT 1"}' "$S2_URL/api/v2/exec")
	awk -v t="$t" 'BEGIN { exit !(t >= 0.4) }'
}

# faults_of SEED: the fault sequence of 40 requests at --fail-rate 0.3
# --drop-rate 0.2 (before and after)
faults_of() {
	gateway_start --seed "$1" --fail-rate 0.3 --drop-rate 0.2 --workers 1
	for i in $(seq 1 40); do
		curl -s -o /dev/null -u "$S2_USER:$S2_PASSWORD" -H 'Content-Type: application/json' \
			--data-binary '{"sql":"INSERT INTO f4 VALUES (1)","database":"'"$S2_DATABASE"'"}' "$S2_URL/api/v2/exec" || true
	done
	jq -r .fault "$S2_GATEWAY_LOG" | tr '\n' ' '
	gateway_stop
}

@test "--seed: the same seed gives the same faults, all four kinds occur, rows match the log" {
	exec_ok '{"sql":"CREATE TABLE f4 (a INT)","database":"'"$S2_DATABASE"'"}'
	a=$(faults_of 7)
	b=$(faults_of 7)
	c=$(faults_of 8)
	[ "$a" = "$b" ]
	[ "$a" != "$c" ]
	for f in none fail drop_before drop_after; do
		[[ " $a" == *" $f "* ]] || { echo "no $f in: $a"; return 1; }
	done
	# every request that the log says executed is in the table, no other
	executed=$(echo "$a $b $c" | tr ' ' '\n' | grep -c -E '^(none|drop_after)$')
	[ "$(sql 'SELECT COUNT(*) FROM f4')" = "$executed" ]
}

# ---- the program -----------------------------------------------------------

@test "usage errors exit 64; --help and --version exit 0" {
	run s2-gateway --no-such-option
	[ "$status" -eq 64 ]
	run s2-gateway --fail-rate 2
	[ "$status" -eq 64 ]
	run s2-gateway --drop-when sometimes
	[ "$status" -eq 64 ]
	run s2-gateway --cert x.pem
	[ "$status" -eq 64 ]
	run s2-gateway --help
	[ "$status" -eq 0 ] && [[ "$output" == *--fail-rate* ]]
	run s2-gateway --version
	[ "$status" -eq 0 ] && [[ "$output" == *segpipe* ]]
}

@test "SIGTERM stops the gateway cleanly with a summary" {
	s2-gateway --port 0 --port-file "$T/port" --db-port "$MARIADB_PORT" 2> "$T/err" &
	pid=$!
	for i in $(seq 50); do [ -s "$T/port" ] && break; sleep 0.1; done
	curl -sS "http://127.0.0.1:$(cat "$T/port")/ping" >/dev/null
	kill -TERM "$pid"
	wait "$pid"
	grep -q 'requests, 0 faults injected' "$T/err"
}
