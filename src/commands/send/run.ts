import type { CommandContext } from '../../cli/command-context.js';
import { CheckFailed, UsageError } from '../../errors.js';
import { isEvent } from '../../platform/events.js';
import { checkReceivedReply, judgedAs } from '../../platform/reply-check.js';
import { Reporter } from '../../output/reporter.js';
import { NetworkFailure, postOnce } from '../../sending/http.js';
import { parseTarget } from '../../sending/target.js';
import type { SendOptions } from './command.js';
import { sendJson, sendLines, type SendReport } from './render.js';
import { prepareRequest } from './request.js';

/** `send EVENT`: one request (or --repeat identical ones), its reply checked as the platform would use it. */
export async function runSend(name: string | undefined, options: SendOptions, context: CommandContext): Promise<void> {
  if (options.count !== undefined) {
    throw new UsageError(`load mode is its own command now: hms-webhook send load ${name ?? 'EVENT'} --count ${options.count}`);
  }
  const { io } = context;
  const reporter = new Reporter(io, { json: options.json === true, color: context.color() });
  const url = parseTarget(options.to);
  const prepared = await prepareRequest(name, url, options, io, (text) => reporter.note(text));
  const { event, dialect, document, forgery, signedWith } = prepared;
  const checkedAs = judgedAs(event);
  if (forgery !== undefined && options.expectStatus === undefined) {
    reporter.note(
      `this request is forged (--${forgery}); a careful receiver refuses it — add --expect-status 4xx to make a refusal the pass`,
    );
  }
  // --repeat sends this identical signed request again: a duplicate delivery.
  const outgoing = prepared.make();
  let passed = 0;
  let failed = 0;
  for (let attempt = 1; attempt <= options.repeat; attempt++) {
    const spinner = await startSpinner(`POST ${url.href} (${event})`, io);
    const base = { url: url.href, event, dialect, signedWith, attempt, repeat: options.repeat, request: outgoing };
    let report: SendReport;
    try {
      const reply = await postOnce(outgoing, options.timeout * 1000, io.clock);
      const verdict = checkReceivedReply({
        event: checkedAs,
        dialect,
        request: document,
        reply,
        deadlineMs: isEvent(event) && options.deadline !== undefined ? options.deadline * 1000 : undefined,
        expectStatus: options.expectStatus,
      });
      report = { ...base, reply, verdict };
    } catch (error) {
      // No reply in time, or the connection closed before one: the receiver failed to answer (exit 1).
      // Any other network failure (refused, unknown host) means we could not run.
      if (!(error instanceof NetworkFailure) || (error.kind !== 'timeout' && error.kind !== 'reset')) throw error;
      report = { ...base, failure: error.message };
    } finally {
      spinner?.stop();
    }
    if (report.verdict?.ok === true) passed++;
    else failed++;
    reporter.result(
      () => sendJson(report, options.verbose === true),
      () => sendLines(report, reporter.style, options.verbose === true),
    );
  }
  if (options.repeat > 1) reporter.summary(passed, failed);
  if (failed > 0) throw new CheckFailed();
}

/**
 * A spinner only on a terminal whose width is known, outside CI: in a log it is noise, and on a
 * terminal that reports 0 columns (some CI and `docker -t` setups) it would redraw for ever.
 */
async function startSpinner(text: string, io: CommandContext['io']): Promise<{ stop(): void } | undefined> {
  if (!io.stderr.isTTY || !((io.stderr.columns ?? 0) > 0) || io.env.CI) return undefined;
  const { default: ora } = await import('ora');
  return ora({ text, stream: io.stderr as NodeJS.WritableStream }).start();
}
