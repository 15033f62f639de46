#!/usr/bin/env bats
# seg-fetch: every source kind (files, folders, stdin, archives, HTTP, S3) and
# format, against real servers started here on 127.0.0.1: tests/helpers/httpd.js
# and s3rver (npm, in node_modules). Outputs are compared byte for byte.

setup_file() {
	top=$(cd "$BATS_TEST_DIRNAME/.." && pwd)
	export FIX="$top/tests/fixtures/fetch" SRV="$BATS_FILE_TMPDIR/srv"
	mkdir -p "$SRV/www"
	# HTTP server files
	printf '{"m":1}\n{"m":2}\n' | gzip -n > "$SRV/www/two.gz"
	export HTTP_PORT=$(sh "$top/tests/helpers/servers.sh" start httpd "$SRV/httpd" "$SRV/www")
	# S3: a bucket in Segment's layout, 2 sources x 3 days x 2 files + the probe
	export S3_PORT=$(sh "$top/tests/helpers/servers.sh" start s3rver "$SRV/s3" bkt)
	for s in srcA srcB; do for d in 1432684800000 1432771200000 1432857600000; do for f in 0 1; do
		printf '{"src":"%s","day":%s,"f":%s}\n' $s $d $f | gzip -n > "$SRV/o.gz"
		s3put "$SRV/o.gz" "segment-logs/$s/$d/$f.gz" -H 'Content-Encoding: gzip'
	done; done; done
	printf 'probe\n' > "$SRV/probe"
	s3put "$SRV/probe" segment-logs/dummy-object.txt
}

teardown_file() {
	top=$(cd "$BATS_TEST_DIRNAME/.." && pwd)
	sh "$top/tests/helpers/servers.sh" stop "$SRV/httpd"
	sh "$top/tests/helpers/servers.sh" stop "$SRV/s3"
}

# s3put FILE KEY [curl options]: upload with curl's own SigV4 signing.
s3put() {
	f=$1 k=$2; shift 2
	curl -sSf --aws-sigv4 "aws:amz:us-east-1:s3" --user S3RVER:S3RVER \
		-H 'x-amz-content-sha256: UNSIGNED-PAYLOAD' "$@" -T "$f" "http://127.0.0.1:$S3_PORT/bkt/$k" >/dev/null
}

load 'helpers/accounting'

setup() {
	T=$BATS_TEST_TMPDIR
	export AWS_ACCESS_KEY_ID=S3RVER AWS_SECRET_ACCESS_KEY=S3RVER HOME=$T
	unset AWS_SESSION_TOKEN AWS_PROFILE AWS_ENDPOINT_URL AWS_REGION
	S3="--endpoint-url http://127.0.0.1:$S3_PORT"
	H="http://127.0.0.1:$HTTP_PORT"
}

@test "NDJSON: bytes as in the source; CRLF, BOM and blank lines; stats" {
	printf '\xef\xbb\xbf{"a": 1}\r\n\n  \n{"b":"\\u00e9"}\n{"c":[1,2]}' > "$T/in"
	run seg-fetch -q --stats "$T/st" "$T/in"
	[ "$status" -eq 0 ]
	[ "$output" = "$(printf '{"a": 1}\n{"b":"\\u00e9"}\n{"c":[1,2]}')" ]
	[ "$(jq -c '[.objects,.in,.out,.rejected,.blank]' "$T/st")" = "[1,3,3,0,2]" ]
}

@test "batch envelopes: items unwrapped, context/integrations/sentAt appended only when missing" {
	printf '%s\n' '{"batch":[{"type":"track","event":"A"},{"type":"page","context":{"own":true},"sentAt":"x"},{}],"context":{"ip":"1.2.3.4"},"integrations":{"All":false},"sentAt":"2020-01-01T00:00:00Z","writeKey":"k"}' \
		'{"batch":[ {"type":"identify" , "userId":"u"} ]}' > "$T/in"
	run seg-fetch -q "$T/in"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = '{"type":"track","event":"A","context":{"ip":"1.2.3.4"},"integrations":{"All":false},"sentAt":"2020-01-01T00:00:00Z"}' ]
	[ "${lines[1]}" = '{"type":"page","context":{"own":true},"sentAt":"x","integrations":{"All":false}}' ]
	[ "${lines[2]}" = '{"context":{"ip":"1.2.3.4"},"integrations":{"All":false},"sentAt":"2020-01-01T00:00:00Z"}' ]
	[ "${lines[3]}" = '{"type":"identify" , "userId":"u"}' ]
	[ "${#lines[@]}" -eq 4 ]
}

@test "a file holding one JSON array: elements out one per line, pretty-printing compacted" {
	printf '[\n  {"a": 1,\n   "s": "x y"},\n  {"b":2}, 7\n]\n{"after":true}\n' > "$T/in"
	run seg-fetch -q -r "$T/rej" "$T/in"
	[ "$status" -eq 1 ]
	[ "$output" = "$(printf '{"a":1,"s":"x y"}\n{"b":2}\n{"after":true}')" ]
	[ "$(jq -c '[.reason,.line,.raw]' "$T/rej")" = '["not_object",4,"7"]' ]
}

