import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { loadFixture } from '../src/platform/fixtures.js';
import { sign } from '../src/signing/signature.js';
import { BIN, ROOT, rssMb, sendLoadArgs, type Row } from './measure.js';
import { firstLine, savedAnswers } from './servers.js';

const SECRET = 'bench-secret';
const SOAK_SECONDS = 60;
const CONNECTIONS = 50;
const SENDS = 100_000;
/** RSS may grow while the heap warms up; more than this is not flat. */
const FLAT_RSS = 1.5;

/**
 * Soak and loss: `listen --save` under 50-connection load for 60 s, then SIGINT — every 2xx is a
 * complete saved line and RSS stays flat; then `send load --count 100000` into `listen`: sent == received == saved.
 */
export async function benchSoak(): Promise<Row[]> {
  const dir = mkdtempSync(join(tmpdir(), 'hms-webhook-bench-soak-'));
  try {
    return [await soakListen(join(dir, 'soak.jsonl')), await sendIntoListen(join(dir, 'sent.jsonl'))];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function soakListen(file: string): Promise<Row> {
  const child = spawn(process.execPath, [BIN, 'listen', '--port', '0', '--secret', SECRET, '--save', file, '--json'], {
    cwd: ROOT,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const url = (await firstLine(child, 'stderr')).replace(/^Listening on /, '');
  const body = JSON.stringify(loadFixture('status-update').document);
  const samples: number[] = [];
  const sampler = setInterval(() => samples.push(rssMb(child.pid!)), 1000);
  const result = await autocannon({
    url,
    method: 'POST',
    connections: CONNECTIONS,
    duration: SOAK_SECONDS,
    body,
    headers: { ...sign({ body, secret: SECRET }) },
  });
  clearInterval(sampler);
  child.kill('SIGINT');
  await new Promise((resolve) => child.once('close', resolve));
  const saved = await savedAnswers(file);
  // Warm-up is the first tenth of the run; flat means the last samples stay near the ones after it.
  const start = samples[Math.floor(samples.length / 10)] ?? NaN;
  const end = samples.at(-1) ?? NaN;
  const complete = saved >= result['2xx'] && saved - result['2xx'] <= CONNECTIONS;
  return {
    what: `soak: listen --save, ${SOAK_SECONDS} s at ${CONNECTIONS} conn, then SIGINT: RSS start → end (${result['2xx']} 2xx, ${saved} saved, none torn)`,
    ours: end,
    baseline: start,
    unit: 'MB',
    ratio: end / start,
    range: [end / start, end / start],
    target: `every 2xx saved, RSS ≤ ${FLAT_RSS}× start`,
    met: complete && end / start <= FLAT_RSS,
  };
}

async function sendIntoListen(file: string): Promise<Row> {
  const child = spawn(process.execPath, [BIN, 'listen', '--port', '0', '--secret', SECRET, '--save', file, '--json'], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
  const url = (await firstLine(child, 'stderr')).replace(/^Listening on /, '');
  const run = spawnSync(process.execPath, sendLoadArgs(url, SENDS, CONNECTIONS), {
    cwd: ROOT,
    encoding: 'utf8',
    maxBuffer: 1 << 24,
    env: { ...process.env, HMS_WEBHOOK_SECRET: SECRET },
  });
  child.kill('SIGTERM');
  await new Promise((resolve) => child.once('close', resolve));
  const load = JSON.parse(run.stdout) as { sent: number; statuses: Record<string, number> };
  const summary = JSON.parse(out.trim().split('\n').at(-1)!) as { passed: number; failed: number };
  const received = summary.passed + summary.failed;
  const saved = await savedAnswers(file);
  const answered = load.statuses['200'] ?? 0;
  return {
    what: `send load --count ${SENDS} into listen --save: sent ${load.sent}, 200 ${answered}, received ${received}, saved ${saved}`,
    ours: saved,
    baseline: load.sent,
    unit: 'requests',
    ratio: saved / load.sent,
    range: [saved / load.sent, saved / load.sent],
    target: 'sent == received == saved',
    met: load.sent === SENDS && answered === SENDS && received === SENDS && saved === SENDS,
  };
}
