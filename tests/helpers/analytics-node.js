// tests/helpers/analytics-node.js: send messages with Segment's own Node
// library, @segment/analytics-node (npm, in node_modules), to a receiver:
//   node analytics-node.js URL N
// The write key is SEGMENT_WRITE_KEY. Sends N rounds of track, identify,
// page, screen, group and alias, flushes, and prints one line per message:
// "TYPE USERID" (messageIds are the library's own), or exits 1 with the
// library's error.
'use strict';
const { Analytics } = require('@segment/analytics-node');

const [url, n] = process.argv.slice(2);
const analytics = new Analytics({
	writeKey: process.env.SEGMENT_WRITE_KEY, host: url, flushAt: 20, flushInterval: 200, maxRetries: 3,
});
let failed = null;
analytics.on('error', (e) => { failed = e; });
const sent = [];
for (let i = 1; i <= Number(n); i++) {
	const userId = `u${i}`;
	analytics.track({ userId, event: 'Item Purchased', properties: { revenue: i + 0.5, name: 'café' } });
	analytics.identify({ userId, traits: { plan: 'pro', n: i } });
	analytics.page({ userId, name: 'Home', properties: { path: '/' } });
	analytics.screen({ userId, name: 'Main' });
	analytics.group({ userId, groupId: `g${i}`, traits: { size: i } });
	analytics.alias({ userId, previousId: `anon${i}` });
	for (const t of ['track', 'identify', 'page', 'screen', 'group', 'alias'])
		sent.push(`${t} ${userId}`);
}
analytics.closeAndFlush({ timeout: 20000 }).then(() => {
	if (failed) {
		console.error('analytics-node:', failed.reason || failed.message || failed);
		process.exit(1);
	}
	process.stdout.write(sent.join('\n') + '\n');
});
