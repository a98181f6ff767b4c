import { readFileSync } from 'node:fs';

// A HAR file as a browser's or a proxy's network tab saves it, made from a capture file: where the
// examples' `session.har` comes from. Usage: node har-from-captures.js captures.jsonl > session.har

interface Capture {
  received_at: string;
  method: string;
  path: string;
  headers: Record<string, string>;
  body: string;
  reply?: { status: number; body?: string };
}

const captures = readFileSync(process.argv[2]!, 'utf8')
  .split('\n')
  .filter((line) => line.trim() !== '')
  .map((line) => JSON.parse(line) as Capture);
const entries = captures.map((capture) => ({
  startedDateTime: capture.received_at,
  request: {
    method: capture.method,
    url: `http://localhost:3000${capture.path}`,
    headers: Object.entries(capture.headers).map(([name, value]) => ({ name, value })),
    postData: { mimeType: 'application/json', text: capture.body },
  },
  response: { status: capture.reply?.status ?? 0, content: { mimeType: 'application/json', text: capture.reply?.body ?? '' } },
}));
process.stdout.write(`${JSON.stringify({ log: { version: '1.2', creator: { name: 'examples', version: '1' }, entries } }, null, 2)}\n`);
