// The listener's defaults, in a module of their own so that `--help` can show them without loading the listener.

/** Also where `send --to localhost` posts by default. */
export const DEFAULT_PORT = 8484;
export const DEFAULT_HOST = '127.0.0.1';
/** Larger bodies get 413 without being buffered. */
export const DEFAULT_MAX_BODY_BYTES = 10 * 1024 * 1024;
