import { spawn } from 'node:child_process';
import { createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { loadFixture } from '../src/platform/fixtures.js';
import { sign } from '../src/signing/signature.js';
import { BIN, compare, ROOT, ROUNDS, type Row } from './measure.js';

const SECRET = 'bench-secret';
const REQUESTS = 100_000;

/** The baseline: read the same file line by line, parse each line, and check its HMAC — nothing else. */
const BARE_LOOP = `
  const { createHmac, timingSafeEqual } = require('node:crypto');
  const { createReadStream } = require('node:fs');
  const { createInterface } = require('node:readline');
  (async () => {
    let ok = 0;
    for await (const line of createInterface({ input: createReadStream(process.argv[1]), crlfDelay: Infinity })) {
      const c = JSON.parse(line);
      const ts = c.headers['x-webhook-timestamp'];
      const expected = Buffer.from(createHmac('sha256', process.argv[2]).update(ts + '.').update(c.body).digest('hex'));
      const given = Buffer.from(c.headers['x-webhook-signature'].slice(7));
      if (given.length === expected.length && timingSafeEqual(given, expected)) ok++;
    }
    if (ok !== ${REQUESTS}) throw new Error('bare loop verified ' + ok);
  })();
`;

/** Prints the peak RSS at exit, so the bench reads it without a tool of the OS. */
const REPORT_RSS = `data:text/javascript,process.on('exit',()=>process.stderr.write('maxrss '+process.resourceUsage().maxRSS+'\\n'))`;

/**
 * `verify` of a generated capture file of 100 k signed requests (the 4 events, ~1 KB each) against
 * the bare read + HMAC loop on the same file, same run; also reports verify's peak RSS.
 */
export async function benchVerify(rounds = ROUNDS): Promise<Row[]> {
  const dir = mkdtempSync(join(tmpdir(), 'hms-webhook-bench-verify-'));
  const file = join(dir, 'captures.jsonl');
  try {
    await generate(file);
    const bare: number[] = [];
    const ours: number[] = [];
    const rss: number[] = [];
    for (let round = 0; round < rounds; round++) {
      bare.push((await run(['-e', BARE_LOOP, file, SECRET])).ms);
      const result = await run(['--import', REPORT_RSS, BIN, 'verify', file, '--secret', SECRET, '--quiet']);
      ours.push(result.ms);
      rss.push(result.maxRssKb / 1024);
    }
    const rate = (ms: number) => REQUESTS / (ms / 1000);
    const what = `verify ${REQUESTS / 1000} k captures`;
    return [
      compare(what, 'req/s', ours.map(rate), bare.map(rate), { limit: 0.7, better: 'higher', against: 'read+HMAC loop' }),
      compare(
        `${what}, peak RSS`,
        'MB',
        rss,
        rss.map(() => 100),
        { limit: 1, better: 'lower', against: '100 MB' },
      ),
    ];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function generate(file: string): Promise<void> {
  const out = createWriteStream(file);
  const timestamp = Math.floor(Date.now() / 1000);
  const receivedAt = new Date(timestamp * 1000).toISOString();
  const lines = ['assistant-request', 'status-update', 'tool-calls', 'end-of-call-report'].map((event) => {
    const body = JSON.stringify(loadFixture(event).document);
    const headers = Object.fromEntries(
      Object.entries(sign({ body, secret: SECRET, timestamp })).map(([name, value]) => [name.toLowerCase(), value]),
    );
    return `${JSON.stringify({ received_at: receivedAt, method: 'POST', path: '/', headers, body })}\n`;
  });
  for (let i = 0; i < REQUESTS; i++) {
    if (!out.write(lines[i % lines.length])) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
}

function run(args: string[]): Promise<{ ms: number; maxRssKb: number }> {
  return new Promise((resolve, reject) => {
    const start = process.hrtime.bigint();
    const child = spawn(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, NO_COLOR: '1' } });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('close', (code) => {
      const ms = Number(process.hrtime.bigint() - start) / 1e6;
      if (code !== 0) reject(new Error(`${args.slice(0, 3).join(' ')} exited ${code}: ${stderr.slice(0, 500)}`));
      else resolve({ ms, maxRssKb: Number(/maxrss (\d+)/.exec(stderr)?.[1] ?? NaN) });
    });
  });
}
