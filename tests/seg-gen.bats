#!/usr/bin/env bats
# seg-gen: same seed, same bytes; counts and sizes; every line a valid Segment
# message of one of the six types; repeats and invalid lines at their rates.

setup() {
	T=$BATS_TEST_TMPDIR
}

@test "the same seed gives the same bytes; another seed other bytes" {
	seg-gen --seed 5 --count 500 > "$T/a"
	seg-gen --seed 5 --count 500 > "$T/b"
	seg-gen --seed 6 --count 500 > "$T/c"
	cmp "$T/a" "$T/b"
	! cmp -s "$T/a" "$T/c"
}

@test "--count writes that many lines, --size at least that many bytes" {
	run sh -c 'seg-gen --count 1234 | wc -l'
	[ "$output" -eq 1234 ]
	seg-gen --size 300K > "$T/s"
	[ "$(wc -c < "$T/s")" -ge 307200 ]
	[ "$(wc -c < "$T/s")" -lt 312000 ]
}

@test "every line is a valid Segment message; all six types; about 1 KB each" {
	seg-gen --seed 3 --count 2000 > "$T/in"
	run seg-validate -q -o "$T/out" "$T/in"
	[ "$status" -eq 0 ]
	cmp "$T/in" "$T/out"
	[ "$(jq -r .type "$T/in" | sort -u | tr '\n' ,)" = "alias,group,identify,page,screen,track," ]
	avg=$(( $(wc -c < "$T/in") / 2000 ))
	[ "$avg" -gt 800 ]
	[ "$avg" -lt 1400 ]
}

@test "--dup-rate repeats earlier messageIds, with no blank lines" {
	seg-gen --seed 4 --count 10000 --dup-rate 0.05 > "$T/in"
	[ "$(grep -c '^$' "$T/in")" -eq 0 ]
	repeats=$(( 10000 - $(jq -r .messageId "$T/in" | sort -u | wc -l) ))
	[ "$repeats" -gt 400 ]
	[ "$repeats" -lt 600 ]
}

@test "--invalid-rate spoils about that share of lines" {
	seg-gen --seed 4 --count 10000 --invalid-rate 0.05 > "$T/in"
	run seg-validate -q -o /dev/null -r "$T/rej" "$T/in"
	[ "$status" -eq 1 ]
	bad=$(wc -l < "$T/rej")
	[ "$bad" -gt 300 ]
	[ "$bad" -lt 600 ]
}

@test "without --rich-rate (or at 0) the bytes are those of earlier releases, whatever the compiler" {
	sum=6d0229e0484a250a97837b087f1e11254703f8e7ab1be786316775aa96bebd0e
	[ "$(seg-gen --seed 1 --count 1000 | sha256sum | cut -d' ' -f1)" = "$sum" ]
	[ "$(seg-gen --seed 1 --count 1000 --rich-rate 0 | sha256sum | cut -d' ' -f1)" = "$sum" ]
}

@test "--rich-rate 1: long strings, escapes, raw UTF-8 and surrogate pairs, every line valid, seeded" {
	seg-gen --seed 7 --count 2000 --rich-rate 1 > "$T/in"
	seg-gen --seed 7 --count 2000 --rich-rate 1 | cmp - "$T/in"
	run seg-validate -q -o "$T/out" "$T/in"
	[ "$status" -eq 0 ]
	cmp "$T/in" "$T/out"
	[ "$(jq -r .type "$T/in" | sort -u | tr '\n' ,)" = "alias,group,identify,page,screen,track," ]
	# every event has a long title and user agent; descriptions of 200-2000
	# bytes of JSON text (fewer decoded: \u0000 is one byte)
	[ "$(jq -r '.context.page.title | utf8bytelength >= 150' "$T/in" | sort -u)" = true ]
	[ "$(jq -r '.context.userAgent | utf8bytelength >= 140' "$T/in" | sort -u)" = true ]
	[ "$(jq -r '(.properties.description // .traits.bio // .traits.description // empty)
		| utf8bytelength >= 150 and utf8bytelength <= 2100' "$T/in" | sort -u)" = true ]
	for s in '\\"' '\\\\' '\\n' '\\t' '\\/' '\\u0000' '\\u00e9' '\\ud83d\\ude00'; do
		grep -q -- "$s" "$T/in"
	done
	grep -q 'Москва' "$T/in"
	grep -q '日本語' "$T/in"
	grep -q "$(printf '\360\237\232\200')" "$T/in"
	avg=$(( $(wc -c < "$T/in") / 2000 ))
	[ "$avg" -gt 2500 ]
}

@test "--rich-rate 0.3 makes about that share of events rich" {
	seg-gen --seed 8 --count 4000 --rich-rate 0.3 > "$T/in"
	rich=$(jq -r 'select(.context.page.search) | .messageId' "$T/in" | wc -l)
	[ "$rich" -gt 1000 ]
	[ "$rich" -lt 1400 ]
	run seg-validate -q -o /dev/null "$T/in"
	[ "$status" -eq 0 ]
}

@test "bad options are usage errors" {
	run seg-gen --rich-rate 1.5
	[ "$status" -eq 64 ]
	run seg-gen --dup-rate 2
	[ "$status" -eq 64 ]
	run seg-gen --size lots
	[ "$status" -eq 64 ]
	run seg-gen extra
	[ "$status" -eq 64 ]
}
