import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { loadFixture } from '../src/platform/fixtures.js';
import { sign } from '../src/signing/signature.js';
import { fileURLToPath } from 'node:url';
import { BIN, compare, ROOT, ROUNDS, type Row } from './measure.js';
import { firstLine, savedAnswers, startBareServer } from './servers.js';

const CONNECTIONS = 50;
const SECONDS = 5;
const EXPRESS_RECEIVER = fileURLToPath(new URL('./express-receiver.js', import.meta.url));
const SECRET = 'bench-secret';

/**
 * autocannon at 50 connections with a ~1 KB signed body against a bare node:http server, against
 * `listen --secret --save --json` and against an Express receiver that verifies and appends a line,
 * interleaved in each round; also checks saved lines == 2xx answered.
 */
export async function benchListen(rounds = ROUNDS): Promise<Row[]> {
  // A signed body stays valid for the tolerance (300 s): one signature serves the whole run.
  const body = JSON.stringify(loadFixture('tool-calls').document);
  const bare: number[] = [];
  const ours: number[] = [];
  const userWritten: number[] = [];
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
    const express = spawn(process.execPath, [EXPRESS_RECEIVER, SECRET, join(dir, `express-${round}.jsonl`)], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    try {
      const port = await firstLine(express);
      const expressResult = await load(`http://127.0.0.1:${port}/`, body);
      if (expressResult.ok === 0) throw new Error('the Express receiver answered no request with a 2xx');
      userWritten.push(expressResult.rate);
    } finally {
      express.kill();
    }
  }
  rmSync(dir, { recursive: true, force: true });
  const what = 'listen --secret --save --json, 50 conn, 1 KB (saved == 2xx)';
  return [
    compare(what, 'req/s', ours, bare, { limit: 0.5, better: 'higher', against: 'node:http' }),
    compare(`${what}, against Express`, 'req/s', ours, userWritten, {
      limit: 1,
      better: 'higher',
      against: 'Express 5 raw + HMAC + appended line',
    }),
  ];
}

async function load(url: string, body: string): Promise<{ rate: number; ok: number }> {
  const headers = { ...sign({ body, secret: SECRET }) };
  const result = await autocannon({ url, method: 'POST', connections: CONNECTIONS, duration: SECONDS, body, headers });
  return { rate: result.requests.total / result.duration, ok: result['2xx'] };
}
