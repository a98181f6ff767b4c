import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadFixture } from '../src/platform/fixtures.js';
import { sign } from '../src/signing/signature.js';
import { BIN, compare, median, ROOT, ROUNDS, type Row } from './measure.js';
import { firstLine } from './servers.js';

const SECRET = 'bench-secret';
const VALID_REQUESTS = 60;
const FORGERS = 1;

/**
 * A valid request's latency through `listen` while forged requests keep coming, against the same
 * listener with none, interleaved per round: what an unauthenticated request costs the others.
 * Two shapes of forgery: 5 MB bodies with one secret, and small ones against a 1 000-line secret file.
 */
export async function benchForgeries(rounds = ROUNDS): Promise<Row[]> {
  const dir = mkdtempSync(join(tmpdir(), 'hms-webhook-bench-forgeries-'));
  const secretFile = join(dir, 'secrets.txt');
  writeFileSync(secretFile, `${Array.from({ length: 999 }, (_, i) => `rotated-${i}`).join('\n')}\n${SECRET}\n`, { mode: 0o600 });
  const body = JSON.stringify(loadFixture('tool-calls').document);
  const cases = [
    { what: 'one secret, forged 5 MB bodies', args: ['--secret', SECRET], forged: `{"padding":"${'x'.repeat(5 * 1024 * 1024)}"}` },
    { what: '1 000-line --secret-file, forged 1 KB bodies', args: ['--secret-file', secretFile], forged: body },
  ];
  const rows: Row[] = [];
  for (const { what, args, forged } of cases) {
    const quiet: number[] = [];
    const attacked: number[] = [];
    for (let round = 0; round < rounds; round++) {
      const child = spawn(process.execPath, [BIN, 'listen', '--port', '0', '--json', ...args], {
        cwd: ROOT,
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      try {
        const url = (await firstLine(child, 'stderr')).replace(/^Listening on /, '');
        quiet.push(await validLatency(url, body));
        let forging = true;
        const forgers = Array.from({ length: FORGERS }, async () => {
          while (forging) await post(url, forged, sign({ body, secret: 'not-the-secret' }));
        });
        attacked.push(await validLatency(url, body));
        forging = false;
        await Promise.all(forgers);
      } finally {
        child.kill('SIGTERM');
        await new Promise((resolve) => child.once('close', resolve));
      }
    }
    rows.push(
      compare(
        `listen: a valid request's latency with ${FORGERS === 1 ? 'a forger' : `${FORGERS} forgers`} sending back to back (${what})`,
        'ms',
        attacked,
        quiet,
        {
          limit: 2,
          better: 'lower',
          against: 'the same listener with none',
        },
      ),
    );
  }
  rmSync(dir, { recursive: true, force: true });
  return rows;
}

/** The median latency of valid requests sent one after another. */
async function validLatency(url: string, body: string): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < VALID_REQUESTS; i++) {
    const started = performance.now();
    const status = await post(url, body, sign({ body, secret: SECRET }));
    if (status !== 200) throw new Error(`a valid request got ${status}`);
    times.push(performance.now() - started);
  }
  return median(times);
}

function post(url: string, body: string, headers: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', headers: { ...headers, 'content-length': Buffer.byteLength(body) } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end(body);
  });
}
