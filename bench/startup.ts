import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BIN, compare, ROOT, ROUNDS, timeRun, type Row } from './measure.js';
import { firstLine, startBareServer } from './servers.js';

/** A bare node:http server that says where it listens: the baseline of listen's start. */
const BARE_LISTEN = `const s = require('node:http').createServer(); s.listen(0, '127.0.0.1', () => process.stdout.write('listening ' + s.address().port + '\\n'));`;

/** Milliseconds from spawning a server until its first line, then it is stopped. */
async function timeToLine(args: string[], stream: 'stdout' | 'stderr'): Promise<number> {
  const start = process.hrtime.bigint();
  const child = spawn(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1' } });
  await firstLine(child, stream);
  const elapsed = Number(process.hrtime.bigint() - start) / 1e6;
  child.kill();
  await new Promise((resolve) => child.once('close', resolve));
  return elapsed;
}

/** Whole processes take tens of milliseconds: more rounds than the longer benchmarks. */
const STARTUP_ROUNDS = Math.max(ROUNDS, 21);

/**
 * Whole processes, each against a bare `node -e ''` measured in the same round: the cold start of
 * `--help` and of `validate <1 KB file>`, and one `send status-update` to a local server that answers
 * at once (what every CI script pays per call).
 */
export async function benchStartup(rounds = STARTUP_ROUNDS): Promise<Row[]> {
  const dir = mkdtempSync(join(tmpdir(), 'hms-webhook-bench-'));
  const server = await startBareServer();
  try {
    const payload = JSON.parse(readFileSync(join(ROOT, 'fixtures/tool-calls/one-tool.json'), 'utf8')) as Record<string, unknown>;
    const file = join(dir, 'payload.json');
    writeFileSync(file, JSON.stringify(payload));
    const bare: number[] = [];
    const help: number[] = [];
    const validate: number[] = [];
    const send: number[] = [];
    const listen: number[] = [];
    const bareListen: number[] = [];
    for (let round = 0; round < rounds; round++) {
      bare.push(timeRun(process.execPath, ['-e', '']));
      help.push(timeRun(process.execPath, [BIN, '--help']));
      validate.push(timeRun(process.execPath, [BIN, 'validate', file]));
      send.push(timeRun(process.execPath, [BIN, 'send', 'status-update', '--to', server.url], { HMS_WEBHOOK_SECRET: 'bench-secret' }));
      listen.push(await timeToLine([BIN, 'listen', '--port', '0'], 'stderr'));
      bareListen.push(await timeToLine(['-e', BARE_LISTEN], 'stdout'));
    }
    const goal = (limit: number) => ({ limit, better: 'lower', against: "node -e ''" }) as const;
    return [
      compare('hms-webhook --help cold start', 'ms', help, bare, goal(1.2)),
      compare('hms-webhook validate <1 KB> cold start', 'ms', validate, bare, goal(1.35)),
      compare('hms-webhook send status-update, local server', 'ms', send, bare, goal(1.5)),
      // The inspector is loaded only with --ui: listen without it must not start slower for it.
      compare('hms-webhook listen, start until it listens (no --ui)', 'ms', listen, bareListen, {
        limit: 1.5,
        better: 'lower',
        against: 'a node:http server',
      }),
    ];
  } finally {
    server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
