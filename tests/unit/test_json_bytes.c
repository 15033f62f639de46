/* test_json_bytes.c: test_json over the byte-loop scanner, as compilers
 * with neither SSE2 nor GCC's builtins build it. */
#define JSON_NO_SIMD 1
#define JSON_NO_SWAR 1
#include "../../lib/json.c"
#include "test_json.c"
