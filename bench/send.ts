import { spawnSync } from 'node:child_process';
import autocannon from 'autocannon';
import { loadFixture } from '../src/platform/fixtures.js';
import { sign } from '../src/signing/signature.js';
import { BIN, median, ROOT, type Row } from './measure.js';
import { startBareServer } from './servers.js';

const CONNECTIONS = 50;
const REQUESTS = 20_000;

/** `send load --concurrency 50` against autocannon, both at the same bare server, same body size. */
export async function benchSend(rounds = 3): Promise<Row[]> {
  const server = await startBareServer();
  try {
    // The same fixture bytes that `send tool-calls` posts.
    const body = JSON.stringify(loadFixture('tool-calls').document);
    const ours: number[] = [];
    const theirs: number[] = [];
    for (let round = 0; round < rounds; round++) {
      const run = spawnSync(
        process.execPath,
        [
          BIN,
          'send',
          'load',
          'tool-calls',
          '--to',
          server.url,
          '--secret',
          'bench-secret',
          '--count',
          String(REQUESTS),
          '--concurrency',
          String(CONNECTIONS),
          '--json',
        ],
        { cwd: ROOT, encoding: 'utf8' },
      );
      if (run.status !== 0) throw new Error(`send load failed: ${run.stderr}`);
      ours.push((JSON.parse(run.stdout) as { requests_per_second: number }).requests_per_second);
      const result = await autocannon({
        url: server.url,
        method: 'POST',
        connections: CONNECTIONS,
        amount: REQUESTS,
        body,
        headers: { ...sign({ body, secret: 'bench-secret' }) },
      });
      theirs.push(result.requests.total / (result.duration || 1));
    }
    const ourRate = median(ours);
    const baseRate = median(theirs);
    return [
      {
        what: `send load --count ${REQUESTS} --concurrency ${CONNECTIONS}`,
        ours: ourRate,
        baseline: baseRate,
        unit: 'req/s',
        ratio: ourRate / baseRate,
        target: '≥ 0.8× autocannon',
        met: ourRate / baseRate >= 0.8,
      },
    ];
  } finally {
    server.stop();
  }
}
