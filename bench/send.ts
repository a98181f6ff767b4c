import { createRequire } from 'node:module';
import { loadFixture } from '../src/platform/fixtures.js';
import { sign } from '../src/signing/signature.js';
import { compare, ROUNDS, sendLoadArgs, timeRun, type Row } from './measure.js';
import { startBareServer } from './servers.js';

const CONNECTIONS = 50;
const REQUESTS = 50_000;
const AUTOCANNON = createRequire(import.meta.url).resolve('autocannon/autocannon.js');

/**
 * Requests per second of wall time: a whole `send load --count 50000 --concurrency 50` process against the
 * autocannon command sending the same number of requests with the same body to the same bare server.
 */
export async function benchSend(rounds = ROUNDS): Promise<Row[]> {
  const server = await startBareServer();
  try {
    // The same fixture bytes that `send load status-update` posts; its reply is ignored, so the bare server's `{}` passes.
    const body = JSON.stringify(loadFixture('status-update').document);
    const ours: number[] = [];
    const theirs: number[] = [];
    for (let round = 0; round < rounds; round++) {
      ours.push(timeRun(process.execPath, sendLoadArgs(server.url, REQUESTS, CONNECTIONS), { HMS_WEBHOOK_SECRET: 'bench-secret' }));
      const headers = Object.entries(sign({ body, secret: 'bench-secret' })).flatMap(([name, value]) => ['-H', `${name}=${value}`]);
      theirs.push(
        timeRun(process.execPath, [
          AUTOCANNON,
          '-c',
          String(CONNECTIONS),
          '-a',
          String(REQUESTS),
          '-m',
          'POST',
          '-b',
          body,
          ...headers,
          server.url,
        ]),
      );
    }
    const rate = (ms: number) => REQUESTS / (ms / 1000);
    return [
      compare(
        `send load --count ${REQUESTS / 1000} k --concurrency ${CONNECTIONS}, whole command`,
        'req/s',
        ours.map(rate),
        theirs.map(rate),
        {
          limit: 0.9,
          better: 'higher',
          against: 'autocannon',
        },
      ),
    ];
  } finally {
    server.stop();
  }
}
