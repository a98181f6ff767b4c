import type { CommandContext } from '../../cli/command-context.js';
import { sendLoad } from '../../engine/send-load.js';
import { StopRequest } from '../../cli/stop-request.js';
import { CheckFailed } from '../../errors.js';
import { Reporter } from '../../output/reporter.js';
import { refusalHint } from '../../platform/refusal-hints.js';
import { statusMatches } from '../../platform/reply-check.js';
import { failedOf, type LoadStats, reasonCounts, totalOf } from '../../sending/load-stats.js';
import type { LoadOptions } from './command.js';
import { eventRequestOf } from './request-flags.js';
import { loadJson, loadLines } from './load-render.js';

/** `send load EVENT`: the engine's sendLoad with progress on a terminal; Ctrl-C or SIGTERM stops sending and the summary covers what was sent. */
export async function runSendLoad(name: string | undefined, options: LoadOptions, context: CommandContext): Promise<void> {
  const { io } = context;
  const reporter = new Reporter(io, { json: options.json === true, color: context.color() });
  // The flags as the engine's options, the receiver among them: parsed once.
  const request = eventRequestOf(name, options, io, reporter);
  const { url } = request;
  const expect = options.expectStatus ?? '2xx';
  const { count } = options;
  let done = 0;
  const progress = io.stderr.isTTY ? setInterval(() => io.stderr.write(`\r${done}/${count} sent`), 200) : undefined;
  const stop = new StopRequest(io.signals);
  let stats: LoadStats;
  try {
    stats = await sendLoad({
      ...request,
      count: options.count,
      concurrency: options.concurrency,
      onProgress: (n) => {
        done = n;
      },
      stopped: () => stop.stopped,
    });
  } finally {
    stop.release();
    if (progress) {
      clearInterval(progress);
      io.stderr.write('\r\x1b[K');
    }
  }
  const report = {
    url: url.href,
    expect,
    concurrency: options.concurrency,
    stats,
    ...(stop.stopped ? { interruptedAt: { count, by: stop.words } } : {}),
  };
  reporter.result(
    () => loadJson(report),
    () => loadLines(report, reporter.style),
  );
  if (stop.stopped) throw stop.interrupted();
  const failed = failedOf(stats);
  if (failed === 0) return;
  const refused = [...stats.statuses].filter(([status]) => !statusMatches(status, expect));
  const unexpected = refused.reduce((n, [, c]) => n + c, 0);
  // The status most requests were refused with, named as probe and send name it (a 404: the path).
  const [commonest] = refused.sort(([, a], [, b]) => b - a)[0] ?? [];
  const hint = commonest !== undefined && expect === '2xx' ? refusalHint({ status: commonest, body: Buffer.alloc(0) }) : undefined;
  throw new CheckFailed(
    `${
      unexpected + totalOf(stats.errors) === failed
        ? `${failed} of ${stats.sent} requests did not get ${expect}`
        : `${failed} of ${stats.sent} requests failed: ${reasonCounts(stats)}`
    }${hint !== undefined ? ` (${commonest}: ${hint})` : ''}`,
  );
}
