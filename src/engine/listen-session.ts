import { renameSync, rmSync, writeFileSync } from 'node:fs';
import { shownUrl } from '../output/printable.js';
import { type Clock, systemClock } from '../clock.js';
import { InputError, UsageError } from '../errors.js';
import { whyUnreadable } from '../input.js';
import type { RequestStore } from '../inspector/store.js';
import { type ListenEvent, type ListenerOptions, startListener } from '../receiving/listener.js';
import { isLoopback } from '../sending/target.js';

/** SIGPIPE: stdout's reader went away, so nothing more can be shown (a stop like SIGTERM, never a forced one). */
export type StopSignalName = 'SIGINT' | 'SIGTERM' | 'SIGPIPE';
export type StopReason = 'count' | 'timeout' | StopSignalName;

/** Where stop signals (and SIGHUP, which reopens the capture file) come from: the process, or an emitter a test drives. */
export interface StopSignals {
  on(signal: StopSignalName | 'SIGHUP', listener: () => void): unknown;
  off(signal: StopSignalName | 'SIGHUP', listener: () => void): unknown;
}

export interface ListenSessionOptions extends Omit<ListenerOptions, 'onEvent'> {
  /** Stop after this many requests. */
  count?: number;
  /** Stop when no request came for this long (armed again by each request). */
  idleTimeoutMs?: number;
  /** At stop, how long requests in flight may take before their connections are cut. */
  graceMs: number;
  /** A file that holds the listening URL while the listener accepts connections (written whole, removed at stop). */
  readyFile?: string;
  /** The inspector (`--ui`): a page and an API over the requests, loaded only when asked for. */
  inspector?: { port: number; keep: number; secret: string | undefined; clock?: Clock };
  /** The first signal stops the session; a second, while requests in flight finish, cuts them. */
  signals?: StopSignals;
  onEvent(event: ListenEvent): void;
  /** Accepting connections: the listener's URL, the inspector's, and how many requests of an earlier run it shows. */
  onListening?(urls: { url: string; inspectorUrl?: string; earlierRequests?: number }): void;
}

export interface ListenOutcome {
  passed: number;
  failed: number;
  reason: StopReason;
  /** A second signal cut the requests in flight. */
  forced: boolean;
}

/**
 * Receives webhooks as the customer's server would — verifying, answering, forwarding and saving
 * each — until `count` requests came, none came for `idleTimeoutMs`, or a signal stops it.
 */
export async function listenUntilStopped(options: ListenSessionOptions): Promise<ListenOutcome> {
  const { count, idleTimeoutMs, inspector: inspectorOptions, readyFile, signals, ...listenerOptions } = options;
  const tally = { passed: 0, failed: 0 };
  let stop: (reason: StopReason) => void = () => {};
  const stopped = new Promise<StopReason>((resolve) => {
    stop = resolve;
  });
  let idle: NodeJS.Timeout | undefined;
  const armTimeout = () => {
    if (idleTimeoutMs === undefined) return;
    clearTimeout(idle);
    idle = setTimeout(() => stop('timeout'), idleTimeoutMs);
  };
  // Loaded only with the inspector, so that a listener without it loads nothing more.
  const store =
    inspectorOptions !== undefined ? new (await import('../inspector/store.js')).RequestStore(inspectorOptions.keep) : undefined;
  const earlierRequests =
    store !== undefined && listenerOptions.save !== undefined ? await showEarlierRun(store, listenerOptions.save, options.onWarning) : 0;
  // A file left by an earlier run must not say this one is ready.
  if (readyFile !== undefined) rmSync(readyFile, { force: true });
  const listener = await startListener({
    ...listenerOptions,
    onEvent: (event) => {
      store?.add(event);
      tally[event.passed ? 'passed' : 'failed']++;
      options.onEvent(event);
      armTimeout();
      if (count !== undefined && tally.passed + tally.failed >= count) stop('count');
    },
  });
  // The first signal stops the listener; a second one, while requests in flight finish, cuts them and exits at once.
  // Heard from before the listening line and the ready file, so that a script that stops it on either gets the verdict.
  let stopping = false;
  let forced = false;
  const onSignal = (signal: StopSignalName) => () => {
    if (!stopping) {
      stopping = true;
      stop(signal);
      return;
    }
    forced = true;
    listener.abort();
  };
  const onReaderGone = () => {
    if (stopping) return;
    stopping = true;
    stop('SIGPIPE');
  };
  const handlers = [
    ['SIGINT', onSignal('SIGINT')],
    ['SIGTERM', onSignal('SIGTERM')],
    ['SIGPIPE', onReaderGone],
    // What logrotate's postrotate sends: the capture file is opened again at its path; listening goes on.
    [
      'SIGHUP',
      () => {
        if (!listener.reopenCaptures('SIGHUP')) options.onWarning?.('SIGHUP: no capture file to reopen (no --save); listening goes on');
      },
    ],
  ] as const;
  for (const [signal, handler] of handlers) signals?.on(signal, handler);
  const closeAll: (() => Promise<void>)[] = [
    () => listener.close(0),
    async () => {
      for (const [signal, handler] of handlers) signals?.off(signal, handler);
    },
  ];
  const inspector = await startedOrClosed(closeAll, async () => {
    if (options.forwardTo !== undefined && isSelf(options.forwardTo, new URL(listener.url)))
      throw new UsageError(
        `--forward-to ${shownUrl(options.forwardTo)} is this listener itself: every request would be forwarded to itself for ever`,
      );
    const started =
      store !== undefined && inspectorOptions !== undefined
        ? await startInspectorOver(store, inspectorOptions, options, listener.url)
        : undefined;
    if (started !== undefined) closeAll.unshift(() => started.close());
    if (readyFile !== undefined) writeReadyFile(readyFile, listener.url);
    return started;
  });
  options.onListening?.({ url: listener.url, ...(inspector !== undefined ? { inspectorUrl: inspector.url, earlierRequests } : {}) });
  armTimeout();
  const reason = await stopped;
  stopping = true;
  clearTimeout(idle);
  await listener.close(options.graceMs);
  await inspector?.close();
  if (readyFile !== undefined) rmSync(readyFile, { force: true });
  for (const [signal, handler] of handlers) signals?.off(signal, handler);
  return { ...tally, reason, forced };
}