@test "lines that are not objects go to the rejects with the object name and line" {
	printf '{"ok":1}\nnot json\n"str"\n[1,{"x":1}]\n{"batch":[1]}\n{"cut":\n' > "$T/in"
	run seg-fetch -q -r "$T/rej" "$T/in"
	[ "$status" -eq 1 ]
	[ "$output" = "$(printf '{"ok":1}\n{"x":1}')" ]
	[ "$(jq -c '[.reason,.input==$f,.line,.raw]' --arg f "$T/in" "$T/rej")" = "$(printf '%s\n' \
		'["json_syntax",true,2,"not json"]' '["not_object",true,3,"\"str\""]' '["not_object",true,4,"1"]' \
		'["not_object",true,5,"1"]' '["json_syntax",true,6,"{\"cut\":"]')" ]
}

@test "--strict rejects a message-shaped line that is not JSON" {
	printf '{"a":1,}\n' > "$T/in"
	run seg-fetch -q "$T/in"
	[ "$status" -eq 0 ] && [ "$output" = '{"a":1,}' ]
	run seg-fetch -q --strict -r "$T/rej" "$T/in"
	[ "$status" -eq 1 ] && [ -z "$output" ]
	[ "$(jq -r .reason "$T/rej")" = json_syntax ]
}

@test "gzip: concatenated members are one stream; stdin works" {
	printf '{"m":1}\n' | gzip > "$T/a.gz"
	printf '{"m":2}\n{"m":3}\n' | gzip > "$T/b.gz"
	cat "$T/a.gz" "$T/b.gz" "$T/a.gz" > "$T/cat.gz"
	run seg-fetch -q "$T/cat.gz"
	[ "$status" -eq 0 ] && [ "$output" = "$(printf '{"m":1}\n{"m":2}\n{"m":3}\n{"m":1}')" ]
	run sh -c "seg-fetch -q < '$T/cat.gz'"
	[ "$status" -eq 0 ] && [ "$(echo "$output" | wc -l)" -eq 4 ]
}

@test "truncated gzip: no line of the unverified member out, name and byte offset reported, exit 65; --keep-going exit 1" {
	printf '{"first":1}\n' | gzip > "$T/1-cut.gz"
	seq 1 5000 | sed 's/.*/{"n":&}/' | gzip > "$T/full.gz"
	head -c 4000 "$T/full.gz" >> "$T/1-cut.gz"
	printf '{"next":1}\n' > "$T/2-next.ndjson"
	run seg-fetch -q -r "$T/rej" "$T/1-cut.gz" "$T/2-next.ndjson"
	[ "$status" -eq 65 ]
	[[ "$output" == *"seg-fetch: $T/1-cut.gz: gzip data truncated in member 2 (unexpected end of input), at byte $(stat -c %s "$T/1-cut.gz") (the member's lines were not handed on)"* ]]
	[[ "$output" == *'{"first":1}'* ]]        # the verified member before it
	[[ "$output" != *'{"n":'* ]] && [[ "$output" != *next* ]]
	[ ! -s "$T/rej" ]
	run seg-fetch -q -k -r "$T/rej" "$T/1-cut.gz" "$T/2-next.ndjson"
	[ "$status" -eq 1 ]
	[[ "$output" == *'{"next":1}'* ]]
}

@test "corrupt gzip data and trailing garbage are damage (65)" {
	printf '{"m":1}\n' | gzip > "$T/a.gz"
	cp "$T/a.gz" "$T/bad.gz"; printf '\xff\xff\xff\xff' | dd of="$T/bad.gz" bs=1 seek=12 conv=notrunc 2>/dev/null
	run seg-fetch -q "$T/bad.gz"
	[ "$status" -eq 65 ] && [[ "$output" == *"$T/bad.gz: corrupt gzip data in member 1"* ]]
	{ cat "$T/a.gz"; printf 'junk'; } > "$T/trail.gz"
	run seg-fetch -q "$T/trail.gz"
	[ "$status" -eq 65 ] && [[ "$output" == *'{"m":1}'* ]]
	[[ "$output" == *"seg-fetch: $T/trail.gz: data that is not gzip after member 1, at byte "* ]]
}

@test "archives: tar.gz, tar.bz2, tar.xz, tar.zst and zip with nested folders, members in archive order" {
	want=$(printf '{"m":"a1"}\n{"m":"a2"}\n{"m":"b1"}\n{"m":"c1"}\n{"m":"c2"}\n{"m":"z1"}')
	for f in nested.tar.gz nested.tar.bz2 nested.tar.xz nested.tar.zst; do
		run seg-fetch -q "$FIX/$f"
		[ "$status" -eq 0 ] && [ "$output" = "$want" ] || { echo "$f: $output"; return 1; }
	done
	run seg-fetch -q "$FIX/nested.zip"    # zip -r stored the folders in this order
	[ "$status" -eq 0 ]
	[ "$output" = "$(printf '{"m":"b1"}\n{"m":"c1"}\n{"m":"c2"}\n{"m":"a1"}\n{"m":"a2"}\n{"m":"z1"}')" ]
	for f in plain.ndjson.xz plain.ndjson.bz2 plain.ndjson.zst; do
		run seg-fetch -q "$FIX/$f"
		[ "$output" = "$(printf '{"m":"x1"}\n{"m":"x2"}')" ] || { echo "$f: $output"; return 1; }
	done
}

