// The defaults a user sees in --help, in a module of their own so that the command declarations can show
// them without loading the listener or node:crypto.

/** The listener's port; also where `send --to localhost` posts by default. */
export const DEFAULT_PORT = 8484;
export const DEFAULT_HOST = '127.0.0.1';
/** Larger bodies get 413 without being buffered. */
export const DEFAULT_MAX_BODY_BYTES = 10 * 1024 * 1024;
/** How old (or how far in the future) a timestamp may be, in seconds. */
export const DEFAULT_TOLERANCE_SECONDS = 300;
/** The longest capture line verify reads: a body at the listener's limit, escaped or in base64, with room for its headers. */
export const DEFAULT_MAX_LINE_BYTES = 4 * DEFAULT_MAX_BODY_BYTES + 1024 * 1024;
/** The path an `init` receiver answers on. */
export const INIT_WEBHOOK_PATH = '/webhooks';
