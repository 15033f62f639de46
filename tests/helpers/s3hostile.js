// tests/helpers/s3hostile.js: an S3 server for seg-fetch's tests that checks
// every request's SigV4 signature (as S3 does: each path segment decoded and
// re-encoded, the query sorted, the signed headers) against the credentials
// in CREDS (JSON, re-read on each request:
//   {"AKID": {"secret": "...", "token": "..." (x-amz-security-token it needs),
//             "expires": epoch seconds (optional)}}; "anonymous": true allows
// unsigned requests), and records each request as a JSON line in LOG:
//   {method, path (raw), host, auth (access key id or null), token, region, ok}
// Usage: node s3hostile.js PORTFILE LOG CREDS
// The bucket chooses a behaviour:
//   good      keys of GOOD below (and good/many/NNN.json with ?many=N... see
//             MANY env), paged by max-keys, delimiter honoured
//   loop      truncated pages of new keys, the same continuation token always
//   loopdirs  the same, as CommonPrefixes (a delimiter listing)
//   notoken   truncated, no continuation token
//   dots      keys with ./, ../ and // segments: served only at their exact path
//   longkey   a key of 1100 bytes
//   redirect  x.json: 307 to another host (localhost instead of 127.0.0.1),
//             y.json: 307 on the same origin to /good/a.json
//   range     r.json: the first GET is cut in the middle; a Range request is
//             answered with a 206 from byte 0
//   slow      s.json: 2 bytes a second, forever
//   eu        301 PermanentRedirect with x-amz-bucket-region: eu-west-1 unless
//             signed for eu-west-1, then as good
//   paced     p00.json .. p11.json, each GET answered after 400 ms; its
//             log lines say how many such GETs were open ("inflight")
// It also plays the credential services, each issuing a new key pair and
// session token that expire after CREDS' "life" seconds (default 3600):
//   PUT /latest/api/token, GET /latest/meta-data/iam/security-credentials/[ROLE]
//             EC2 IMDSv2 (the token header required), role "testrole", keys ASIAIMDS<n>
//   GET /container/creds   container credentials; Authorization must be CONTAINERAUTH; ASIACONT<n>
//   /sts/?Action=AssumeRole              signed (service sts) by known keys; ASIASTS<n>
//   /sts/?Action=AssumeRoleWithWebIdentity  WebIdentityToken must be WEBTOKEN; ASIAWEB<n>
// Only node's standard library is used; it stops on SIGTERM and after 30 min.
'use strict';
const http = require('http');
const fs = require('fs');
const crypto = require('crypto');

const [portfile, logfile, credsfile] = process.argv.slice(2);
if (!portfile || !logfile || !credsfile) {
  console.error('usage: node s3hostile.js PORTFILE LOG CREDS');
  process.exit(64);
}
const MANY = Number(process.env.S3HOSTILE_MANY || 0);
const GOOD = ['a.json', 'b c.json', 'plus+sign.json', 'ünï.json', 'q?&=#.json', 'tilde~*(!)\'.json', 'sub/d.json'];
for (let i = 0; i < MANY; i++) GOOD.push('many/' + String(i).padStart(5, '0') + '.json');
GOOD.sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
let port = 0;
const seen = new Map();
const issued = {};
let nissued = 0;
let pacedInflight = 0;
const readCreds = () => { try { return JSON.parse(fs.readFileSync(credsfile, 'utf8')); } catch (e) { return {}; } };
function issue(kind) {
  const akid = 'ASIA' + kind + (++nissued);
  const life = Number(readCreds().life || 3600);
  const c = { secret: 'secret-' + akid, token: 'TOKEN-' + akid, expires: Date.now() / 1000 + life };
  issued[akid] = c;
  return { AccessKeyId: akid, SecretAccessKey: c.secret, Token: c.token,
           Expiration: new Date(c.expires * 1000).toISOString().replace(/\.\d+Z$/, 'Z') };
}

const enc = (s) => Array.from(Buffer.from(s, 'utf8')).map((b) => {
  const c = String.fromCharCode(b);
  return /[A-Za-z0-9_.~-]/.test(c) ? c : '%' + b.toString(16).toUpperCase().padStart(2, '0');
}).join('');
const hmac = (k, s) => crypto.createHmac('sha256', k).update(s).digest();
const sha = (s) => crypto.createHash('sha256').update(s).digest('hex');

