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

# akids WHAT: the access key ids of the S3 requests (not STS or metadata) that passed.
akids() {
	jq -r 'select(.ok == true and .auth != null and (.path | test("^/(sts|latest|container)/") | not)) | .auth' "$S3H/requests" | sort -u
}

# every S3 request that reached the server carried the token of its key pair
tokens_match() {
	[ "$(jq -s 'map(select(.auth != null and (.auth | startswith("ASIA")) and .token != ("TOKEN-" + .auth))) | length' "$S3H/requests")" -eq 0 ]
}

@test "no credentials anywhere: exit 77 naming the sources tried; --no-sign-request reads a public bucket unsigned" {
	unset AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY
	run fetch -q s3://good
	[ "$status" -eq 77 ]
	for s in "environment" "profile default" "web identity" "container" "EC2 instance metadata"; do
		[[ "$output" == *"$s"* ]]
	done
	[ ! -s "$S3H/requests" ]                                         # nothing went out unsigned
	echo '{"anonymous": true}' > "$S3H/creds"
	run fetch -q --no-sign-request s3://good
	echo '{"AKIDTEST": {"secret": "SECRETTEST"}}' > "$S3H/creds"
	[ "$status" -eq 0 ] && [ "${#lines[@]}" -eq 7 ]
	[ "$(jq -s 'map(select(.auth != null)) | length' "$S3H/requests")" -eq 0 ]
}

@test "a profile of ~/.aws/config: its region and keys; credential_process; SSO named as unsupported" {
	unset AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY
	mkdir -p "$T/.aws"
	printf '#!/bin/sh\necho "{\\"Version\\": 1, \\"AccessKeyId\\": \\"AKIDTEST\\", \\"SecretAccessKey\\": \\"SECRETTEST\\"}"\n' > "$T/cp.sh"
	chmod +x "$T/cp.sh"
	printf '[profile cfg]\nregion = eu-central-1\naws_access_key_id = AKIDTEST\naws_secret_access_key = SECRETTEST\n[profile proc]\ncredential_process = %s\n[profile sso]\nsso_session = corp\n' "$T/cp.sh" > "$T/.aws/config"
	AWS_PROFILE=cfg run fetch -q s3://good
	[ "$status" -eq 0 ] && [ "${#lines[@]}" -eq 7 ]
	[ "$(jq -r .region "$S3H/requests" | sort -u)" = eu-central-1 ]
	AWS_PROFILE=proc run fetch -q s3://good/sub/
	[ "$status" -eq 0 ] && [ "$output" = '{"key":"sub/d.json"}' ]
	AWS_PROFILE=sso run fetch -q s3://good
	[ "$status" -eq 78 ] && [[ "$output" == *"SSO"*"not supported"* ]]
	[ "$(jq -s 'map(select(.ok != true)) | length' "$S3H/requests")" -eq 0 ]
}

@test "role_arn + source_profile: STS AssumeRole signed with the source keys; S3 sees the role's keys and token" {
	unset AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY
	export AWS_ENDPOINT_URL_STS=http://127.0.0.1:$S3H_PORT/sts/
	mkdir -p "$T/.aws"
	printf '[base]\naws_access_key_id = AKIDTEST\naws_secret_access_key = SECRETTEST\n' > "$T/.aws/credentials"
	printf '[profile role]\nrole_arn = arn:aws:iam::123456789012:role/reader\nsource_profile = base\n' > "$T/.aws/config"
	AWS_PROFILE=role run fetch -q s3://good
	[ "$status" -eq 0 ] && [ "${#lines[@]}" -eq 7 ]
	[ "$(jq -c 'select(.path == "/sts/") | [.action, .auth, .role, .ok]' "$S3H/requests")" = \
		'["AssumeRole","AKIDTEST","arn:aws:iam::123456789012:role/reader",true]' ]
	[[ "$(akids)" == ASIASTS* ]] && [ "$(akids | wc -l)" -eq 1 ]
	tokens_match
}

@test "role_arn + credential_source Ec2InstanceMetadata: AssumeRole signed with the instance role's keys" {
	unset AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_EC2_METADATA_DISABLED
	export AWS_ENDPOINT_URL_STS=http://127.0.0.1:$S3H_PORT/sts/ AWS_EC2_METADATA_SERVICE_ENDPOINT=http://127.0.0.1:$S3H_PORT
	mkdir -p "$T/.aws"
	printf '[profile role]\nrole_arn = arn:aws:iam::123456789012:role/reader\ncredential_source = Ec2InstanceMetadata\n' > "$T/.aws/config"
	AWS_PROFILE=role run fetch -q s3://good
	[ "$status" -eq 0 ] && [ "${#lines[@]}" -eq 7 ]
	[[ "$(jq -r 'select(.path == "/sts/") | .auth' "$S3H/requests")" == ASIAIMDS* ]]
	[[ "$(akids)" == ASIASTS* ]]
	tokens_match
}