@test "archive members are named OBJECT!/PATH in rejects; --source-id filters members" {
	mkdir -p "$T/t/x/y"; printf '{"ok":1}\nbad\n' > "$T/t/x/y/f.ndjson"
	tar -C "$T/t" -czf "$T/a.tgz" x
	run seg-fetch -q -r "$T/rej" "$T/a.tgz"
	[ "$status" -eq 1 ]
	[ "$(jq -c '[.input,.line]' "$T/rej")" = "[\"$T/a.tgz!/x/y/f.ndjson\",2]" ]
	run seg-fetch -q --source-id srcZ "$FIX/nested.tar.gz"
	[ "$status" -eq 0 ] && [ "$output" = '{"m":"z1"}' ]
}

@test "truncated tar.gz: damage reported with the member name, exit 65, nothing of it out" {
	seq 1 20000 | sed 's/.*/{"n":&}/' > "$T/big.ndjson"
	tar -C "$T" -czf "$T/big.tgz" big.ndjson
	head -c 20000 "$T/big.tgz" > "$T/cut.tgz"
	run seg-fetch -q -r "$T/rej" "$T/cut.tgz"
	[ "$status" -eq 65 ]
	[[ "$output" == *"$T/cut.tgz: gzip data truncated"*"at byte 20000"* ]]
	[[ "$output" != *'{"n":'* ]]
}

@test "folders: recursive, sorted key order, dummy-object.txt skipped; --list reads nothing" {
	mkdir -p "$T/d/b/c" "$T/d/a" "$T/d/segment-logs"
	printf '{"f":"b/c/1"}\n' | gzip > "$T/d/b/c/1.gz"
	printf '{"f":"a/2"}\n' > "$T/d/a/2.json"
	printf '{"f":"b-3"}\n' > "$T/d/b-3"
	printf 'probe\n' > "$T/d/segment-logs/dummy-object.txt"
	run seg-fetch -q "$T/d"
	[ "$status" -eq 0 ]
	[ "$output" = "$(printf '{"f":"a/2"}\n{"f":"b-3"}\n{"f":"b/c/1"}')" ]
	run seg-fetch -q --list "$T/d"
	[ "$status" -eq 0 ]
	[ "$(echo "$output" | jq -r .object)" = "$(printf '%s\n' "$T/d/a/2.json" "$T/d/b-3" "$T/d/b/c/1.gz")" ]
	[ "$(echo "$output" | jq -r .size | head -n1)" = 12 ]
}

@test "local Segment layout: --since inclusive, --until exclusive, --source-id" {
	for s in s1 s2; do for d in 1432684800000 1432771200000 1432857600000; do
		mkdir -p "$T/b/segment-logs/$s/$d"; printf '{"s":"%s","d":%s}\n' $s $d | gzip > "$T/b/segment-logs/$s/$d/x.gz"
	done; done
	run seg-fetch -q --since 2015-05-28 --until 1432857600000 "$T/b"
	[ "$output" = "$(printf '{"s":"s1","d":1432771200000}\n{"s":"s2","d":1432771200000}')" ]
	run seg-fetch -q --source-id s2 --since 2015-05-28 "$T/b"
	[ "$output" = "$(printf '{"s":"s2","d":1432771200000}\n{"s":"s2","d":1432857600000}')" ]
	run seg-fetch --since 2015-02-30 "$T/b"
	[ "$status" -eq 64 ]
	run seg-fetch --since 2015-05-28 --until 2015-05-28 "$T/b"
	[ "$status" -eq 64 ]
}

@test "manifest: a re-run after an interrupted run reads only what was not finished" {
	mkdir -p "$T/m"
	printf '{"o":1}\n' > "$T/m/1.ndjson"
	printf '{"o":2}\n' | gzip > "$T/m/2.gz"
	head -c 15 "$T/m/2.gz" > "$T/m/3.gz"         # damaged: the run stops here
	printf '{"o":4}\n' > "$T/m/4.ndjson"
	run seg-fetch -q -r "$T/rej" --manifest "$T/man" "$T/m"
	[ "$status" -eq 65 ]
	[ "$output" = "$(printf '{"o":1}\n{"o":2}\nseg-fetch: %s/m/3.gz: gzip data truncated in member 1 (unexpected end of input), at byte 15 (the member'"'"'s lines were not handed on)' "$T")" ]
	[ "$(jq -r .object "$T/man")" = "$(printf '%s\n' "$T/m/1.ndjson" "$T/m/2.gz")" ]
	[ "$(jq -r .state "$T/man" | sort -u)" = pending ]
	run seg-fetch -q --manifest "$T/man" --mark-done    # their load committed
	[ "$status" -eq 0 ]
	printf '{"o":3}\n' | gzip > "$T/m/3.gz"          # repaired
	printf '{"object":"torn' >> "$T/man"              # a crash while writing
	run seg-fetch -q --manifest "$T/man" --stats "$T/st" "$T/m"
	[ "$status" -eq 0 ]
	[ "$output" = "$(printf '{"o":3}\n{"o":4}')" ]
	[ "$(jq -c '[.objects,.skipped]' "$T/st")" = "[2,2]" ]
	seg-fetch -q --manifest "$T/man" --mark-done
	printf '{"o":1,"changed":1}\n' > "$T/m/1.ndjson"   # a changed object is read again
	run seg-fetch -q --manifest "$T/man" "$T/m"
	[ "$output" = '{"o":1,"changed":1}' ]
}

