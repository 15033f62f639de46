/* sqlresult.c: MariaDB result sets as Data API JSON (see sqlresult.h). */
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "sqlresult.h"

static const char *sqlresult_type_name(const MYSQL_FIELD *f);

#define BINARY_CHARSET 63

/* is_json_column: MariaDB marks JSON columns with the extended metadata
 * format name "json" (they are LONGTEXT underneath); MySQL has a type. */
static int is_json_column(const MYSQL_FIELD *f)
{
	MARIADB_CONST_STRING attr;
	if (f->type == MYSQL_TYPE_JSON)
		return 1;
	if (mariadb_field_attr(&attr, f, MARIADB_FIELD_ATTR_FORMAT_NAME) == 0 &&
	    attr.length == 4 && memcmp(attr.str, "json", 4) == 0)
		return 1;
	return 0;
}

static int is_text_type(enum enum_field_types t)
{
	switch (t) {
	case MYSQL_TYPE_STRING: case MYSQL_TYPE_VAR_STRING: case MYSQL_TYPE_VARCHAR:
	case MYSQL_TYPE_TINY_BLOB: case MYSQL_TYPE_MEDIUM_BLOB:
	case MYSQL_TYPE_LONG_BLOB: case MYSQL_TYPE_BLOB:
		return 1;
	default:
		return 0;
	}
}

/* Ways a column's values are written. */
enum vkind { V_STRING, V_NUMBER, V_JSON, V_BASE64 };

static enum vkind value_kind(const MYSQL_FIELD *f)
{
	switch (f->type) {
	case MYSQL_TYPE_TINY: case MYSQL_TYPE_SHORT: case MYSQL_TYPE_LONG:
	case MYSQL_TYPE_INT24: case MYSQL_TYPE_LONGLONG: case MYSQL_TYPE_YEAR:
	case MYSQL_TYPE_FLOAT: case MYSQL_TYPE_DOUBLE:
		return V_NUMBER;
	case MYSQL_TYPE_BIT: case MYSQL_TYPE_GEOMETRY:
		return V_BASE64;
	default:
		break;
	}
	if (is_json_column(f))
		return V_JSON;
	if (is_text_type(f->type) && f->charsetnr == BINARY_CHARSET)
		return V_BASE64;
	return V_STRING;
}

/* value: append one value; numbers and JSON the server wrote are checked
 * and fall back to a string, so the output is always valid JSON. */
static void value(struct buf *out, enum vkind k, const char *p, unsigned long n)
{
	struct json_error err;
	if (!p) {
		buf_adds(out, "null");
		return;
	}
	switch (k) {
	case V_NUMBER:
	case V_JSON:
		if (n > 0 && json_parse(p, n, 0, NULL, &err) == 0) {
			buf_add(out, p, n);
			return;
		}
		break;
	case V_BASE64:
		buf_addc(out, '"');
		base64_encode(out, p, n);
		buf_addc(out, '"');
		return;
	case V_STRING:
		break;
	}
	json_write_str(out, p, n);
}

/* kinds: the value kind of every column of res (caller frees). */
static enum vkind *kinds(MYSQL_RES *res, unsigned nf)
{
	MYSQL_FIELD *f = mysql_fetch_fields(res);
	enum vkind *k = xcalloc(nf ? nf : 1, sizeof *k);
	for (unsigned i = 0; i < nf; i++)
		k[i] = value_kind(&f[i]);
	return k;
}

void sqlresult_rows(struct buf *out, MYSQL_RES *res)
{
	unsigned nf = mysql_num_fields(res);
	MYSQL_FIELD *f = mysql_fetch_fields(res);
	enum vkind *k = kinds(res, nf);
	MYSQL_ROW row;
	int first = 1;
	buf_adds(out, "{\"rows\":[");
	while ((row = mysql_fetch_row(res))) {
		unsigned long *len = mysql_fetch_lengths(res);
		buf_adds(out, first ? "{" : ",{");
		first = 0;
		for (unsigned i = 0; i < nf; i++) {
			if (i)
				buf_addc(out, ',');
			json_write_str(out, f[i].name, f[i].name_length);
			buf_addc(out, ':');
			value(out, k[i], row[i], len[i]);
		}
		buf_addc(out, '}');
	}
	buf_adds(out, "]}");
	free(k);
}

