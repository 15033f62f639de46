/* test_json_swar.c: test_json over the portable scanner, 8 bytes a word
 * with SWAR arithmetic, as machines without SSE2 build it. */
#define JSON_NO_SIMD 1
#include "../../lib/json.c"
#include "test_json.c"