@test "web identity (EKS IRSA): AWS_WEB_IDENTITY_TOKEN_FILE + AWS_ROLE_ARN, or a profile's web_identity_token_file, through AssumeRoleWithWebIdentity" {
	unset AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY
	export AWS_ENDPOINT_URL_STS=http://127.0.0.1:$S3H_PORT/sts/ AWS_ROLE_ARN=arn:aws:iam::123456789012:role/irsa
	echo WEBTOKEN > "$T/token"
	AWS_WEB_IDENTITY_TOKEN_FILE=$T/token run fetch -q s3://good
	[ "$status" -eq 0 ] && [ "${#lines[@]}" -eq 7 ]
	[ "$(jq -c 'select(.path == "/sts/") | [.action, .auth, .role, .ok]' "$S3H/requests")" = \
		'["AssumeRoleWithWebIdentity",null,"arn:aws:iam::123456789012:role/irsa",true]' ]
	[[ "$(akids)" == ASIAWEB* ]]
	tokens_match
	: > "$S3H/requests"                                              # the same from a profile
	mkdir -p "$T/.aws"
	printf '[profile irsa]\nrole_arn = arn:aws:iam::123456789012:role/p\nweb_identity_token_file = %s\n' "$T/token" > "$T/.aws/config"
	AWS_PROFILE=irsa run fetch -q s3://good
	[ "$status" -eq 0 ] && [ "${#lines[@]}" -eq 7 ]
	[ "$(jq -r 'select(.path == "/sts/") | .action + " " + .role' "$S3H/requests")" = "AssumeRoleWithWebIdentity arn:aws:iam::123456789012:role/p" ]
	[[ "$(akids)" == ASIAWEB* ]]
	echo WRONG > "$T/token"
	AWS_WEB_IDENTITY_TOKEN_FILE=$T/token run fetch -q s3://good
	[ "$status" -eq 77 ] && [[ "$output" == *AssumeRoleWithWebIdentity*InvalidIdentityToken* ]]
}

@test "container credentials (ECS, EKS Pod Identity): FULL_URI with the authorization token file" {
	unset AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY
	export AWS_CONTAINER_CREDENTIALS_FULL_URI=http://127.0.0.1:$S3H_PORT/container/creds
	echo CONTAINERAUTH > "$T/auth"
	AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE=$T/auth run fetch -q s3://good
	[ "$status" -eq 0 ] && [ "${#lines[@]}" -eq 7 ]
	[[ "$(akids)" == ASIACONT* ]]
	tokens_match
	AWS_CONTAINER_AUTHORIZATION_TOKEN=WRONG run fetch -q s3://good
	[ "$status" -eq 77 ] && [[ "$output" == *"container credentials"*401* ]]
}

@test "EC2 instance role through IMDSv2: a token PUT first, then the role's keys" {
	unset AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_EC2_METADATA_DISABLED
	export AWS_EC2_METADATA_SERVICE_ENDPOINT=http://127.0.0.1:$S3H_PORT
	run fetch -q s3://good
	[ "$status" -eq 0 ] && [ "${#lines[@]}" -eq 7 ]
	[ "$(jq -r 'select(.path | startswith("/latest/")) | .method + " " + .path' "$S3H/requests")" = \
		"$(printf '%s\n' 'PUT /latest/api/token' 'GET /latest/meta-data/iam/security-credentials/' \
		'GET /latest/meta-data/iam/security-credentials/testrole')" ]
	[[ "$(akids)" == ASIAIMDS* ]]
	tokens_match
}

