/* sqlresult.h: a MariaDB result set written as the JSON of the Data API's
 * query endpoints, and MariaDB errors in the Data API's error text.
 * Value mapping (dataapi.md): integers and floats as numbers; DECIMAL,
 * strings, dates and times as strings; JSON columns inlined as JSON; binary
 * strings, BLOBs and BIT base64; SQL NULL as null. Column type names are
 * those of the Go MySQL driver's DatabaseTypeName ("BIGINT", "UNSIGNED INT",
 * "VARCHAR", "TEXT", "JSON", ...), which the Data API is built on. */
#ifndef SEG_SQLRESULT_H
#define SEG_SQLRESULT_H
#include <mysql.h>

#include "buf.h"

/* sqlresult_rows: append {"rows":[{"col":value,...},...]} for res. */
void sqlresult_rows(struct buf *out, MYSQL_RES *res);

/* sqlresult_tuples: append {"columns":[{"name","dataType","nullable"}...],
 * "rows":[[value,...],...]} for res. */
void sqlresult_tuples(struct buf *out, MYSQL_RES *res);


/* sqlresult_error: append "Error N (SQLSTATE): message" for the last error
 * of m, the Go MySQL driver's format that Data API clients parse. */
void sqlresult_error(struct buf *out, MYSQL *m);
#endif
