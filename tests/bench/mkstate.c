/* mkstate.c: write a seg-dedup state file of N synthetic ids for the state
 * save/load benchmark, quickly: the hashes are made in ascending order (random
 * gaps averaging 2^64/N), which idset_add places without moving anything.
 * usage: mkstate N FILE */
#include <stdio.h>
#include <stdlib.h>

#include "idset.h"

static uint64_t rng = 88172645463325252ULL;

static uint64_t next(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: mkstate N FILE\n");
		return 64;
	}
	uint64_t n = strtoull(argv[1], NULL, 10), gap = UINT64_MAX / (n + n / 64 + 1), hi = 0;
	struct idset s;
	char why[256];
	uint64_t saved, expired;
	idset_init(&s, n, 12345);
	for (uint64_t i = 0; i < n; i++) {
		hi += 1 + next() % (2 * gap);
		struct h128 h = { hi, next() | 1 };
		idset_add(&s, h, (uint16_t)(19000 + i % 30));
	}
	s.newest = 19029;
	if (idset_save(&s, argv[2], 0, &saved, &expired, why, sizeof why) != IDSET_OK) {
		fprintf(stderr, "mkstate: %s: %s\n", argv[2], why);
		return 74;
	}
	idset_free(&s);
	return 0;
}