@test "manifest: objects read but not marked done are read again" {
	mkdir -p "$T/m"
	printf '{"o":1}\n' > "$T/m/1.ndjson"
	printf '{"o":2}\n' > "$T/m/2.ndjson"
	seg-fetch -q --manifest "$T/man" "$T/m" > /dev/null      # the load then failed
	run seg-fetch -q --manifest "$T/man" "$T/m"
	[ "$output" = "$(printf '{"o":1}\n{"o":2}')" ]
	run seg-fetch --manifest "$T/man" --mark-done
	[ "$output" = "seg-fetch: $T/man: 2 objects marked done" ]
	run seg-fetch -q --manifest "$T/man" "$T/m"
	[ "$status" -eq 0 ] && [ -z "$output" ]
	run seg-fetch --mark-done
	[ "$status" -eq 64 ]
}

@test "inputs that cannot be opened: 66, the others still read" {
	printf '{"a":1}\n' > "$T/ok"
	run seg-fetch -q "$T/missing" "$T/ok"
	[ "$status" -eq 66 ]
	[ "$output" = "$(printf 'seg-fetch: %s/missing: cannot open: No such file or directory\n{"a":1}' "$T")" ]
}

@test "HTTP: gzip with and without Content-Encoding: gzip, and decoded by a proxy, give the same lines" {
	for m in plain encoded decoded redirect; do
		run seg-fetch -q "$H/$m/two.gz"
		[ "$status" -eq 0 ] && [ "$output" = "$(printf '{"m":1}\n{"m":2}')" ] || { echo "$m: $output"; return 1; }
	done
}

@test "HTTP: 503s are retried (Retry-After honoured), a broken body resumed with Range" {
	run seg-fetch -q --retry-delay 0.01 --stats "$T/st" "$H/flaky/2/two.gz"
	[ "$status" -eq 0 ] && [ "$output" = "$(printf '{"m":1}\n{"m":2}')" ]
	[ "$(jq .retries "$T/st")" -eq 2 ]
	seq 1 50000 | sed 's/.*/{"n":&}/' > "$SRV/www/big.ndjson"
	run seg-fetch -q --retry-delay 0.01 --stats "$T/st" "$H/cut/big.ndjson"
	[ "$status" -eq 0 ]
	[ "$(jq .retries "$T/st")" -eq 1 ]
	cmp <(echo "$output") "$SRV/www/big.ndjson"
}

@test "HTTP failures: 404 is 66, 403 is 77, 503 after all retries is 69, a closed port is 69" {
	run seg-fetch -q "$H/status/404"
	[ "$status" -eq 66 ] && [ "$output" = "seg-fetch: $H/status/404: HTTP 404" ]
	run seg-fetch -q "$H/status/403"
	[ "$status" -eq 77 ]
	run seg-fetch -q --retry 2 --retry-delay 0.01 "$H/flaky/9/two.gz"
	[ "$status" -eq 69 ] && [[ "$output" == *"HTTP 503 (after all retries)"* ]]
	run seg-fetch -q --retry 1 --retry-delay 0.01 "http://127.0.0.1:1/x"
	[ "$status" -eq 69 ]
	run seg-fetch -q "https://127.0.0.1:$HTTP_PORT/plain/two.gz"    # TLS to a plain HTTP port
	[ "$status" -ne 0 ]
}

@test "HTTP manifest: an unchanged object is skipped by ETag (304)" {
	run seg-fetch -q --manifest "$T/man" "$H/plain/two.gz"
	[ "$status" -eq 0 ] && [ "${#lines[@]}" -eq 2 ]
	[ "$(jq -r '.etag|length>2' "$T/man")" = true ]
	seg-fetch -q --manifest "$T/man" --mark-done
	run seg-fetch -q --manifest "$T/man" --stats "$T/st" "$H/plain/two.gz"
	[ "$status" -eq 0 ] && [ -z "$output" ]
	[ "$(jq .skipped "$T/st")" -eq 1 ]
}

@test "S3: every key in order over several list pages; dummy object skipped; Content-Encoding: gzip objects" {
	run seg-fetch -q $S3 --page-size 5 --stats "$T/st" s3://bkt
	[ "$status" -eq 0 ]
	want=$(for s in srcA srcB; do for d in 1432684800000 1432771200000 1432857600000; do for f in 0 1; do
		printf '{"src":"%s","day":%s,"f":%s}\n' $s $d $f; done; done; done)
	[ "$output" = "$want" ]
	[ "$(jq -c '[.objects,.list_requests]' "$T/st")" = "[12,3]" ]
}

