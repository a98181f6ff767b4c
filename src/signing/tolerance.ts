/**
 * How old (or how far in the future) a timestamp may be, in seconds. In a module of its own so that
 * the command declarations can show it without loading node:crypto.
 */
export const DEFAULT_TOLERANCE_SECONDS = 300;