// verify: null if the request is signed right (or anonymous allowed), else why.
function verify(req, rawPath, rawQuery, rec) {
  const creds = Object.assign(readCreds(), issued);
  const auth = req.headers.authorization;
  if (!auth) return creds.anonymous ? null : 'AccessDenied';
  const m = /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([a-z0-9]+)\/aws4_request, ?SignedHeaders=([^,]+), ?Signature=([0-9a-f]{64})$/.exec(auth);
  if (!m) return 'AuthorizationHeaderMalformed';
  const [, akid, day, region, service, signed, sig] = m;
  rec.auth = akid;
  rec.region = region;
  const c = creds[akid];
  if (!c) return 'InvalidAccessKeyId';
  if (c.expires && Date.now() / 1000 > c.expires) return 'ExpiredToken';
  if ((c.token || '') !== (req.headers['x-amz-security-token'] || '')) return 'InvalidToken';
  if (!signed.split(';').includes('host') || (c.token && !signed.split(';').includes('x-amz-security-token')))
    return 'AccessDenied';
  const uri = rawPath.split('/').map((s) => enc(decodeURIComponent(s))).join('/');
  const query = rawQuery === '' ? '' : rawQuery.split('&').map((kv) => {
    const i = kv.indexOf('=');
    const k = i < 0 ? kv : kv.slice(0, i), v = i < 0 ? '' : kv.slice(i + 1);
    return [enc(decodeURIComponent(k)), enc(decodeURIComponent(v))];
  }).sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0))
    .map(([k, v]) => k + '=' + v).join('&');
  const hdrs = signed.split(';').map((h) => h + ':' + String(req.headers[h] || '').trim().replace(/\s+/g, ' ') + '\n').join('');
  const canon = [req.method, uri, query, hdrs, signed, req.headers['x-amz-content-sha256'] || 'UNSIGNED-PAYLOAD'].join('\n');
  const date = req.headers['x-amz-date'] || '';
  const sts = ['AWS4-HMAC-SHA256', date, `${day}/${region}/${service}/aws4_request`, sha(canon)].join('\n');
  const key = hmac(hmac(hmac(hmac('AWS4' + c.secret, day), region), service), 'aws4_request');
  return hmac(key, sts).toString('hex') === sig ? null : 'SignatureDoesNotMatch';
}

function xml(res, status, body, headers) {
  res.writeHead(status, Object.assign({ 'Content-Type': 'application/xml' }, headers || {}));
  res.end('<?xml version="1.0" encoding="UTF-8"?>\n' + body);
}
const esc = (s) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const error = (res, status, code, extra) => xml(res, status, `<Error><Code>${code}</Code><Message>${code}</Message></Error>`, extra);
const contents = (k) => `<Contents><Key>${esc(k)}</Key><LastModified>2015-05-27T00:00:00.000Z</LastModified><ETag>"${sha(k).slice(0, 32)}"</ETag><Size>${body(k).length}</Size></Contents>`;
const body = (k) => Buffer.from(JSON.stringify({ key: k }) + '\n');

function listGood(res, q, bucket) {
  const prefix = q.get('prefix') || '', delim = q.get('delimiter') || '', max = Number(q.get('max-keys') || 1000);
  const after = q.get('continuation-token') ? Buffer.from(q.get('continuation-token'), 'base64').toString() : '';
  const entries = [];
  for (const k of GOOD) {
    if (!k.startsWith(prefix)) continue;
    const i = delim ? k.indexOf(delim, prefix.length) : -1;
    const e = i < 0 ? { key: k } : { prefix: k.slice(0, i + 1) };
    const name = e.key || e.prefix;
    if (name <= after || (entries.length && (entries[entries.length - 1].prefix === name))) continue;
    entries.push(e);
  }
  const page = entries.slice(0, max), more = entries.length > max;
  const last = page.length ? (page[page.length - 1].key || page[page.length - 1].prefix) : '';
  xml(res, 200, `<ListBucketResult><Name>${bucket}</Name><Prefix>${esc(prefix)}</Prefix><IsTruncated>${more}</IsTruncated>` +
    (more ? `<NextContinuationToken>${Buffer.from(last).toString('base64')}</NextContinuationToken>` : '') +
    page.map((e) => (e.key ? contents(e.key) : `<CommonPrefixes><Prefix>${esc(e.prefix)}</Prefix></CommonPrefixes>`)).join('') +
    '</ListBucketResult>');
}

