import { LatencyHistogram } from './latency-histogram.js';

// The tallies of a load run, apart from the sending (undici): the renderers read them without loading it.

export interface LoadStats {
  sent: number;
  /** Requests that got a reply: the throughput counts these, not connection errors. */
  answered: number;
  /** Replies that failed the judge, by reason. */
  failures: Map<string, number>;
  elapsedMs: number;
  latency: LatencyHistogram;
  statuses: Map<number, number>;
  errors: Map<string, number>;
}

export function emptyStats(): LoadStats {
  return {
    sent: 0,
    answered: 0,
    elapsedMs: 0,
    latency: new LatencyHistogram(),
    statuses: new Map(),
    errors: new Map(),
    failures: new Map(),
  };
}

/** All the counts of a tally by reason (failures, errors). */
export function totalOf(counts: Map<unknown, number>): number {
  return [...counts.values()].reduce((a, b) => a + b, 0);
}

/** Requests that failed: a reply that failed its judge, or none at all. */
export function failedOf(stats: LoadStats): number {
  return totalOf(stats.failures) + totalOf(stats.errors);
}

export function countIn<K>(map: Map<K, number>, key: K): void {
  map.set(key, (map.get(key) ?? 0) + 1);
}

/** Failure reasons with their counts, for a line: `status ×100, timeout ×2` (never "status 100", which reads as HTTP 100). */
export function reasonCounts(stats: Pick<LoadStats, 'failures' | 'errors'>): string {
  return [...stats.failures, ...stats.errors].map(([reason, count]) => `${reason} ×${count}`).join(', ');
}
