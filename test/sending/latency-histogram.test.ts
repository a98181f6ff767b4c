import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LatencyHistogram } from '../../src/sending/latency-histogram.js';

describe('LatencyHistogram', () => {
  it('is all zeros when empty', () => {
    const histogram = new LatencyHistogram();
    assert.equal(histogram.count, 0);
    assert.equal(histogram.meanMs, 0);
    assert.equal(histogram.percentile(50), 0);
  });

  it('gives percentiles within 2 % of the exact ones, the exact mean and max', () => {
    const histogram = new LatencyHistogram();
    const values = Array.from({ length: 10_000 }, (_, i) => 0.05 + (i % 1000) * 0.37);
    for (const value of values) histogram.record(value);
    const sorted = [...values].sort((a, b) => a - b);
    for (const p of [50, 90, 99]) {
      const exact = sorted[Math.ceil((p / 100) * sorted.length) - 1]!;
      const estimate = histogram.percentile(p);
      assert.ok(Math.abs(estimate - exact) / exact <= 0.02, `p${p}: ${estimate} vs ${exact}`);
    }
    assert.equal(histogram.count, values.length);
    assert.equal(histogram.maxMs, Math.max(...values));
    assert.ok(Math.abs(histogram.meanMs - values.reduce((a, b) => a + b, 0) / values.length) < 1e-9);
  });

  it('never reports a percentile above the maximum, and keeps values past its last bucket', () => {
    const histogram = new LatencyHistogram();
    histogram.record(3);
    assert.ok(Math.abs(histogram.percentile(100) - 3) <= 0.06 && histogram.percentile(100) <= 3);
    histogram.record(60 * 60 * 1000);
    assert.equal(histogram.maxMs, 3_600_000);
    assert.ok(histogram.percentile(100) <= 3_600_000);
    assert.ok(histogram.percentile(50) <= 3.06);
  });
});
