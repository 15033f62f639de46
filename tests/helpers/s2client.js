// tests/helpers/s2client.js: drive an s2-gateway with SingleStore's own Data
// API client (@singlestore/http-client, from the project's node_modules), to
// check that the gateway answers what that client expects.
//
//   node s2client.js URL USER PASSWORD DATABASE < steps
//
// Each line of standard input is a JSON step {"call": "ping"|"spec"|"exec"|
// "rows"|"tuples", "sql", "args", "database", "user", "password",
// "pad": N (a string arg of N bytes appended to args)}; for each, one line
// is printed: {"status": N, "body": <the raw answer body as text>} for an
// answer, or {"error": "<code>"} when no answer came (reset, EPIPE, ...).
// The steps run one after the other on one client.
'use strict';
const path = require('path');
const readline = require('readline');
const root = path.join(__dirname, '..', '..', 'node_modules');
const S2 = require(path.join(root, '@singlestore', 'http-client'));

const [url, user, password, database] = process.argv.slice(2, 6);

function api(u, p) {
	const client = new S2.ApiClient(url);
	client.authentications.BasicAuth.username = u;
	client.authentications.BasicAuth.password = p;
	return new S2.HttpApi(client);
}

function input(step) {
	const args = step.args ? step.args.slice() : undefined;
	if (step.pad)
		args.push('x'.repeat(step.pad));
	const body = Object.assign(new S2.ExecInput(step.sql), {args});
	if (step.database !== null)
		body.database = step.database === undefined ? database : step.database;
	return body;
}

async function run(step) {
	const h = api(step.user === undefined ? user : step.user,
	              step.password === undefined ? password : step.password);
	try {
		let r;
		switch (step.call) {
		case 'ping': r = await h.pingWithHttpInfo(); break;
		case 'spec': r = await h.specWithHttpInfo(); break;
		case 'exec': r = await h.execWithHttpInfo({execInput: input(step)}); break;
		case 'rows': r = await h.rowsWithHttpInfo({queryInput: input(step)}); break;
		case 'tuples': r = await h.tuplesWithHttpInfo({queryInput: input(step)}); break;
		default: throw new Error(`unknown call ${step.call}`);
		}
		const text = step.call === 'spec' ? r.data.split('\n')[0] : step.call === 'ping' ? r.data : r.response.text;
		return {status: r.response.status, body: text};
	} catch (e) {
		if (e.response)
			return {status: e.status, body: e.response.text};
		return {error: e.code || e.message};
	}
}

(async () => {
	const lines = readline.createInterface({input: process.stdin});
	for await (const line of lines)
		if (line.trim())
			process.stdout.write(JSON.stringify(await run(JSON.parse(line))) + '\n');
})();
