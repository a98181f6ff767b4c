import { type IncomingHttpHeaders, request } from 'node:http';
import { type RunningCli, startCli } from '../helpers.js';

/** One `listen --ui` run in this process, with the addresses it printed and a session cookie. */
export interface RunningInspector {
  cli: RunningCli;
  listenUrl: string;
  /** The printed URL, with its token. */
  url: string;
  origin: string;
  port: number;
  cookie: string;
  stop(): Promise<void>;
}

export async function startInspected(args: string[], env: NodeJS.ProcessEnv = {}): Promise<RunningInspector> {
  const cli = startCli(['listen', '--port', '0', '--ui', '--ui-port', '0', '--json', ...args], { env });
  const listenUrl = (await cli.stderr.until(/Listening on (\S+)/))[1]!;
  const url = (await cli.stderr.until(/Inspector: (\S+)/))[1]!;
  const parsed = new URL(url);
  return {
    cli,
    listenUrl,
    url,
    origin: parsed.origin,
    port: Number(parsed.port),
    cookie: `hms_inspector_${parsed.port}=${parsed.searchParams.get('token')}`,
    stop: async () => {
      cli.signals.emit('SIGTERM');
      await cli.done;
    },
  };
}

export interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
}

/** An HTTP request with exactly these headers (Host and Origin included, which fetch would not send as given). */
export function call(url: string, options: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    // A connection per call, as a test of one request each.
    const req = request(url, { method: options.method ?? 'GET', headers: options.headers ?? {}, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(options.body);
  });
}

/** A JSON API call with the session cookie, as the page makes it. */
export async function api(inspector: RunningInspector, method: string, path: string, body?: unknown): Promise<any> {
  const answer = await call(`${inspector.origin}${path}`, {
    method,
    headers: {
      cookie: inspector.cookie,
      ...(body !== undefined ? { 'content-type': 'application/json', origin: inspector.origin } : {}),
    },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  return answer.text === '' ? null : JSON.parse(answer.text);
}
