// tests/helpers/s3rver.js: run s3rver (the project-local npm package) on
// 127.0.0.1 on a free port chosen by the kernel, storing objects in DIR.
// Usage: node s3rver.js DIR PORTFILE [BUCKET...]
// Writes the port to PORTFILE once listening; stops cleanly on SIGTERM/SIGINT.
// Credentials are s3rver's built-in pair: S3RVER / S3RVER.
'use strict';
const path = require('path');
const fs = require('fs');
const S3rver = require(path.join(__dirname, '..', '..', 'node_modules', 's3rver'));

// s3rver 3.7.1's filesystem store does not descend below the first level
// when a delimiter is given, so CommonPrefixes of deeper keys are never found
// (segment-logs/SOURCE/ holds only DAY/ folders). List everything under the
// prefix and fold it into common prefixes here instead. Such listings are
// never truncated. (Its continuation tokens use DES: servers.sh runs node with
// --openssl-legacy-provider.)
const FilesystemStore = require(path.join(__dirname, '..', '..', 'node_modules', 's3rver', 'lib', 'stores', 'filesystem'));
const listObjects = FilesystemStore.prototype.listObjects;
FilesystemStore.prototype.listObjects = async function (bucket, options) {
  const { delimiter = '', prefix = '' } = options;
  if (!delimiter) return listObjects.call(this, bucket, options);
  const all = await listObjects.call(this, bucket, { prefix, startAfter: options.startAfter });
  const commonPrefixes = new Set();
  const objects = [];
  for (const o of all.objects) {
    const idx = o.key.slice(prefix.length).indexOf(delimiter);
    if (idx === -1) objects.push(o);
    else commonPrefixes.add(o.key.slice(0, prefix.length + idx + delimiter.length));
  }
  return { objects, commonPrefixes: [...commonPrefixes].sort(), isTruncated: false };
};

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