void sqlresult_tuples(struct buf *out, MYSQL_RES *res)
{
	unsigned nf = mysql_num_fields(res);
	MYSQL_FIELD *f = mysql_fetch_fields(res);
	enum vkind *k = kinds(res, nf);
	MYSQL_ROW row;
	int first = 1;
	buf_adds(out, "{\"columns\":[");
	for (unsigned i = 0; i < nf; i++) {
		buf_adds(out, i ? ",{\"name\":" : "{\"name\":");
		json_write_str(out, f[i].name, f[i].name_length);
		buf_adds(out, ",\"dataType\":");
		json_write_str(out, sqlresult_type_name(&f[i]), strlen(sqlresult_type_name(&f[i])));
		buf_adds(out, (f[i].flags & NOT_NULL_FLAG) ? ",\"nullable\":false}" : ",\"nullable\":true}");
	}
	buf_adds(out, "],\"rows\":[");
	while ((row = mysql_fetch_row(res))) {
		unsigned long *len = mysql_fetch_lengths(res);
		buf_adds(out, first ? "[" : ",[");
		first = 0;
		for (unsigned i = 0; i < nf; i++) {
			if (i)
				buf_addc(out, ',');
			value(out, k[i], row[i], len[i]);
		}
		buf_addc(out, ']');
	}
	buf_adds(out, "]}");
	free(k);
}

/* int_name: integer types, with the driver's "UNSIGNED " prefix. */
static const char *int_name(const MYSQL_FIELD *f)
{
	int u = (f->flags & UNSIGNED_FLAG) != 0;
	switch (f->type) {
	case MYSQL_TYPE_TINY: return u ? "UNSIGNED TINYINT" : "TINYINT";
	case MYSQL_TYPE_SHORT: return u ? "UNSIGNED SMALLINT" : "SMALLINT";
	case MYSQL_TYPE_INT24: return u ? "UNSIGNED MEDIUMINT" : "MEDIUMINT";
	case MYSQL_TYPE_LONG: return u ? "UNSIGNED INT" : "INT";
	default: return u ? "UNSIGNED BIGINT" : "BIGINT";
	}
}

/* sqlresult_type_name: the Go driver's name of a column's type. */
static const char *sqlresult_type_name(const MYSQL_FIELD *f)
{
	int bin = f->charsetnr == BINARY_CHARSET;
	if (is_json_column(f))
		return "JSON";
	switch (f->type) {
	case MYSQL_TYPE_TINY: case MYSQL_TYPE_SHORT: case MYSQL_TYPE_INT24:
	case MYSQL_TYPE_LONG: case MYSQL_TYPE_LONGLONG:
		return int_name(f);
	case MYSQL_TYPE_FLOAT: return "FLOAT";
	case MYSQL_TYPE_DOUBLE: return "DOUBLE";
	case MYSQL_TYPE_DECIMAL: case MYSQL_TYPE_NEWDECIMAL: return "DECIMAL";
	case MYSQL_TYPE_BIT: return "BIT";
	case MYSQL_TYPE_YEAR: return "YEAR";
	case MYSQL_TYPE_DATE: case MYSQL_TYPE_NEWDATE: return "DATE";
	case MYSQL_TYPE_TIME: return "TIME";
	case MYSQL_TYPE_DATETIME: return "DATETIME";
	case MYSQL_TYPE_TIMESTAMP: return "TIMESTAMP";
	case MYSQL_TYPE_NULL: return "NULL";
	case MYSQL_TYPE_ENUM: return "ENUM";
	case MYSQL_TYPE_SET: return "SET";
	case MYSQL_TYPE_GEOMETRY: return "GEOMETRY";
	case MYSQL_TYPE_STRING:
		if (f->flags & ENUM_FLAG) return "ENUM";
		if (f->flags & SET_FLAG) return "SET";
		return bin ? "BINARY" : "CHAR";
	case MYSQL_TYPE_VAR_STRING: case MYSQL_TYPE_VARCHAR:
		return bin ? "VARBINARY" : "VARCHAR";
	case MYSQL_TYPE_TINY_BLOB: return bin ? "TINYBLOB" : "TINYTEXT";
	case MYSQL_TYPE_MEDIUM_BLOB: return bin ? "MEDIUMBLOB" : "MEDIUMTEXT";
	case MYSQL_TYPE_LONG_BLOB: return bin ? "LONGBLOB" : "LONGTEXT";
	case MYSQL_TYPE_BLOB: return bin ? "BLOB" : "TEXT";
	default: return "UNKNOWN";
	}
}

void sqlresult_error(struct buf *out, MYSQL *m)
{
	buf_printf(out, "Error %u (%s): %s", mysql_errno(m), mysql_sqlstate(m), mysql_error(m));
}