function list(res, bucket, q, n) {
  const head = (trunc, token) => `<ListBucketResult><Name>${bucket}</Name><IsTruncated>${trunc}</IsTruncated>` +
    (token !== undefined ? `<NextContinuationToken>${token}</NextContinuationToken>` : '');
  switch (bucket) {
  case 'loop': return xml(res, 200, head(true, 'same') + contents('k' + String(n).padStart(9, '0')) + '</ListBucketResult>');
  case 'loopdirs': return xml(res, 200, head(true, 'same') + `<CommonPrefixes><Prefix>${q.get('prefix') || ''}d${String(n).padStart(9, '0')}/</Prefix></CommonPrefixes></ListBucketResult>`);
  case 'notoken': return xml(res, 200, head(true) + contents('a.json') + '</ListBucketResult>');
  case 'dots': return xml(res, 200, head(false) + ['./c.json', 'a/../b.json', 'd//e.json', 'f/./g.json'].map(contents).join('') + '</ListBucketResult>');
  case 'longkey': return xml(res, 200, head(false) + contents('k'.repeat(1100)) + '</ListBucketResult>');
  case 'redirect': return xml(res, 200, head(false) + ['x.json', 'y.json'].map(contents).join('') + '</ListBucketResult>');
  case 'range': return xml(res, 200, head(false) + contents('r.json') + '</ListBucketResult>');
  case 'slow': return xml(res, 200, head(false) + contents('s.json') + '</ListBucketResult>');
  case 'paced': return xml(res, 200, head(false) + Array.from({ length: 12 }, (_, i) => contents('p' + String(i).padStart(2, '0') + '.json')).join('') + '</ListBucketResult>');
  default: return listGood(res, q, bucket);
  }
}

function get(req, res, bucket, key, rawKey, n) {
  switch (bucket) {
  case 'dots': {
    const want = ['./c.json', 'a/../b.json', 'd//e.json', 'f/./g.json'];
    if (!want.includes(rawKey)) return error(res, 404, 'NoSuchKey');
    break;
  }
  case 'redirect':
    if (key === 'x.json') { res.writeHead(307, { Location: `http://localhost:${port}/steal/x.json` }); return res.end(); }
    if (key === 'y.json') { res.writeHead(307, { Location: '/good/a.json' }); return res.end(); }
    break;
  case 'range': {
    const b = Buffer.from(Array.from({ length: 200 }, (_, i) => `{"line":${i}}\n`).join(''));
    if (!req.headers.range) {
      res.writeHead(200, { 'Content-Length': b.length, ETag: '"r"' });
      res.write(b.subarray(0, 1000));
      return setTimeout(() => res.socket.destroy(), 50);
    }
    res.writeHead(206, { 'Content-Length': b.length, 'Content-Range': `bytes 0-${b.length - 1}/${b.length}`, ETag: '"r"' });
    return res.end(b);
  }
  case 'slow': {
    res.writeHead(200, { 'Content-Length': 100000, ETag: '"s"' });
    const t = setInterval(() => { if (!res.write('{}')) return; }, 1000);
    res.on('close', () => clearInterval(t));
    return;
  }
  case 'paced':
    if (!/^p\d\d\.json$/.test(key)) return error(res, 404, 'NoSuchKey');
    return setTimeout(() => { const b = body(key); res.writeHead(200, { 'Content-Length': b.length }); res.end(b); }, 400);
  default:
    if (!GOOD.includes(key)) return error(res, 404, 'NoSuchKey');
  }
  const b = body(key);
  res.writeHead(200, { 'Content-Length': b.length, ETag: `"${sha(key).slice(0, 32)}"` });
  res.end(b);
}

