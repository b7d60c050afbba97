import { readFileSync } from 'node:fs';
import { checkCapture, datagramsOfCapture, loadCrypto, loadProfile } from 'toxstate';

const { profile } = await loadProfile('alice.tox');
const keys = { label: 'alice.tox', publicKey: profile.keys.publicKey, secretKey: profile.keys.secretKey, friendPks: profile.friends.map((f) => f.publicKey) };
const capture = datagramsOfCapture(readFileSync('session.pcap'));
if (!capture.ok) throw new Error(capture.error);
const report = checkCapture(capture.value.datagrams, [keys], await loadCrypto());
for (const { directions } of report.pairs) {
  for (const d of directions) console.log(`${d.observer} → ${d.friend}: ${d.progress.map((p) => p.state).join(' → ')}`);
}
for (const f of report.findings) console.log(f.kind, f.rule, f.expected, '/', f.observed);
