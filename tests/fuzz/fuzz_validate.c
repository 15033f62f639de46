/* fuzz_validate.c: libFuzzer harness for seg-validate's rules: any line that
 * json_parse accepts goes through segmsg_fields and segspec_check (and the
 * ISO-8601 parser on every string) without a crash, and the verdict is
 * either NULL or a reason with a detail. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "isotime.h"
#include "json.h"
#include "segspec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct json_members m;
	struct json_error err;
	struct isotime t;
	const char *why;
	isotime_parse((const char *)data, size, &t, &why);
	if (json_parse((const char *)data, size, 0, &m, &err) < 0)
		return 0;
	struct segmsg f;
	struct segspec_opts o;
	char detail[256];
	segspec_defaults(&o);
	o.allow_numeric_ids = size & 1;
	segmsg_fields(&m, &f);
	const char *r = segspec_check(&f, &o, detail, sizeof detail);
	if (r && !detail[0])
		abort();
	return 0;
}