@test "S3: --since/--until/--source-id list only the chosen day folders" {
	run seg-fetch -q $S3 --since 2015-05-28 --until 2015-05-29 --stats "$T/st" s3://bkt/
	[ "$status" -eq 0 ]
	[ "$output" = "$(printf '%s\n' '{"src":"srcA","day":1432771200000,"f":0}' '{"src":"srcA","day":1432771200000,"f":1}' \
		'{"src":"srcB","day":1432771200000,"f":0}' '{"src":"srcB","day":1432771200000,"f":1}')" ]
	[ "$(jq -c '[.objects,.list_requests]' "$T/st")" = "[4,5]" ]   # sources, 2 x days, 2 x one day
	run seg-fetch -q $S3 --source-id srcB --since 1432857600000 s3://bkt/segment-logs/
	[ "$output" = "$(printf '%s\n' '{"src":"srcB","day":1432857600000,"f":0}' '{"src":"srcB","day":1432857600000,"f":1}')" ]
	run seg-fetch -q $S3 --until 2015-05-28 s3://bkt/segment-logs/srcA/
	[ "$output" = "$(printf '%s\n' '{"src":"srcA","day":1432684800000,"f":0}' '{"src":"srcA","day":1432684800000,"f":1}')" ]
}

@test "S3: --list prints objects with size and ETag and reads none" {
	run seg-fetch -q $S3 --list --source-id srcA --until 2015-05-28 s3://bkt
	[ "$status" -eq 0 ] && [ "${#lines[@]}" -eq 2 ]
	[ "$(echo "${lines[0]}" | jq -c '[.object,.size,(.etag|startswith("\""))]')" = '["s3://bkt/segment-logs/srcA/1432684800000/0.gz",43,true]' ] || \
		[ "$(echo "${lines[0]}" | jq -r .object)" = s3://bkt/segment-logs/srcA/1432684800000/0.gz ]
}

@test "S3: bad credentials 77, missing bucket 66, malformed credentials file 78, profile from ~/.aws/credentials" {
	AWS_ACCESS_KEY_ID=WRONG run seg-fetch -q $S3 s3://bkt
	[ "$status" -eq 77 ] && [[ "$output" == *InvalidAccessKeyId* ]]
	run seg-fetch -q $S3 s3://nobucket/
	[ "$status" -eq 66 ] && [[ "$output" == *NoSuchBucket* ]]
	unset AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY
	mkdir -p "$T/.aws"
	printf '[default]\naws_access_key_id = WRONG\naws_secret_access_key = x\n[ci]\naws_access_key_id=S3RVER\naws_secret_access_key=S3RVER\n' > "$T/.aws/credentials"
	run seg-fetch -q $S3 --source-id srcA --since 2015-05-29 s3://bkt
	[ "$status" -eq 77 ]
	AWS_PROFILE=ci run seg-fetch -q $S3 --source-id srcA --since 2015-05-29 s3://bkt
	[ "$status" -eq 0 ] && [ "${#lines[@]}" -eq 2 ]
	AWS_PROFILE=nosuch run seg-fetch -q $S3 s3://bkt
	[ "$status" -eq 78 ]
	printf 'garbage line\n' > "$T/.aws/credentials"
	run seg-fetch -q $S3 s3://bkt
	[ "$status" -eq 78 ] && [[ "$output" == *"credentials:1: expected key = value"* ]]
}

@test "S3 manifest: resume after an interrupted run; a rewritten object is read again" {
	run seg-fetch -q $S3 --manifest "$T/man" --source-id srcA s3://bkt
	[ "$status" -eq 0 ] && [ "${#lines[@]}" -eq 6 ]
	head -n 4 "$T/man" > "$T/man2"                  # as if stopped after 4 objects
	seg-fetch -q --manifest "$T/man2" --mark-done   # ... whose load committed
	run seg-fetch -q $S3 --manifest "$T/man2" --source-id srcA s3://bkt
	[ "$output" = "$(printf '%s\n' '{"src":"srcA","day":1432857600000,"f":0}' '{"src":"srcA","day":1432857600000,"f":1}')" ]
	printf '{"rewritten":1}\n' | gzip -n > "$T/o.gz"
	s3put "$T/o.gz" segment-logs/srcA/1432684800000/0.gz
	seg-fetch -q --manifest "$T/man2" --mark-done
	run seg-fetch -q $S3 --manifest "$T/man2" --source-id srcA s3://bkt
	[ "$output" = '{"rewritten":1}' ]
	printf '{"src":"srcA","day":1432684800000,"f":0}\n' | gzip -n > "$T/o.gz"
	s3put "$T/o.gz" segment-logs/srcA/1432684800000/0.gz -H 'Content-Encoding: gzip'
}

@test "usage: --help, bad options and bad S3 URLs" {
	run seg-fetch --help
	[ "$status" -eq 0 ] && [[ "$output" == *"--manifest FILE"* ]]
	run seg-fetch --page-size 0 x
	[ "$status" -eq 64 ]
	run seg-fetch -q s3://
	[ "$status" -eq 64 ]
}

# flip FILE OLD NEW: replace the bytes OLD by NEW (same length) in a binary file.
flip() {
	perl -0777 -pi -e "s/\\Q$2\\E/$3/" "$1"
}

