import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { runFailover } from './support/failover-scenario.js';

describe('failover', () => {
  it('loses no idempotent request when one of three upstreams is killed, and takes it back within one probe interval', async () => {
    const probeInterval = 500;
    const report = await runFailover({
      durationMs: 4000,
      concurrency: 16,
      probeInterval,
      killAtMs: 800,
      downForMs: 1200,
      maxRequests: 200_000,
    });
    const detail = JSON.stringify(report, null, 2);
    assert.equal(report.failed, 0, detail);
    assert.ok(report.requests > 100, detail);
    assert.notEqual(report.ejectedAfterMs, null, detail);
    assert.notEqual(report.backAfterMs, null, detail);
    // The next probe after the restart passes: at most one interval, plus the probe's own
    // round trip and timer lateness, which on a loaded shared machine can reach hundreds of ms.
    assert.ok(report.backAfterMs! <= probeInterval * 2, detail);
  });
});