function metadata(req, res, rawPath, log) {
  const json = (o) => { res.writeHead(200, { 'Content-Type': 'application/json' }); res.end(JSON.stringify(o)); };
  const deny = (why) => { log(why); res.writeHead(401); res.end(why); };
  if (rawPath === '/container/creds') {
    if (req.headers.authorization !== 'CONTAINERAUTH') return deny('container: bad Authorization');
    log(true);
    return json(issue('CONT'));
  }
  if (rawPath === '/latest/api/token') {
    if (req.method !== 'PUT' || !req.headers['x-aws-ec2-metadata-token-ttl-seconds']) return deny('imds: not a token PUT');
    log(true);
    res.writeHead(200);
    return res.end('IMDSTOKEN');
  }
  if (req.headers['x-aws-ec2-metadata-token'] !== 'IMDSTOKEN') return deny('imds: no session token (IMDSv1)');
  log(true);
  if (rawPath === '/latest/meta-data/iam/security-credentials/') { res.writeHead(200); return res.end('testrole'); }
  if (rawPath === '/latest/meta-data/iam/security-credentials/testrole')
    return json(Object.assign({ Code: 'Success', Type: 'AWS-HMAC' }, issue('IMDS')));
  res.writeHead(404);
  res.end();
}

function sts(req, res, rawPath, rawQuery, rec, log) {
  const q = new URLSearchParams(rawQuery);
  rec.action = q.get('Action');
  rec.role = q.get('RoleArn');
  if (q.get('Action') === 'AssumeRoleWithWebIdentity') {
    if (q.get('WebIdentityToken') !== 'WEBTOKEN') { log('bad web identity token'); return error(res, 400, 'InvalidIdentityToken'); }
  } else if (q.get('Action') === 'AssumeRole') {
    const why = verify(req, rawPath, rawQuery, rec);
    if (why) { log(why); return error(res, 403, why); }
  } else {
    log('unknown action');
    return error(res, 400, 'InvalidAction');
  }
  log(true);
  const c = issue(q.get('Action') === 'AssumeRole' ? 'STS' : 'WEB');
  const tag = q.get('Action') + 'Result';
  xml(res, 200, `<${q.get('Action')}Response><${tag}><Credentials><AccessKeyId>${c.AccessKeyId}</AccessKeyId>` +
    `<SecretAccessKey>${c.SecretAccessKey}</SecretAccessKey><SessionToken>${c.Token}</SessionToken>` +
    `<Expiration>${c.Expiration}</Expiration></Credentials></${tag}></${q.get('Action')}Response>`);
}

const server = http.createServer((req, res) => {
  const qi = req.url.indexOf('?');
  const rawPath = qi < 0 ? req.url : req.url.slice(0, qi), rawQuery = qi < 0 ? '' : req.url.slice(qi + 1);
  const rec = { method: req.method, path: rawPath, host: req.headers.host, auth: null,
                token: req.headers['x-amz-security-token'] || null, region: null };
  const parts = rawPath.split('/');
  const bucket = decodeURIComponent(parts[1] || ''), rawKey = parts.slice(2).join('/');
  const key = decodeURIComponent(rawKey);
  const log = (ok) => { rec.ok = ok; fs.appendFileSync(logfile, JSON.stringify(rec) + '\n'); };
  if (bucket === 'steal') { log('stolen'); res.writeHead(200, { 'Content-Length': 3 }); return res.end('{}\n'); }
  if (bucket === 'latest' || bucket === 'container') return metadata(req, res, rawPath, log);
  if (bucket === 'sts') return sts(req, res, rawPath, rawQuery, rec, log);
  const why = verify(req, rawPath, rawQuery, rec);
  if (why) { log(why); return error(res, 403, why); }
  if (bucket === 'eu' && rec.region !== 'eu-west-1') {
    log('PermanentRedirect');
    return error(res, 301, 'PermanentRedirect', { 'x-amz-bucket-region': 'eu-west-1' });
  }
  if (bucket === 'paced' && rawKey) {
    rec.inflight = ++pacedInflight;       // GETs of paced objects open at once
    res.on('close', () => pacedInflight--);
  }
  log(true);
  const n = (seen.get(bucket) || 0) + 1;
  seen.set(bucket, n);
  const q = new URLSearchParams(rawQuery);
  if (!rawKey && q.get('list-type') === '2') return list(res, bucket, q, n);
  return get(req, res, bucket, key, rawKey, n);
});
server.listen(0, '127.0.0.1', () => {
  port = server.address().port;
  fs.writeFileSync(portfile + '.tmp', String(port) + '\n');
  fs.renameSync(portfile + '.tmp', portfile);
});
const stop = () => { server.close(() => process.exit(0)); server.closeAllConnections(); };
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
setTimeout(() => process.exit(0), 30 * 60 * 1000).unref();