@test "zip member with a bad CRC-32 and lz4 frames with bad checksums are damage (65), named, nothing of them out" {
	printf '{"m":1}\n{"m":2}\n' > "$T/a.json"
	(cd "$T" && zip -q -0 z.zip a.json)
	flip "$T/z.zip" '"m":2' '"m":3'
	! unzip -tq "$T/z.zip" >/dev/null 2>&1
	run seg-fetch -q "$T/z.zip"
	[ "$status" -eq 65 ]
	[[ "$output" == "seg-fetch: $T/z.zip!/a.json: damaged at byte "*" of the archive: ZIP bad CRC"* ]]
	[[ "$output" != *'"m"'* ]]
	run seg-fetch -q -k "$T/z.zip" "$T/a.json"
	[ "$status" -eq 1 ] && [ "${lines[1]}" = '{"m":1}' ] && [ "${#lines[@]}" -eq 3 ]
	# a tar in an lz4 frame: the tar ends before the frame's content checksum
	tar -C "$T" -cf "$T/t.tar" a.json
	lz4 -q "$T/t.tar" "$T/t.tar.lz4"
	python3 -c 'import sys; d=bytearray(open(sys.argv[1],"rb").read()); d[-2]^=1; open(sys.argv[1],"wb").write(d)' "$T/t.tar.lz4"
	! lz4 -tq "$T/t.tar.lz4" 2>/dev/null
	run seg-fetch -q "$T/t.tar.lz4"
	[ "$status" -eq 65 ]
	[[ "$output" == "seg-fetch: $T/t.tar.lz4: damaged at byte "*" of the archive: lz4 stream checksum error"* ]]
	[[ "$output" != *'"m"'* ]]
	lz4 -q "$T/t.tar" "$T/ok.tar.lz4"
	run seg-fetch -q "$T/ok.tar.lz4"
	[ "$status" -eq 0 ] && [ "$output" = "$(cat "$T/a.json")" ]
}

@test "gzip: a flipped bit that still inflates sends none of the member's lines; members before it are out" {
	printf '{"m":1}\n' | gzip > "$T/a.gz"
	python3 -c 'import sys, zlib; c=zlib.compressobj(0, zlib.DEFLATED, 31); sys.stdout.buffer.write(c.compress(b"{\"m\":2}\n{\"m\":3}\n")+c.flush())' > "$T/b.gz"
	flip "$T/b.gz" '"m":3' '"m":4'
	! gzip -t "$T/b.gz" 2>/dev/null
	cat "$T/a.gz" "$T/b.gz" > "$T/ab.gz"
	run sh -c "seg-fetch -q '$T/ab.gz' 2>'$T/err'"
	[ "$status" -eq 65 ] && [ "$output" = '{"m":1}' ]
	[[ "$(cat "$T/err")" == "seg-fetch: $T/ab.gz: corrupt gzip data in member 2: "*", at byte "*" (the member's lines were not handed on)" ]]
}

@test "gzip: zero padding after the last member is accepted as gzip -t does; a bad method byte is damage" {
	printf '{"m":1}\n' | gzip > "$T/p.gz"
	head -c 5000 /dev/zero >> "$T/p.gz"
	gzip -t "$T/p.gz" 2>/dev/null
	run seg-fetch -q "$T/p.gz"
	[ "$status" -eq 0 ] && [ "$output" = '{"m":1}' ]
	printf 'x' >> "$T/p.gz"
	run seg-fetch -q "$T/p.gz"
	[ "$status" -eq 65 ] && [[ "$output" == *"data that is not gzip after member 1 and zero padding, at byte 5028"* ]]
	printf '\x1f\x8b\x07\x00{"m":1}\n' > "$T/m.gz"
	run seg-fetch -q "$T/m.gz"
	[ "$status" -eq 65 ]
	[ "$output" = "seg-fetch: $T/m.gz: gzip header with unknown compression method 7, at byte 2" ]
}

# patch FILE OFFSET: flip the low bit of the byte at OFFSET.
patch() {
	perl -e 'open(my $f, "+<", $ARGV[0]) or die; seek($f, $ARGV[1], 0); read($f, my $c, 1);
		seek($f, $ARGV[1], 0); print $f chr(ord($c) ^ 1); close $f' "$1" "$2"
}

@test "gzip: lines cut across members at any byte (CR, BOM, over --max-line at a member's edge) come out as from the plain file" {
	{ printf '\357\273\277'; seq 1 400 | sed 's/.*/{"n":&}\r/'; printf '\n \n'
	  printf '{"x":"%0300d"}\n' 0; seq 401 500 | sed 's/.*/{"n":&}/'; printf '{"x":"%0500d"}' 0; } > "$T/plain"
	for b in 1 2 3 7 64 4093; do
		rm -f "$T"/p.* "$T/cut.gz"
		split -b $b "$T/plain" "$T/p."
		for f in "$T"/p.*; do gzip -c "$f" >> "$T/cut.gz"; done
		for m in 0 200; do
			run seg-fetch -q --max-line $((m ? m : 4096)) -r "$T/rej.gz" --stats "$T/st.gz" "$T/cut.gz"
			echo "$output" > "$T/out.gz"
			run seg-fetch -q --max-line $((m ? m : 4096)) -r "$T/rej" --stats "$T/st" "$T/plain"
			echo "$output" > "$T/out"
			cmp "$T/out" "$T/out.gz"
			diff <(sed "s#$T/cut.gz#F#" "$T/rej.gz") <(sed "s#$T/plain#F#" "$T/rej")
			[ "$(jq -c '[.in, .out, .rejected]' "$T/st.gz")" = "$(jq -c '[.in, .out, .rejected]' "$T/st")" ]
		done
	done
	[ "$(wc -l < "$T/out")" -eq 500 ] && [ "$(wc -l < "$T/rej")" -eq 2 ]
}

