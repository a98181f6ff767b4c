import { filterMatches } from '../../captures/filter.js';
import type { RequestSummary } from '../api-types.js';

/** A line of the list: a request (a re-send one level in, under its original), or a call's heading when grouped. */
export type ListItem = { kind: 'request'; request: RequestSummary; depth: 0 | 1 } | { kind: 'call'; callId: string };

/**
 * What the inspector's page holds and shows, without a document: the requests the server keeps (no more),
 * the filter, the selection and whether the newest request is followed. The page renders it; tests drive
 * it directly.
 */
export class InspectorModel {
  private readonly requests = new Map<number, RequestSummary>();
  filter = '';
  group = false;
  follow = true;
  /** The user is busy with the request shown (editing it, a re-send on its way): follow waits. */
  hold = false;
  selectedId: number | null = null;

  /** `keep`: what the server keeps (`--ui-keep`); the page holds no more than it. */
  constructor(readonly keep: number) {}

  /** The requests the server holds, at load. */
  load(list: readonly RequestSummary[]): void {
    this.requests.clear();
    for (const request of list) this.requests.set(request.id, request);
    this.trim();
  }

  /**
   * A new request: returns the ids dropped to stay within `keep`, and whether it is now selected — with
   * follow on, a new request that matches the filter is, unless it is a re-send (those stay under their
   * original, whose detail shows their result) or the user is busy with the one shown.
   */
  add(request: RequestSummary): { selected: boolean; dropped: number[] } {
    if (this.requests.has(request.id)) return { selected: false, dropped: [] };
    this.requests.set(request.id, request);
    const dropped = this.trim();
    const selected = this.follow && !this.hold && request.resend_of === null && this.matches(request);
    if (selected) this.selectedId = request.id;
    return { selected, dropped };
  }

  /** Requests the server no longer holds. */
  drop(ids: readonly number[]): void {
    for (const id of ids) this.requests.delete(id);
    if (this.selectedId !== null && !this.requests.has(this.selectedId)) this.selectedId = null;
  }

  clear(): void {
    this.requests.clear();
    this.selectedId = null;
  }

  get(id: number): RequestSummary | undefined {
    return this.requests.get(id);
  }

  get total(): number {
    return this.requests.size;
  }

  matches(request: RequestSummary): boolean {
    return filterMatches(this.filter, {
      event: request.event,
      callId: request.call_id,
      passed: request.passed,
      status: request.status,
      path: request.path,
      tools: request.tools,
      reason: request.reason,
      text: request.search_text,
    });
  }

  /** The requests shown, newest first; re-sends right under their original; grouped by call when asked. */
  visible(): ListItem[] {
    const shown = [...this.requests.values()].filter((request) => this.matches(request));
    const shownIds = new Set(shown.map((request) => request.id));
    const resends = new Map<number, RequestSummary[]>();
    const tops: RequestSummary[] = [];
    for (const request of shown) {
      const original = request.resend_of;
      if (original !== null && shownIds.has(original)) resends.set(original, [...(resends.get(original) ?? []), request]);
      else tops.push(request);
    }
    tops.sort((a, b) => b.id - a.id);
    const withResends = (request: RequestSummary): ListItem[] => [
      { kind: 'request', request, depth: 0 },
      ...(resends.get(request.id) ?? [])
        .sort((a, b) => a.id - b.id)
        .map((resend) => ({ kind: 'request' as const, request: resend, depth: 1 as const })),
    ];
    if (!this.group) return tops.flatMap(withResends);
    // Grouped: the events of one call together in the order they came, the call heard from last first.
    const calls = new Map<string, RequestSummary[]>();
    for (const request of tops) {
      const key = request.call_id ?? '(no call id)';
      calls.set(key, [...(calls.get(key) ?? []), request]);
    }
    return [...calls].flatMap(([callId, requests]) => [{ kind: 'call' as const, callId }, ...requests.reverse().flatMap(withResends)]);
  }

  /** "3 of 40 requests", or what to say when nothing matches. */
  countLine(): string {
    const shown = this.visible().filter((item) => item.kind === 'request').length;
    const noun = this.total === 1 ? 'request' : 'requests';
    if (this.filter.trim() === '') return `${this.total} ${noun}`;
    if (shown === 0) return `no request matches ${this.filter.trim()} (of ${this.total})`;
    return `${shown} of ${this.total} ${noun}`;
  }

  /** The request `step` rows below (or above) the selected one, among those shown. */
  neighbour(step: number): number | undefined {
    const ids = this.visible().flatMap((item) => (item.kind === 'request' ? [item.request.id] : []));
    if (ids.length === 0) return undefined;
    const index = this.selectedId === null ? -1 : ids.indexOf(this.selectedId);
    if (index === -1) return ids[0];
    return ids[Math.max(0, Math.min(ids.length - 1, index + step))];
  }

  /** The first request shown, for Enter in the filter box. */
  first(): number | undefined {
    const item = this.visible().find((candidate) => candidate.kind === 'request');
    return item?.kind === 'request' ? item.request.id : undefined;
  }

  /** Oldest out first, past `keep`: the page holds what the server holds. */
  private trim(): number[] {
    const dropped: number[] = [];
    const ids = [...this.requests.keys()].sort((a, b) => a - b);
    while (ids.length > this.keep) {
      const id = ids.shift()!;
      this.requests.delete(id);
      dropped.push(id);
    }
    if (this.selectedId !== null && !this.requests.has(this.selectedId)) this.selectedId = null;
    return dropped;
  }
}
