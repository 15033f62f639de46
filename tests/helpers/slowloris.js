// tests/helpers/slowloris.js: hold many idle HTTP connections to a server,
// each sending its request head one byte at a time, and report how the
// server dealt with them. Stops by itself.
//
//   node slowloris.js PORT COUNT SECONDS [LOCAL-ADDRESS]
//
// Opens COUNT connections to 127.0.0.1:PORT (from LOCAL-ADDRESS, default
// 127.0.0.2, so that a request from 127.0.0.1 is another client), writes a
// request line, then one header byte every 200 ms, never finishing the head.
// After SECONDS it prints "opened N closed N open N" (connections the server
// closed, and those still open) and exits.
'use strict';
const net = require('net');
const [port, count, seconds] = process.argv.slice(2, 5).map(Number);
const local = process.argv[5] || '127.0.0.2';
let opened = 0, closed = 0;
const socks = [];
for (let i = 0; i < count; i++) {
	const s = net.connect({port, host: '127.0.0.1', localAddress: local});
	let done = false;
	const gone = () => { if (!done) { done = true; closed++; } };
	s.on('connect', () => { opened++; s.write('POST /api/v2/exec HTTP/1.1\r\nHost: x\r\nX-Slow: '); });
	s.on('error', gone);
	s.on('close', gone);
	s.on('data', () => {});
	s.isDone = () => done;
	socks.push(s);
}
const drip = setInterval(() => {
	for (const s of socks)
		if (!s.isDone() && s.writable)
			s.write('a');
}, 200);
setTimeout(() => {
	clearInterval(drip);
	const open = socks.filter((s) => !s.isDone()).length;
	process.stdout.write(`opened ${opened} closed ${closed} open ${open}\n`);
	for (const s of socks)
		s.destroy();
	process.exit(0);
}, seconds * 1000);