@test "gzip: members up to 32 MiB decoded once, a bigger one twice: gzip -dc's bytes from a file, a pipe, a tar and HTTP; a bad CRC or ISIZE sends none of the member's lines" {
	seq 1 3000 | sed 's/.*/{"n":&}/' > "$T/small"
	seg-gen --seed 3 --size 40M > "$T/big"
	[ "$(stat -c %s "$T/big")" -gt $((32 << 20)) ]
	gzip -1 -c "$T/small" > "$T/s.gz"
	gzip -1 -c "$T/big" > "$T/b.gz"
	cat "$T/s.gz" "$T/b.gz" "$T/s.gz" > "$T/mix.gz"
	cat "$T/small" "$T/big" "$T/small" > "$T/want"
	seg-fetch -q --stats "$T/st" "$T/s.gz" > "$T/out"
	cmp "$T/out" "$T/small"
	[ "$(jq '.gzip_decoded_twice // 0' "$T/st")" -eq 0 ]
	seg-fetch -q --stats "$T/st" "$T/mix.gz" > "$T/out"
	cmp "$T/out" "$T/want"
	[ "$(jq .gzip_decoded_twice "$T/st")" -eq 1 ]
	seg-fetch -q - < "$T/mix.gz" > "$T/out"
	cmp "$T/out" "$T/want"
	cat "$T/mix.gz" | seg-fetch -q > "$T/out"
	cmp "$T/out" "$T/want"
	(cd "$T" && tar cf mix.tar mix.gz s.gz)
	seg-fetch -q "$T/mix.tar" > "$T/out"
	cmp "$T/out" <(cat "$T/want" "$T/small")
	cp "$T/mix.gz" "$SRV/www/mix.gz"
	for m in plain encoded; do
		seg-fetch -q --stats "$T/st" "$H/$m/mix.gz" > "$T/out"
		cmp "$T/out" "$T/want"
		[ "$(jq .gzip_decoded_twice "$T/st")" -eq 1 ]
	done

	s=$(stat -c %s "$T/s.gz") b=$(stat -c %s "$T/b.gz")
	cp "$T/mix.gz" "$T/crc.gz"; patch "$T/crc.gz" $((s + b - 8))        # the big member's CRC-32
	run sh -c "seg-fetch -q '$T/crc.gz' > '$T/out' 2> '$T/err'"
	[ "$status" -eq 65 ]
	cmp "$T/out" "$T/small"
	[[ "$(cat "$T/err")" == "seg-fetch: $T/crc.gz: corrupt gzip data in member 2: "*" (the member's lines were not handed on)" ]]
	off=$(sed 's/.*, at byte \([0-9]*\) .*/\1/' "$T/err")    # in the trailer: after the CRC (zlib) or the ISIZE (ISA-L)
	[ "$off" -eq $((s + b - 4)) ] || [ "$off" -eq $((s + b)) ]
	cp "$T/mix.gz" "$T/isize.gz"; patch "$T/isize.gz" $((s + b + s - 4))  # the last member's ISIZE
	run sh -c "seg-fetch -q '$T/isize.gz' > '$T/out' 2> '$T/err'"
	[ "$status" -eq 65 ]
	cmp "$T/out" <(cat "$T/small" "$T/big")
	[[ "$(cat "$T/err")" == "seg-fetch: $T/isize.gz: corrupt gzip data in member 3: "*" (the member's lines were not handed on)" ]]
	[ "$(sed 's/.*, at byte \([0-9]*\) .*/\1/' "$T/err")" -eq $((s + b + s)) ]
	head -c $((s + b / 2)) "$T/mix.gz" > "$T/cut.gz"
	run sh -c "seg-fetch -q '$T/cut.gz' > '$T/out' 2> '$T/err'"
	[ "$status" -eq 65 ]
	cmp "$T/out" "$T/small"
	[[ "$(cat "$T/err")" == *"gzip data truncated in member 2 (unexpected end of input), at byte $((s + b / 2)) (the member's lines were not handed on)" ]]
}

@test "HTTP: a redirect to file:// is refused and named, exit 66, the other inputs still read" {
	printf '{"m":1}\n' > "$T/ok.ndjson"
	run seg-fetch -q "$H/location/file%3A%2F%2F%2Fetc%2Fpasswd" "$T/ok.ndjson"
	[ "$status" -eq 66 ]
	[[ "$output" == *"seg-fetch: $H/location/file%3A%2F%2F%2Fetc%2Fpasswd: redirect to file:///etc/passwd refused (only http and https are followed)"* ]]
	[[ "$output" == *'{"m":1}'* ]] && [[ "$output" != *root:* ]]
}