@test "temporary keys expiring after 3 s are renewed during a longer run (IMDS, container, web identity, AssumeRole)" {
	unset AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_EC2_METADATA_DISABLED
	echo '{"AKIDTEST": {"secret": "SECRETTEST"}, "life": 3}' > "$S3H/creds"
	export AWS_ENDPOINT_URL_STS=http://127.0.0.1:$S3H_PORT/sts/
	want=$(for i in 00 01 02 03 04 05 06 07 08 09 10 11; do printf '{"key":"p%s.json"}\n' $i; done)
	echo WEBTOKEN > "$T/token"
	mkdir -p "$T/.aws"
	printf '[profile role]\nrole_arn = arn:aws:iam::1:role/r\naws_access_key_id = AKIDTEST\naws_secret_access_key = SECRETTEST\nsource_profile = role\n' > "$T/.aws/config"
	for how in imds container web role; do
		: > "$S3H/requests"
		case $how in
		imds) run env AWS_EC2_METADATA_SERVICE_ENDPOINT=http://127.0.0.1:$S3H_PORT timeout 60 seg-fetch $E -q -j 1 s3://paced ;;
		container) run env AWS_CONTAINER_CREDENTIALS_FULL_URI=http://127.0.0.1:$S3H_PORT/container/creds \
			AWS_CONTAINER_AUTHORIZATION_TOKEN=CONTAINERAUTH timeout 60 seg-fetch $E -q -j 1 s3://paced ;;
		web) run env AWS_WEB_IDENTITY_TOKEN_FILE=$T/token AWS_ROLE_ARN=arn:aws:iam::1:role/r timeout 60 seg-fetch $E -q -j 1 s3://paced ;;
		role) run env AWS_PROFILE=role timeout 60 seg-fetch $E -q -j 1 s3://paced ;;
		esac
		[ "$status" -eq 0 ] && [ "$output" = "$want" ]
		[ "$(akids | wc -l)" -ge 2 ]                                   # renewed at least once
		[ "$(jq -s 'map(select(.ok != true)) | length' "$S3H/requests")" -eq 0 ]
		tokens_match
	done
	echo '{"AKIDTEST": {"secret": "SECRETTEST"}}' > "$S3H/creds"
}

@test "a bucket in another region: 301 PermanentRedirect with x-amz-bucket-region followed once, with a note" {
	run fetch --page-size 3 -q s3://eu
	[ "$status" -eq 0 ] && [ "${lines[0]}" = "seg-fetch: note: s3://eu is in region eu-west-1, not us-east-1: reading it there" ]
	[ "${#lines[@]}" -eq 8 ] && [ "${lines[1]}" = '{"key":"a.json"}' ]
	[ "$(jq -c '[.region, .ok]' "$S3H/requests" | uniq -c | awk '{print $1, $2}')" = \
		"$(printf '%s\n' '1 ["us-east-1","PermanentRedirect"]' '10 ["eu-west-1",true]')" ]
}

@test "-j: objects fetched at once, output in key order; -j 8 byte-identical to -j 1" {
	run fetch -q -j 1 -o "$T/j1" s3://paced
	[ "$status" -eq 0 ]
	[ "$(jq -s 'map(.inflight // 0) | max' "$S3H/requests")" -eq 1 ]
	: > "$S3H/requests"
	run fetch -q -j 8 -o "$T/j8" s3://paced
	[ "$status" -eq 0 ]
	[ "$(jq -s 'map(.inflight // 0) | max' "$S3H/requests")" -ge 2 ]
	cmp "$T/j1" "$T/j8"
	[ "$(wc -l < "$T/j8")" -eq 12 ] && [ "$(head -c 18 "$T/j8")" = '{"key":"p00.json"}' ]
	run fetch -q -j 8 --page-size 2 s3://good
	[ "$status" -eq 0 ] && [ "$output" = "$(fetch -q -j 1 s3://good)" ] && [ "${#lines[@]}" -eq 7 ]
	run fetch -j 0 s3://good
	[ "$status" -eq 64 ]
}

@test "gs://: Cloud Storage's XML API with an HMAC key (GS_ACCESS_KEY_ID), region auto, its own endpoint" {
	unset AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY
	export GS_ACCESS_KEY_ID=AKIDTEST GS_SECRET_ACCESS_KEY=SECRETTEST GS_ENDPOINT_URL=http://127.0.0.1:$S3H_PORT
	run timeout 60 seg-fetch -q gs://good/sub/
	[ "$status" -eq 0 ] && [ "$output" = '{"key":"sub/d.json"}' ]
	run timeout 60 seg-fetch -q --list gs://good/sub/
	[ "$(echo "$output" | jq -r .object)" = gs://good/sub/d.json ]
	[ "$(jq -r '[.region, .auth, .ok] | @tsv' "$S3H/requests" | sort -u)" = "$(printf 'auto\tAKIDTEST\ttrue')" ]
	unset GS_ACCESS_KEY_ID
	run timeout 60 seg-fetch -q gs://good/sub/
	[ "$status" -eq 77 ]
}
