import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { loadFixture } from '../src/platform/fixtures.js';
import { sign } from '../src/signing/signature.js';
import { BIN, median, ROOT, type Row } from './measure.js';
import { firstLine, savedAnswers, startBareServer } from './servers.js';

const CONNECTIONS = 50;
const SECONDS = 8;
const SECRET = 'bench-secret';

/**
 * autocannon at 50 connections with a ~1 KB signed body against a bare node:http server and
 * against `listen --secret --save --json`, same run; also checks saved lines == 2xx answered.
 */
export async function benchListen(rounds = 3): Promise<Row[]> {
  // A signed body stays valid for the tolerance (300 s): one signature serves the whole run.
  const body = JSON.stringify(loadFixture('tool-calls').document);
  const bare: number[] = [];
  const ours: number[] = [];
  const dir = mkdtempSync(join(tmpdir(), 'hms-webhook-bench-listen-'));
  for (let round = 0; round < rounds; round++) {
    const server = await startBareServer();
    try {
      bare.push((await load(server.url, body)).rate);
    } finally {
      server.stop();
    }
    const file = join(dir, `captures-${round}.jsonl`);
    const child = spawn(process.execPath, [BIN, 'listen', '--port', '0', '--secret', SECRET, '--save', file, '--json'], {
      cwd: ROOT,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    const url = (await firstLine(child, 'stderr')).replace(/^Listening on /, '');
    const result = await load(url, body);
    child.kill('SIGTERM');
    await new Promise((resolve) => child.once('close', resolve));
    // Every 2xx autocannon saw has its line; at most the requests in flight when it stopped
    // were saved and answered without being counted by autocannon.
    const saved = await savedAnswers(file);
    rmSync(file);
    if (saved < result.ok || saved - result.ok > CONNECTIONS)
      throw new Error(`listen saved ${saved} answered lines but autocannon got ${result.ok} 2xx`);
    ours.push(result.rate);
  }
  const ourRate = median(ours);
  const baseRate = median(bare);
  return [
    {
      what: 'listen --secret --save --json, 50 conn, 1 KB (saved == 2xx)',
      ours: ourRate,
      baseline: baseRate,
      unit: 'req/s',
      ratio: ourRate / baseRate,
      target: '≥ 0.5× node:http',
      met: ourRate / baseRate >= 0.5,
    },
  ];
}

async function load(url: string, body: string): Promise<{ rate: number; ok: number }> {
  const headers = { ...sign({ body, secret: SECRET }) };
  const result = await autocannon({ url, method: 'POST', connections: CONNECTIONS, duration: SECONDS, body, headers });
  return { rate: result.requests.total / result.duration, ok: result['2xx'] };
}
