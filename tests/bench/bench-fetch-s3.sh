#!/bin/sh
# bench-fetch-s3.sh: a day of Segment's layout as S3 holds it (200 small
# gzipped hourly objects of ~100 events) read from s3rver on 127.0.0.1 by
# seg-fetch at -j 1 and -j 8 (objects/s and MB/s of NDJSON out). Loopback has
# almost no latency, so this is the floor of what -j saves against S3.
. "$(dirname "$0")/common.sh"
dir=$(mktemp -d)
trap 'sh "$top/tests/helpers/servers.sh" stop "$dir/s3"; rm -rf "$dir"' EXIT INT TERM
port=$(sh "$top/tests/helpers/servers.sh" start s3rver "$dir/s3" bkt) || exit 1
seg-gen --seed 3 --size 20M > "$dir/day.ndjson"
split -n l/200 -d -a 3 "$dir/day.ndjson" "$dir/obj."
i=0
for f in "$dir"/obj.*; do
	gzip -n "$f"
	curl -sSf --aws-sigv4 "aws:amz:us-east-1:s3" --user S3RVER:S3RVER -H 'x-amz-content-sha256: UNSIGNED-PAYLOAD' \
		-T "$f.gz" "http://127.0.0.1:$port/bkt/segment-logs/src1/1700000000000/$(printf '%03d' $i).gz" > /dev/null || exit 1
	i=$((i + 1))
done
bytes=$(filesize "$dir/day.ndjson")
for j in 1 8; do
	t=$(secs "AWS_ACCESS_KEY_ID=S3RVER AWS_SECRET_ACCESS_KEY=S3RVER seg-fetch -q -j $j --endpoint-url http://127.0.0.1:$port s3://bkt/segment-logs/ > '$dir/out.$j'")
	printf '  %-40s %6s MB/s  %5s objects/s  (%s s)\n' "seg-fetch -j $j (200 objects)" "$(rate "$bytes" "$t")" \
		"$(echo "$t" | awk '{ printf "%.0f", 200 / ($1 > 0 ? $1 : 0.001) }')" "$t"
done
cmp -s "$dir/out.1" "$dir/out.8" || echo "  bench: -j 8 output differs from -j 1" >&2