async function startInspectorOver(
  store: RequestStore,
  inspector: NonNullable<ListenSessionOptions['inspector']>,
  options: ListenSessionOptions,
  listenerUrl: string,
) {
  const { startInspector } = await import('../inspector/server.js');
  return startInspector({
    port: inspector.port,
    store,
    secret: inspector.secret,
    defaultTarget: options.forwardTo ?? new URL(options.path, listenerUrl),
    ...(options.forwardTo !== undefined ? { forwardTo: options.forwardTo } : {}),
    listenerUrl: new URL(listenerUrl),
    clock: inspector.clock ?? systemClock,
  });
}

/** `--ui --save FILE`: what FILE holds from earlier runs is in the inspector from the start, marked as such. */
async function showEarlierRun(store: RequestStore, file: string, onWarning: ((text: string) => void) | undefined): Promise<number> {
  const { loadHistory } = await import('../inspector/history.js');
  try {
    const history = await loadHistory(file, store.keep);
    for (const capture of history.captures) store.addEarlier(capture, file);
    if (history.skipped > 0)
      onWarning?.(
        `warning: ${file}: ${history.skipped} line${history.skipped === 1 ? ' is' : 's are'} not a capture; the inspector shows the others`,
      );
    return history.captures.length;
  } catch (error) {
    onWarning?.(`warning: the inspector shows no earlier requests: ${(error as Error).message}`);
    return 0;
  }
}

/** Runs the rest of a start; when it fails, closes what was started (last first) and throws its error. */
async function startedOrClosed<T>(closeAll: readonly (() => Promise<void>)[], rest: () => Promise<T>): Promise<T> {
  try {
    return await rest();
  } catch (error) {
    for (const close of closeAll) await close();
    throw error;
  }
}

/** Written whole under another name, then renamed: a script never reads half a URL. */
function writeReadyFile(file: string, url: string): void {
  const partial = `${file}.${process.pid}.partial`;
  try {
    writeFileSync(partial, `${url}\n`);
    renameSync(partial, file);
  } catch (error) {
    throw new InputError(`cannot write --ready-file ${file}: ${whyUnreadable(error) ?? (error as Error).message}`);
  }
}

/** Whether a forward target is the listener's own address (same port, on this machine). */
function isSelf(target: URL, own: URL): boolean {
  const port = (url: URL) => url.port || (url.protocol === 'https:' ? '443' : '80');
  const host = target.hostname.replace(/^\[|\]$/g, '');
  const ownHost = own.hostname.replace(/^\[|\]$/g, '');
  return port(target) === port(own) && (host === ownHost || isLoopback(host) || (ownHost === '0.0.0.0' && host !== ''));
}
