# tests/helpers/dataapi.bash: talk to a Data API server (s2-gateway, with or
# without --sink) with curl from a bats test; load it with
# `load 'helpers/dataapi'`. Needs T (a temp folder) and S2_URL, S2_USER,
# S2_PASSWORD.

# api PATH JSON [CURL-ARGS...]: POST JSON (or @file) with the credentials;
# sets code (HTTP status), body, and leaves headers in $T/headers.
api() {
	local path=$1 data=$2
	shift 2
	code=$(curl -sS -o "$T/body" -D "$T/headers" -w '%{http_code}' \
		-u "$S2_USER:$S2_PASSWORD" -H 'Content-Type: application/json' \
		--data-binary "$data" "$@" "$S2_URL$path")
	body=$(cat "$T/body")
}
