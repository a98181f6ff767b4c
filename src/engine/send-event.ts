import { systemClock } from '../clock.js';
import {
  isOwnRoute,
  routeOf,
  routeToolCalls,
  sendableByRoute,
  type RoutedToolCalls,
  type ToolRoute,
  callableToolsOf,
} from '../platform/assistant-tools.js';
import { isEvent } from '../platform/events.js';
import { checkReceivedReply, judgedAs, type ReplyVerdict } from '../platform/reply-check.js';
import { asObject } from '../platform/schemas/common.js';
import { NetworkFailure, type OutgoingRequest, postOnce, type ReceivedReply } from '../sending/http.js';
import { type EventRequestOptions, type PreparedRequest, prepareEventRequest } from './request.js';

/** One send and what came of it: a reply with its verdict, or a failure to get one. */
export interface SendReport {
  url: string;
  event: string;
  dialect: string;
  signedWith: string;
  attempt: number;
  repeat: number;
  request: OutgoingRequest;
  reply?: ReceivedReply;
  verdict?: ReplyVerdict;
  /** Why no reply came (a timeout, or the connection closed first). */
  failure?: string;
  /** Tool calls sent to their tools' own route (or split between routes): which tools, and whose URL. */
  route?: { tools: string[]; source: ToolRoute['source'] };
  /** The tools are async: the reply is not read. */
  async?: boolean;
}

/** Tool calls go to each tool's own URL or route when the assistant gives one, else to `url`. */
export interface SendEventOptions extends EventRequestOptions {
  /** The saved assistant: routes tool calls to each tool's own URL, signed with its own secret. */
  assistant?: Record<string, unknown>;
  /** Tool name → URL, instead of the tool's own. */
  routes?: ReadonlyMap<string, string>;
  /** Call a tool at its own URL off this machine (--allow-remote-tools); else such calls are not sent. */
  allowRemoteTools?: boolean;
  /** A line about what is sent where: tool calls not sent (and why), or sent off this machine. */
  onNote?(text: string): void;
  /** The identical signed request this many times: a duplicate delivery (default 1). */
  repeat?: number;
  /** The request is built and about to be sent. */
  onPrepared?(event: PreparedEvent): void;
  /** Called as a request goes out; what it returns is called when its reply (or failure) is in. */
  onSending?(request: OutgoingRequest, event: string): (() => void) | undefined;
}

/** What goes to one route: the whole payload, or one route's share of the tool calls. */
export type SendPart = Pick<RoutedToolCalls, 'route' | 'async' | 'tools'> & { document: unknown };

export interface PreparedEvent {
  prepared: PreparedRequest;
  /** The request as split by the tools' routes: one part unless tool calls go to several. */
  parts: SendPart[];
}

export interface SentEvent extends PreparedEvent {
  reports: SendReport[];
  passed: number;
  failed: number;
}

/** The payload and its split by route, without sending: what `send --fuzz` fuzzes instead. */
export async function prepareEvent(options: SendEventOptions): Promise<PreparedEvent> {
  const prepared = await prepareEventRequest(options);
  const routes = options.routes ?? new Map<string, string>();
  const parts: SendPart[] =
    prepared.event === 'tool-calls'
      ? routeToolCalls(
          asObject(prepared.document) ?? {},
          prepared.dialect,
          callableToolsOf(options.assistant),
          routes,
          options.url.href,
          options.allowRemoteTools,
        )
      : [{ route: routeOf(undefined, routes, options.url.href), document: prepared.document, async: false, tools: [] }];
  return { prepared, parts };
}

/**
 * Sends one event as the platform does — signed (or forged as asked), tool calls split by their
 * routes — and judges each reply as the platform would use it. A receiver that cannot be reached
 * throws NetworkFailure; no reply in time, or a connection closed first, is a failed report.
 */
export async function sendEvent(options: SendEventOptions, onReport: (report: SendReport) => void = () => {}): Promise<SentEvent> {
  const clock = options.clock ?? systemClock;
  const { prepared, parts: routed } = await prepareEvent(options);
  const parts = sendableByRoute(routed, (part) => part, options.onNote);
  options.onPrepared?.({ prepared, parts });
  const { event, dialect, forgery, signedWith } = prepared;
  // --repeat sends each identical signed request again: a duplicate delivery.
  const outgoing = parts.map((part) =>
    parts.length === 1 && part.route.source === 'receiver' && part.route.secret === undefined
      ? prepared.make()
      : prepared.make({ url: new URL(part.route.url), document: part.document, secret: part.route.secret }),
  );
  const repeat = options.repeat ?? 1;
  const sent: SentEvent = { prepared, parts, reports: [], passed: 0, failed: 0 };
  for (let attempt = 1; attempt <= repeat; attempt++) {
    for (const [at, part] of parts.entries()) {
      const request = outgoing[at]!;
      const routed = isOwnRoute(part.route);
      const base = {
        url: request.url.href,
        event,
        dialect,
        signedWith: routed && part.route.secret !== undefined && forgery === undefined ? "signed, the tool's own secret" : signedWith,
        attempt,
        repeat,
        request,
        ...(routed || parts.length > 1 ? { route: { tools: part.tools, source: part.route.source } } : {}),
        ...(part.async ? { async: true } : {}),
      };
      const done = options.onSending?.(request, event);
      let report: SendReport;
      try {
        const reply = await postOnce(request, options.timeoutMs, clock);
        const verdict = checkReceivedReply({
          event: judgedAs(event),
          dialect,
          request: part.document,
          reply,
          deadlineMs: isEvent(event) ? options.deadlineMs : undefined,
          expectStatus: options.expectStatus,
          ...(part.async ? { asyncTool: true } : {}),
        });
        report = { ...base, reply, verdict };
      } catch (error) {
        // No reply in time, or the connection closed before one: the receiver failed to answer.
        // Any other network failure (refused, unknown host) means nothing could be sent.
        if (!(error instanceof NetworkFailure) || (error.kind !== 'timeout' && error.kind !== 'reset')) throw error;
        report = { ...base, failure: error.message };
      } finally {
        done?.();
      }
      if (report.verdict?.ok === true) sent.passed++;
      else sent.failed++;
      sent.reports.push(report);
      onReport(report);
    }
  }
  return sent;
}
