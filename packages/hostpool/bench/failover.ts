// Three local upstreams (one child process each) behind a balance HostPool with health checks;
// idempotent GETs at concurrency 16 while one upstream is SIGKILLed and restarted on its port.
// Bar: zero failed requests, and the restarted host healthy within one probe interval.
//
//   node packages/hostpool/dist/bench/failover.js [--probe-interval 500] [--seconds 8]
import { parseArgs } from 'node:util';
import { runFailover } from '../test/support/failover-scenario.js';

const { values } = parseArgs({
  options: {
    'probe-interval': { type: 'string', default: '500' },
    seconds: { type: 'string', default: '8' },
  },
});
const probeInterval = Number(values['probe-interval']);
const durationMs = Number(values.seconds) * 1000;
const report = await runFailover({
  durationMs,
  concurrency: 16,
  probeInterval,
  killAtMs: Math.round(durationMs * 0.25),
  downForMs: Math.round(durationMs * 0.25),
  maxRequests: 500_000,
});
console.log(
  [
    '| measure | value |',
    '|---|---:|',
    `| requests (idempotent GET, concurrency 16) | ${report.requests} |`,
    `| failed requests | ${report.failed} |`,
    `| killed host ejected after | ${report.ejectedAfterMs ?? 'never'} ms |`,
    `| restarted host healthy after (probe interval ${probeInterval} ms) | ${report.backAfterMs ?? 'never'} ms |`,
    `| requests served by it after its return | ${report.servedAfterBack} |`,
  ].join('\n'),
);
console.log(`\nstate changes:\n  ${report.changes.join('\n  ')}`);
if (report.failed > 0) console.log(`first failures:\n  ${report.firstFailures.join('\n  ')}`);
const pass = report.failed === 0 && report.backAfterMs !== null && report.backAfterMs <= probeInterval;
console.log(`\n${pass ? 'PASS' : 'FAIL'}: zero failures and back within one probe interval`);
process.exitCode = pass ? 0 : 1;
