// tests/bench/duckdb-rows.mjs: the DuckDB contender of bench-duckdb.sh. Maps
// a gzipped Segment archive to seg-flatten's segment_data rows, as DuckDB
// users would: read_ndjson over the .gz objects, the same columns (timestamp:
// the first of timestamp, originalTimestamp, sentAt, receivedAt, in UTC as
// YYYY-MM-DD HH:MM:SS.ffffff; name for page and screen only; traits from
// context.traits, else traits), one row per messageId, written as NDJSON.
//   node tests/bench/duckdb-rows.mjs 'ARCHIVE/segment-logs/*/*/*.gz' OUT.ndjson
import { DuckDBInstance } from '@duckdb/node-api';

const [glob, out] = process.argv.slice(2);
if (!glob || !out) {
	console.error('usage: duckdb-rows.mjs GLOB OUT');
	process.exit(64);
}
const q = (s) => "'" + s.replaceAll("'", "''") + "'";
const cols = `{messageId: 'VARCHAR', timestamp: 'VARCHAR', originalTimestamp: 'VARCHAR',
	sentAt: 'VARCHAR', receivedAt: 'VARCHAR', type: 'VARCHAR', event: 'VARCHAR', name: 'VARCHAR',
	properties: 'JSON', userId: 'VARCHAR', anonymousId: 'VARCHAR', groupId: 'VARCHAR',
	traits: 'JSON', context: 'JSON'}`;
const sql = `COPY (
	SELECT messageId,
		strftime(timezone('UTC', coalesce(timestamp, originalTimestamp, sentAt, receivedAt)::TIMESTAMPTZ),
			'%Y-%m-%d %H:%M:%S.%f') AS timestamp,
		type, event,
		CASE WHEN type IN ('page', 'screen') THEN name END AS name,
		properties, userId, anonymousId, groupId,
		coalesce(nullif(json_extract(context, '$.traits'), 'null'::JSON), traits) AS traits,
		context
	FROM read_ndjson(${q(glob)}, columns = ${cols}, compression = 'gzip')
	QUALIFY row_number() OVER (PARTITION BY messageId) = 1
) TO ${q(out)} (FORMAT JSON)`;
const db = await DuckDBInstance.create(':memory:');
const conn = await db.connect();
await conn.run(sql);
