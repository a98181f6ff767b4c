import { InputError } from '../errors.js';
import { DEFAULT_PORT } from '../defaults.js';

/** The listener's address: `send` posts there when no --to is given. */
const DEFAULT_TARGET = `http://localhost:${DEFAULT_PORT}/`;

/**
 * `--to` as users type it: a full URL, `host`, `host:port`, `:port` or a bare port.
 * A missing port is the listener's for plain hosts; a missing path is `/`.
 */
export function parseTarget(text: string | undefined, flag = '--to'): URL {
  const value = (text ?? '').trim();
  if (value === '') return new URL(DEFAULT_TARGET);
  let candidate: string;
  if (/^\d+$/.test(value)) candidate = `http://localhost:${value}/`;
  // A bare port with a path is this machine too: never a numeric host the user did not type.
  else if (/^\d+\/.*$/.test(value)) candidate = `http://localhost:${value}`;
  else if (/^:\d+(\/.*)?$/.test(value)) candidate = `http://localhost${value}`;
  else if (/^\d+(\.\d+){1,2}(:\d+)?(\/.*)?$/.test(value)) {
    throw new InputError(
      `${flag} ${JSON.stringify(value)} is ambiguous: write the full address (127.0.0.1:3000) or a port (3000, :3000/path)`,
    );
  } else if (/^[a-z][a-z0-9+.-]*:\/\//i.test(value)) candidate = value;
  else candidate = `http://${value}`;
  let url: URL;
  try {
    url = new URL(candidate);
  } catch {
    throw new InputError(`${flag} ${JSON.stringify(value)} is not a URL: use http://host:port/path, host:port, :port or a port`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new InputError(`${flag} ${JSON.stringify(value)}: only http:// and https:// targets can receive webhooks`);
  }
  const port = url.port === '' ? undefined : Number(url.port);
  if (port !== undefined && (port < 1 || port > 65535))
    throw new InputError(`${flag} ${JSON.stringify(value)}: port ${port} is out of range`);
  // A bare host or host:path gets the listener's port; an explicit scheme keeps its default port.
  if (url.port === '' && !/^[a-z][a-z0-9+.-]*:\/\//i.test(value)) url.port = String(DEFAULT_PORT);
  return url;
}

/**
 * The receiver a sending command posts to: `--to` when given, else HMS_WEBHOOK_URL (what the GitHub
 * Action exports), else the listener's address.
 */
export function receiverTarget(to: string | undefined, env: NodeJS.ProcessEnv): URL {
  if (to !== undefined) return parseTarget(to, '--to');
  const fromEnv = env.HMS_WEBHOOK_URL?.trim();
  return fromEnv ? parseTarget(fromEnv, 'HMS_WEBHOOK_URL') : parseTarget(undefined);
}

/** Whether a URL as written (a tool's `url`, `--check-url`) is an absolute http(s) one. */
export function isHttpUrl(text: string): boolean {
  try {
    const url = new URL(text);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
}

/** 127.0.0.0/8, ::1, localhost and *.localhost: only this machine answers, whatever the resolver says. */
export function isLoopback(host: string): boolean {
  const name = host.toLowerCase().replace(/\.$/, '');
  return (
    name === 'localhost' ||
    name.endsWith('.localhost') ||
    name === '::1' ||
    name === '[::1]' ||
    /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(name)
  );
}

/** Whether a URL as written points at this machine by its host alone (no lookup is made to tell). */
export function isLoopbackUrl(text: string): boolean {
  try {
    return isLoopback(new URL(text).hostname);
  } catch {
    return false;
  }
}
