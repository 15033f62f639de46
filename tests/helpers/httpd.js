// tests/helpers/httpd.js: a small HTTP server for seg-fetch's tests, on
// 127.0.0.1 on a port the kernel picks. Usage: node httpd.js ROOT PORTFILE
// Serves files under ROOT with an ETag, Range and If-None-Match; the first
// path component chooses a behaviour:
//   /plain/F      the file's bytes as they are
//   /encoded/F    the bytes with Content-Encoding: gzip (as S3 serves Segment's objects)
//   /decoded/F    the file gunzipped first, no Content-Encoding (a decoding proxy)
//   /flaky/N/F    503 with Retry-After: 0 for the first N requests of F, then F
//   /cut/F        the first request sends half of F and drops the connection
//   /redirect/F   302 to /plain/F
//   /status/C     an empty answer with HTTP status C
//   /location/U   302 to U (URL-encoded in the path), wherever it points
// and /dataapi/KIND/... answers POSTs as a hostile Data API would (for
// s2-load's tests; its --url is http://127.0.0.1:PORT/dataapi/KIND):
//   ok            200 {"lastInsertId":0,"rowsAffected":1}
//   html, empty, hello   200 with a proxy's HTML page, no body, {"hello":"world"}
//   redirect      302 to https://login.example.com/sso
//   hang          never answers
//   retryafter    the first request: 503 with Retry-After: 1000000; then ok
//   dropsecond    ok, but the 2nd request on each connection is dropped unanswered
//   echoauth      400 with an error text that echoes the Authorization header
// Only node's standard library is used; it stops on SIGTERM.
'use strict';
const http = require('http');
const fs = require('fs');
const path = require('path');
const zlib = require('zlib');
const crypto = require('crypto');

const [root, portfile] = process.argv.slice(2);
if (!root || !portfile) {
  console.error('usage: node httpd.js ROOT PORTFILE');
  process.exit(64);
}
const seen = new Map();

function send(req, res, body, headers) {
  const etag = '"' + crypto.createHash('md5').update(body).digest('hex') + '"';
  headers = Object.assign({ ETag: etag, 'Accept-Ranges': 'bytes' }, headers);
  if (req.headers['if-none-match'] === etag) {
    res.writeHead(304, { ETag: etag });
    return res.end();
  }
  const range = /^bytes=(\d+)-$/.exec(req.headers['range'] || '');
  const ifRange = req.headers['if-range'];
  if (range && (!ifRange || ifRange === etag)) {
    const start = Number(range[1]);
    if (start >= body.length) {
      res.writeHead(416, { 'Content-Range': 'bytes */' + body.length });
      return res.end();
    }
    headers['Content-Range'] = `bytes ${start}-${body.length - 1}/${body.length}`;
    headers['Content-Length'] = body.length - start;
    res.writeHead(206, headers);
    return res.end(body.subarray(start));
  }
  headers['Content-Length'] = body.length;
  res.writeHead(200, headers);
  res.end(body);
}

function dataapi(kind, req, res, n) {
  const ok = () => { res.writeHead(200, { 'Content-Type': 'application/json' }); res.end('{"lastInsertId":0,"rowsAffected":1}'); };
  req.socket.requests = (req.socket.requests || 0) + 1;
  switch (kind) {
  case 'ok': return ok();
  case 'html':
    res.writeHead(200, { 'Content-Type': 'text/html' });
    return res.end('<html><head><title>Sign in</title></head>\n<body>Proxy login required</body></html>\n');
  case 'empty': res.writeHead(200); return res.end();
  case 'hello': res.writeHead(200, { 'Content-Type': 'application/json' }); return res.end('{"hello":"world"}');
  case 'redirect': res.writeHead(302, { Location: 'https://login.example.com/sso' }); return res.end();
  case 'hang': return;
  case 'retryafter':
    if (n === 1) { res.writeHead(503, { 'Retry-After': '1000000' }); return res.end('busy'); }
    return ok();
  case 'dropsecond':
    if (req.socket.requests === 2) return req.socket.destroy();
    return ok();
  case 'echoauth':
    res.writeHead(400);
    return res.end('Error 1045 (28000): Access denied; request had Authorization: ' + req.headers.authorization +
                   ' and password=' + Buffer.from((req.headers.authorization || '').split(' ')[1] || '', 'base64').toString().split(':')[1]);
  }
  res.writeHead(400);
  res.end('unknown dataapi kind');
}

const server = http.createServer((req, res) => {
  const url = new URL(req.url, 'http://x');
  const parts = url.pathname.split('/').filter(Boolean).map(decodeURIComponent);
  const mode = parts.shift();
  const count = (key) => { const n = (seen.get(key) || 0) + 1; seen.set(key, n); return n; };
  if (mode === 'location') {
    res.writeHead(302, { Location: parts.join('/') });
    return res.end();
  }
  if (mode === 'dataapi') {
    req.resume();
    return req.on('end', () => dataapi(parts[0], req, res, count('dataapi/' + parts[0])));
  }
  if (mode === 'status') {
    res.writeHead(Number(parts[0]) || 500);
    return res.end();
  }
  let failN = 0;
  if (mode === 'flaky') failN = Number(parts.shift());
  const rel = parts.join('/');
  const file = path.join(root, rel);
  if (!file.startsWith(path.resolve(root)) || !fs.existsSync(file) || !fs.statSync(file).isFile()) {
    res.writeHead(404);
    return res.end('not found');
  }
  if (mode === 'redirect') {
    res.writeHead(302, { Location: '/plain/' + rel });
    return res.end();
  }
  const n = count(mode + '/' + rel);
  let body = fs.readFileSync(file);
  if (mode === 'flaky' && n <= failN) {
    res.writeHead(503, { 'Retry-After': '0' });
    return res.end('busy');
  }
  if (mode === 'cut' && n === 1 && !req.headers['range']) {
    const etag = '"' + crypto.createHash('md5').update(body).digest('hex') + '"';
    res.writeHead(200, { ETag: etag, 'Content-Length': body.length });
    res.write(body.subarray(0, body.length >> 1));
    return setTimeout(() => res.socket.destroy(), 50);
  }
  if (mode === 'encoded') return send(req, res, body, { 'Content-Encoding': 'gzip' });
  if (mode === 'decoded') return send(req, res, zlib.gunzipSync(body), {});
  if (mode === 'plain' || mode === 'flaky' || mode === 'cut') return send(req, res, body, {});
  res.writeHead(400);
  res.end('unknown mode');
});
server.listen(0, '127.0.0.1', () => {
  fs.writeFileSync(portfile + '.tmp', String(server.address().port) + '\n');
  fs.renameSync(portfile + '.tmp', portfile);
});
const stop = () => server.close(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
setTimeout(() => process.exit(0), 30 * 60 * 1000).unref(); // never outlive a test run
