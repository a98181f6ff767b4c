/** The four events the platform sends, in the order a call sends them. */
export const EVENTS = ['assistant-request', 'status-update', 'tool-calls', 'end-of-call-report'] as const;
export type EventType = (typeof EVENTS)[number];

export function isEvent(value: unknown): value is EventType {
  return typeof value === 'string' && (EVENTS as readonly string[]).includes(value);
}
