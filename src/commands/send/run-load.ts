import type { CommandContext } from '../../cli/command-context.js';
import { CheckFailed, Interrupted } from '../../errors.js';
import { Reporter } from '../../output/reporter.js';
import { statusMatches } from '../../platform/reply-check.js';
import { runLoad } from '../../sending/http.js';
import { parseTarget } from '../../sending/target.js';
import type { LoadOptions } from './command.js';
import { loadJson, loadLines } from './render.js';
import { prepareRequest } from './request.js';

/** `send load EVENT`: many requests, each re-signed, over parallel connections; throughput and latency. */
export async function runSendLoad(name: string | undefined, options: LoadOptions, context: CommandContext): Promise<void> {
  const { io } = context;
  const reporter = new Reporter(io, { json: options.json === true, color: context.color() });
  const url = parseTarget(options.to);
  const prepared = await prepareRequest(name, url, options, io, (text) => reporter.note(text));
  const expect = options.expectStatus ?? '2xx';
  const { count } = options;
  let done = 0;
  const progress = io.stderr.isTTY ? setInterval(() => io.stderr.write(`\r${done}/${count} sent`), 200) : undefined;
  // Ctrl-C stops sending; the requests in flight finish and the summary covers what was sent.
  let interrupted = false;
  const onInterrupt = () => {
    interrupted = true;
  };
  io.signals.once('SIGINT', onInterrupt);
  let stats: Awaited<ReturnType<typeof runLoad>>;
  try {
    stats = await runLoad({
      url,
      count,
      concurrency: options.concurrency,
      timeoutMs: options.timeout * 1000,
      next: () => {
        const { headers, body } = prepared.make();
        return { headers, body };
      },
      onProgress: (n) => {
        done = n;
      },
      stopped: () => interrupted,
    });
  } finally {
    io.signals.off('SIGINT', onInterrupt);
    if (progress) {
      clearInterval(progress);
      io.stderr.write('\r\x1b[K');
    }
  }
  const report = { url: url.href, expect, concurrency: options.concurrency, stats, ...(interrupted ? { interruptedAt: { count } } : {}) };
  reporter.result(
    () => loadJson(report),
    () => loadLines(report, reporter.style),
  );
  if (interrupted) throw new Interrupted();
  const unexpected = [...stats.statuses].filter(([status]) => !statusMatches(status, expect)).reduce((n, [, c]) => n + c, 0);
  const errors = [...stats.errors.values()].reduce((a, b) => a + b, 0);
  if (unexpected + errors > 0) throw new CheckFailed(`${unexpected + errors} of ${stats.sent} requests did not get ${expect}`);
}
