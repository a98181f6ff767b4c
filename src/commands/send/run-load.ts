import type { CommandContext } from '../../cli/command-context.js';
import { CheckFailed, Interrupted } from '../../errors.js';
import { Reporter } from '../../output/reporter.js';
import { type EventType, isEvent } from '../../platform/events.js';
import { checkReceivedReply, statusMatches } from '../../platform/reply-check.js';
import { failedOf, runLoad, totalOf } from '../../sending/load.js';
import { parseTarget } from '../../sending/target.js';
import type { LoadOptions } from './command.js';
import { loadJson, loadLines } from './render.js';
import { prepareRequest } from '../../engine/request.js';

/** `send load EVENT`: many requests, each re-signed, over parallel connections; throughput and latency. */
export async function runSendLoad(name: string | undefined, options: LoadOptions, context: CommandContext): Promise<void> {
  const { io } = context;
  const reporter = new Reporter(io, { json: options.json === true, color: context.color() });
  const url = parseTarget(options.to);
  const prepared = await prepareRequest(name, url, options, io, (text) => reporter.note(text));
  const checkedAs: EventType = isEvent(prepared.event) ? prepared.event : 'status-update';
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
      // Each reply gets send's checks (status, JSON, schema, ids, deadline); a failure counts under its first check.
      judge: (reply) => {
        const verdict = checkReceivedReply({
          event: checkedAs,
          dialect: prepared.dialect,
          request: prepared.document,
          reply,
          expectStatus: options.expectStatus,
          ...(options.deadline !== undefined ? { deadlineMs: options.deadline * 1000 } : {}),
        });
        return verdict.ok ? undefined : verdict.checks.find((check) => check.severity === 'failure')?.name;
      },
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
  const failed = failedOf(stats);
  if (failed > 0) {
    const unexpected = [...stats.statuses].filter(([status]) => !statusMatches(status, expect)).reduce((n, [, c]) => n + c, 0);
    throw new CheckFailed(
      unexpected + totalOf(stats.errors) === failed
        ? `${failed} of ${stats.sent} requests did not get ${expect}`
        : `${failed} of ${stats.sent} requests failed: ${[...stats.failures, ...stats.errors].map(([reason, count]) => `${reason} ${count}`).join(', ')}`,
    );
  }
}
