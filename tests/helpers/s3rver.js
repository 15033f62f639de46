// tests/helpers/s3rver.js: run s3rver (the project-local npm package) on
// 127.0.0.1 on a free port chosen by the kernel, storing objects in DIR.
// Usage: node s3rver.js DIR PORTFILE [BUCKET...]
// Writes the port to PORTFILE once listening; stops cleanly on SIGTERM/SIGINT.
// Credentials are s3rver's built-in pair: S3RVER / S3RVER.
'use strict';
const path = require('path');
const fs = require('fs');
const S3rver = require(path.join(__dirname, '..', '..', 'node_modules', 's3rver'));

const [dir, portfile, ...buckets] = process.argv.slice(2);
if (!dir || !portfile) {
  console.error('usage: node s3rver.js DIR PORTFILE [BUCKET...]');
  process.exit(64);
}
const server = new S3rver({
  address: '127.0.0.1',
  port: 0,
  silent: true,
  directory: dir,
  configureBuckets: buckets.map(name => ({ name, configs: [] })),
});
server.run().then(({ port }) => {
  fs.writeFileSync(portfile + '.tmp', String(port) + '\n');
  fs.renameSync(portfile + '.tmp', portfile);
}, err => {
  console.error('s3rver: ' + err.message);
  process.exit(1);
});
const stop = () => server.close().finally(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
