// tests/helpers/rawhttp.js: send raw bytes to an HTTP server and print what
// comes back, for requests curl will not make (duplicate or malformed
// headers, several requests on one connection).
//
//   node rawhttp.js PORT [WAIT-MS] < request-bytes
//
// Connects to 127.0.0.1:PORT, writes standard input, keeps the connection
// open, and prints every byte received. Stops when the server closes the
// connection (then prints "[closed]" on a line of its own) or when nothing has arrived
// for WAIT-MS milliseconds (default 1000; then "[open]"), so it never hangs.
'use strict';
const net = require('net');
const port = Number(process.argv[2]);
const wait = Number(process.argv[3] || 1000);
const chunks = [];
process.stdin.on('data', (c) => chunks.push(c));
process.stdin.on('end', () => {
	const sock = net.connect(port, '127.0.0.1');
	let timer = null;
	const idle = () => {
		clearTimeout(timer);
		timer = setTimeout(() => { process.stdout.write('\n[open]\n'); sock.destroy(); }, wait);
	};
	sock.on('connect', () => { sock.write(Buffer.concat(chunks)); idle(); });
	sock.on('data', (d) => { process.stdout.write(d); idle(); });
	sock.on('error', (e) => { process.stdout.write(`\n[error ${e.code}]\n`); });
	sock.on('end', () => { clearTimeout(timer); process.stdout.write('\n[closed]\n'); sock.destroy(); });
});
