import { spawn } from 'node:child_process';
import { BIN, median, ROOT, rssMb, type Row } from './measure.js';
import { firstLine } from './servers.js';

const SECRET = 'bench-secret';
const FEW = 1000;
const MANY = 10_000;
const ROUNDS = 3;
/** Flat: ten times the calls may take at most this much more peak memory. */
const FLAT_RSS = 1.5;

/**
 * `send call --calls N --concurrency 50 --chaos all` into `listen`: peak RSS of 10 000 calls against
 * 1 000 in the same round (memory flat), and the calls per second.
 */
export async function benchCalls(): Promise<Row[]> {
  const listener = spawn(process.execPath, [BIN, 'listen', '--port', '0', '--secret', SECRET], {
    cwd: ROOT,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const url = (await firstLine(listener, 'stderr')).replace(/^Listening on /, '');
  const peaks: { few: number[]; many: number[] } = { few: [], many: [] };
  const rates: number[] = [];
  try {
    for (let round = 0; round < ROUNDS; round++) {
      peaks.few.push((await playCalls(url, FEW)).peakMb);
      const many = await playCalls(url, MANY);
      peaks.many.push(many.peakMb);
      rates.push(MANY / (many.ms / 1000));
    }
  } finally {
    listener.kill();
  }
  const ratios = peaks.many.map((peak, round) => peak / peaks.few[round]!);
  const ratio = median(ratios);
  return [
    {
      what: `send call --calls ${MANY} --concurrency 50 --chaos all into listen: peak RSS against ${FEW} calls (${median(rates).toFixed(0)} calls/s)`,
      ours: median(peaks.many),
      baseline: median(peaks.few),
      unit: 'MB',
      ratio,
      range: [Math.min(...ratios), Math.max(...ratios)],
      target: `≤ ${FLAT_RSS}× ${FEW} calls`,
      met: ratio <= FLAT_RSS,
    },
  ];
}

async function playCalls(url: string, calls: number): Promise<{ peakMb: number; ms: number }> {
  const args = [BIN, 'send', 'call', '--to', url, '--calls', String(calls), '--concurrency', '50', '--chaos', 'all', '--seed', '1'];
  const started = process.hrtime.bigint();
  const child = spawn(process.execPath, args, { cwd: ROOT, stdio: 'ignore', env: { ...process.env, HMS_WEBHOOK_SECRET: SECRET } });
  let peakMb = 0;
  const sampler = setInterval(() => (peakMb = Math.max(peakMb, rssMb(child.pid!) || 0)), 100);
  const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
  clearInterval(sampler);
  if (code !== 0) throw new Error(`send call --calls ${calls} exited ${code}`);
  return { peakMb, ms: Number(process.hrtime.bigint() - started) / 1e6 };
}
