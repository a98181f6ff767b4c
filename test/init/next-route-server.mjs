import { createServer } from 'node:http';
import { pathToFileURL } from 'node:url';

// Plain JavaScript, run from the source tree (not a test file for the runner to pick up).
// Runs a Next.js route handler (app/webhooks/route.ts) under node:http, as `next start` would call it:
// a web-standard Request in, a Response out. Started with the generated project's tsx.
const routeFile = process.argv[2] ?? '';
const port = process.env.PORT ?? '3000';
const route = await import(pathToFileURL(routeFile).href);

createServer(async (req, res) => {
  const chunks = [];
  for await (const chunk of req) chunks.push(chunk);
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) if (typeof value === 'string') headers.set(name, value);
  if (req.method !== 'POST' || req.url !== '/webhooks') {
    res.writeHead(404).end();
    return;
  }
  const response = await route.POST(
    new Request(`http://127.0.0.1:${port}/webhooks`, { method: 'POST', headers, body: Buffer.concat(chunks) }),
  );
  res.writeHead(response.status, Object.fromEntries(response.headers));
  res.end(Buffer.from(await response.arrayBuffer()));
}).listen(Number(port), '127.0.0.1', () => console.log(`Receiving webhooks on http://localhost:${port}/webhooks`));
