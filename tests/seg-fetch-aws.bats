#!/usr/bin/env bats
# seg-fetch against S3 as AWS is, and as a hostile server may be:
# tests/helpers/s3hostile.js on 127.0.0.1 checks every SigV4 signature (and
# session token) against the credentials in $S3H/creds and records each
# request in $S3H/requests, so what the S3 side received is asserted here.
# Every run is under `timeout`, so a loop or a hang fails the test instead of
# holding it.

setup_file() {
	top=$(cd "$BATS_TEST_DIRNAME/.." && pwd)
	export S3H="$BATS_FILE_TMPDIR/s3h"
	mkdir -p "$S3H"
	echo '{"AKIDTEST": {"secret": "SECRETTEST"}}' > "$S3H/creds"
	export S3H_PORT=$(sh "$top/tests/helpers/servers.sh" start s3hostile "$S3H")
}

teardown_file() {
	top=$(cd "$BATS_TEST_DIRNAME/.." && pwd)
	sh "$top/tests/helpers/servers.sh" stop "$S3H"
}

setup() {
	T=$BATS_TEST_TMPDIR
	export HOME=$T AWS_ACCESS_KEY_ID=AKIDTEST AWS_SECRET_ACCESS_KEY=SECRETTEST
	unset AWS_SESSION_TOKEN AWS_PROFILE AWS_REGION AWS_DEFAULT_REGION AWS_ENDPOINT_URL AWS_CONFIG_FILE \
		AWS_SHARED_CREDENTIALS_FILE AWS_WEB_IDENTITY_TOKEN_FILE AWS_ROLE_ARN \
		AWS_CONTAINER_CREDENTIALS_FULL_URI AWS_CONTAINER_CREDENTIALS_RELATIVE_URI
	export AWS_EC2_METADATA_DISABLED=true
	E="--endpoint-url http://127.0.0.1:$S3H_PORT"
	: > "$S3H/requests"
}

# fetch ARGS: seg-fetch with the server's endpoint, never longer than 60 s.
fetch() {
	timeout 60 seg-fetch $E "$@"
}

@test "signed requests verified: keys with spaces, +, UTF-8, ?&=#, sub-folders, paged" {
	run fetch -q --page-size 2 s3://good
	[ "$status" -eq 0 ]
	want=$(node -e 'const k=["a.json","b c.json","plus+sign.json","ünï.json","q?&=#.json","tilde~*(!)'"'"'.json","sub/d.json"];
		k.sort((a,b)=>Buffer.compare(Buffer.from(a),Buffer.from(b))).forEach(x=>console.log(JSON.stringify({key:x})))')
	[ "$output" = "$want" ]
	[ "$(jq -s 'map(select(.ok != true)) | length' "$S3H/requests")" -eq 0 ]
	[ "$(jq -s 'map(select(.auth == "AKIDTEST")) | length' "$S3H/requests")" -eq 11 ]   # 4 pages, 7 objects
}

@test "a listing that repeats its continuation token ends: exit 65 naming the bucket (also for folders, with --since)" {
	run fetch -q s3://loop/
	[ "$status" -eq 65 ] && [[ "$output" == *"s3://loop/"*"repeats its continuation token"* ]]
	run fetch -q --since 2015-05-27 s3://loopdirs/segment-logs/
	[ "$status" -eq 65 ] && [[ "$output" == *"s3://loopdirs/"*"repeats its continuation token"* ]]
	[ "$(wc -l < "$S3H/requests")" -le 6 ]
}

@test "a truncated listing without a continuation token: exit 65 naming the bucket" {
	run fetch -q s3://notoken/
	[ "$status" -eq 65 ] && [[ "$output" == *"s3://notoken/"*"without a continuation token"* ]]
}

@test "keys with ./, ../ and // are fetched byte for byte at their own path, never normalised" {
	run fetch -q s3://dots
	[ "$status" -eq 0 ]
	[ "$output" = "$(printf '%s\n' '{"key":"./c.json"}' '{"key":"a/../b.json"}' '{"key":"d//e.json"}' '{"key":"f/./g.json"}')" ]
	[ "$(jq -r 'select(.method == "GET" and (.path | test("json$"))) | .path' "$S3H/requests")" = \
		"$(printf '%s\n' /dots/./c.json /dots/a/../b.json /dots/d//e.json /dots/f/./g.json)" ]
	[ "$(jq -s 'map(select(.ok != true)) | length' "$S3H/requests")" -eq 0 ]
}

@test "a key longer than S3's 1024 bytes is an error, not cut" {
	run fetch -q s3://longkey
	[ "$status" -eq 65 ] && [[ "$output" == *"s3://longkey/"*"key of 1100 bytes"* ]]
	[ "$(jq -s 'map(select(.method == "GET" and (.path | length) > 20)) | length' "$S3H/requests")" -eq 0 ]
}

@test "the session token and signature never follow a redirect to another host; same-origin redirects work" {
	export AWS_SESSION_TOKEN=SESSIONTOKEN
	echo '{"AKIDTEST": {"secret": "SECRETTEST", "token": "SESSIONTOKEN"}}' > "$S3H/creds"
	run fetch -q s3://redirect
	echo '{"AKIDTEST": {"secret": "SECRETTEST"}}' > "$S3H/creds"
	[ "$status" -eq 66 ]                                             # as a redirect to file://
	[[ "$output" == *"s3://redirect/x.json"*"redirect to http://localhost:$S3H_PORT/steal/x.json refused"* ]]
	[[ "${lines[1]}" == '{"key":"a.json"}' ]]                        # y.json -> /good/a.json
	[ "$(jq -s 'map(select(.path == "/steal/x.json")) | length' "$S3H/requests")" -eq 0 ]
	[ "$(jq -s 'map(select(.path == "/good/a.json" and .token == "SESSIONTOKEN" and .ok == true)) | length' "$S3H/requests")" -eq 1 ]
}

@test "a 206 that does not start at the byte asked for is refused, nothing spliced in" {
	run fetch -q --retry 2 --retry-delay 0 -o "$T/out" s3://range
	[ "$status" -eq 69 ] && [[ "$output" == *"s3://range/r.json"*"HTTP 206 from byte 0, asked for the body from byte 1000"* ]]
	# no line twice
	[ "$(sort "$T/out" | uniq -d | wc -l)" -eq 0 ]
}

@test "a body trickling 2 bytes a second is broken off after --idle-timeout and retried, then 69" {
	run fetch -q --idle-timeout 2 --retry 1 --retry-delay 0 s3://slow
	[ "$status" -eq 69 ] && [[ "$output" == *"s3://slow/s.json"* ]]
	[ "$(jq -s 'map(select(.path == "/slow/s.json")) | length' "$S3H/requests")" -eq 2 ]
}