@test "accounting: in counts every record (envelope items, array elements, too-long lines); in = out + rejected" {
	{ printf '{"m":1}\n'
	  printf '%s\n' '{"batch":[{"m":2},7,{"m":3}],"sentAt":"s"}' '[{"m":4},"x"]'
	  bad_lines; } > "$T/in"
	run seg-fetch -q --max-line 200 -r "$T/rej" --stats "$T/st" "$T/in"
	[ "$status" -eq 1 ]
	# the bad UTF-8 and bad JSON lines are shaped like messages: handed on for seg-validate
	[ "$(jq -c '[.in,.out,.rejected,.blank]' "$T/st")" = "[10,6,4,3]" ]
	[ "$(jq -r '[.reason,.line,(.raw // .raw_base64)] | @tsv' "$T/rej" | head -2)" = "$(printf 'not_object\t2\t7\nnot_object\t3\t"x"')" ]
	assert_accounted "$T/st"
}

@test "an envelope naming \"batch\" twice is rejected whole as duplicate_key, not half read" {
	printf '%s\n' '{"batch":[{"m":1}],"batch":[{"m":2}]}' '{"m":3}' > "$T/in"
	run seg-fetch -q -r "$T/rej" --stats "$T/st" "$T/in"
	[ "$status" -eq 1 ] && [ "$output" = '{"m":3}' ]
	[ "$(jq -r '[.reason,.detail,.raw] | @tsv' "$T/rej")" = "$(printf 'duplicate_key\ta batch envelope with "batch" more than once\t{"batch":[{"m":1}],"batch":[{"m":2}]}')" ]
	assert_accounted "$T/st"
}

@test "a dangling symbolic link in a folder is an input that cannot be opened: 66, or 1 with -k; the rest is read" {
	mkdir "$T/d"
	printf '{"m":1}\n' > "$T/d/1.ndjson"
	ln -s "$T/nowhere" "$T/d/2.ndjson"
	run seg-fetch -q --stats "$T/st" "$T/d"
	[ "$status" -eq 66 ]
	[[ "$output" == *"seg-fetch: $T/d/2.ndjson: cannot open: a dangling symbolic link"* ]] && [[ "$output" == *'{"m":1}'* ]]
	[ "$(jq .unopened "$T/st")" = 1 ]
	run seg-fetch -q -k "$T/d"
	[ "$status" -eq 1 ]
}

@test "Parquet and CSV (S3 Actions output) are an unsupported format: 65, named, not a reject per line" {
	printf 'PAR1\x15\x04\x15\x00binary' > "$T/x.parquet"
	run seg-fetch -q -r "$T/rej" "$T/x.parquet"
	[ "$status" -eq 65 ] && [[ "$output" == *"x.parquet: unsupported format: Parquet"* ]]
	[ ! -s "$T/rej" ]
	printf 'event,timestamp,userId\nSigned Up,2024-01-01T00:00:00Z,u1\n' | gzip -n > "$T/x.csv.gz"
	run seg-fetch -q -r "$T/rej" "$T/x.csv.gz"
	[ "$status" -eq 65 ] && [[ "$output" == *"x.csv.gz: unsupported format: CSV"* ]]
	[ ! -s "$T/rej" ]
	printf '{"ok":1}\nnot json, with a comma\n' > "$T/y"   # a bad line in NDJSON is still a reject
	run seg-fetch -q -r "$T/rej" "$T/y"
	[ "$status" -eq 1 ] && [ "$output" = '{"ok":1}' ] && [ "$(jq -r .line "$T/rej")" = 2 ]
}

@test "a source with no objects (empty day, --source-id typo, wrong prefix) warns; --require-objects makes it 66" {
	run seg-fetch -q $S3 --source-id srcTypo s3://bkt
	[ "$status" -eq 0 ] && [ "$output" = "seg-fetch: s3://bkt: warning: no objects (check the prefix, --source-id, --since and --until)" ]
	run seg-fetch -q $S3 --require-objects s3://bkt/no/such/prefix/
	[ "$status" -eq 66 ] && [ "$output" = "seg-fetch: s3://bkt/no/such/prefix/: error: no objects" ]
	mkdir "$T/empty"
	run seg-fetch -q --require-objects "$T/empty" $S3 s3://bkt/segment-logs/srcA/1432684800000/
	[ "$status" -eq 66 ] && [ "${#lines[@]}" -eq 3 ] && [[ "${lines[0]}" == *"empty: error: no objects" ]]
	run seg-fetch -q $S3 --require-objects --source-id srcA --since 2015-05-29 s3://bkt
	[ "$status" -eq 0 ] && [ "${#lines[@]}" -eq 2 ]
}

@test "--list: mtime is ISO-8601 UTC for local files as for S3 objects" {
	printf '{"a":1}\n' > "$T/f"
	touch -d '2024-03-04 05:06:07.5 UTC' "$T/f"
	run seg-fetch -q --list "$T/f"
	[ "$(echo "$output" | jq -r .mtime)" = 2024-03-04T05:06:07.500000000Z ]
	run seg-fetch -q $S3 --list --source-id srcA --until 2015-05-28 s3://bkt
	[[ "$(echo "${lines[0]}" | jq -r .mtime)" =~ ^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}(\.[0-9]+)?Z$ ]]
}
