import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const BIN = fileURLToPath(new URL('../../bin/hms-webhook.js', import.meta.url));

/** Rounds of every comparison, interleaved so that machine noise hits both sides alike. */
export const ROUNDS = 5;

export interface Row {
  what: string;
  /** Medians across the rounds. */
  ours: number;
  baseline: number;
  unit: string;
  /** The median of the per-round ratios ours / baseline, and their range. */
  ratio: number;
  range: [number, number];
  target: string;
  met: boolean;
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** How a ratio meets its goal: at most `limit` (times, sizes) or at least `limit` (rates). */
export interface Goal {
  limit: number;
  better: 'lower' | 'higher';
  /** What the baseline is, for the target column: `node -e ''`, `autocannon`. */
  against: string;
}

/** One row from rounds measured pairwise: round i of ours against round i of the baseline. */
export function compare(what: string, unit: string, ours: number[], baseline: number[], goal: Goal): Row {
  if (ours.length !== baseline.length || ours.length === 0) throw new Error(`${what}: ${ours.length} rounds against ${baseline.length}`);
  const ratios = ours.map((value, round) => value / baseline[round]!);
  const ratio = median(ratios);
  return {
    what,
    ours: median(ours),
    baseline: median(baseline),
    unit,
    ratio,
    range: [Math.min(...ratios), Math.max(...ratios)],
    target: `${goal.better === 'lower' ? '≤' : '≥'} ${goal.limit}× ${goal.against}`,
    met: goal.better === 'lower' ? ratio <= goal.limit : ratio >= goal.limit,
  };
}

/** The arguments of a `send load status-update` run with its totals as JSON (the secret comes from HMS_WEBHOOK_SECRET). */
export function sendLoadArgs(url: string, count: number, concurrency: number): string[] {
  return [BIN, 'send', 'load', 'status-update', '--to', url, '--count', String(count), '--concurrency', String(concurrency), '--json'];
}

/** Wall time of one run of a command, in milliseconds. */
export function timeRun(command: string, args: string[], env: NodeJS.ProcessEnv = {}): number {
  const start = process.hrtime.bigint();
  const result = spawnSync(command, args, { cwd: ROOT, stdio: 'ignore', env: { ...process.env, NO_COLOR: '1', ...env } });
  const elapsed = Number(process.hrtime.bigint() - start) / 1e6;
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} exited ${result.status}`);
  return elapsed;
}

export function printRows(rows: Row[]): void {
  const table = rows.map((r) => [
    r.what,
    `${r.ours.toFixed(1)} ${r.unit}`,
    `${r.baseline.toFixed(1)} ${r.unit}`,
    `${r.ratio.toFixed(2)}× (${r.range[0].toFixed(2)}–${r.range[1].toFixed(2)})`,
    r.target,
    r.met ? 'met' : 'NOT met',
  ]);
  const header = ['what', 'ours', 'baseline', 'ratio (range)', 'target', ''];
  const widths = header.map((h, i) => Math.max(h.length, ...table.map((row) => row[i]!.length)));
  const line = (cells: string[]) => cells.map((cell, i) => cell.padEnd(widths[i]!)).join('  ');
  process.stdout.write(`${line(header)}\n${line(widths.map((w) => '-'.repeat(w)))}\n${table.map(line).join('\n')}\n`);
}

/** Resident memory of a process, from /proc (Linux); NaN elsewhere. */
export function rssMb(pid: number): number {
  try {
    const kb = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return kb === undefined ? NaN : Number(kb) / 1024;
  } catch {
    return NaN;
  }
}
