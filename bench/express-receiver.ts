import { createHmac, timingSafeEqual } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import type { AddressInfo } from 'node:net';
import express from 'express';

/**
 * What a user would write instead of `listen --save`: Express 5 with the raw body, the HMAC checked in
 * constant time, one appended line per request. No schema check. Prints its port, like the bare server.
 */
const [secret = '', file = ''] = process.argv.slice(2);
const out = createWriteStream(file, { flags: 'a' });
const app = express();
app.post('/', express.raw({ type: '*/*', limit: '10mb' }), (req, res) => {
  const timestamp = req.get('x-webhook-timestamp') ?? '';
  const given = Buffer.from((req.get('x-webhook-signature') ?? '').replace(/^sha256=/, ''));
  const expected = Buffer.from(
    createHmac('sha256', secret)
      .update(`${timestamp}.`)
      .update(req.body as Buffer)
      .digest('hex'),
  );
  const valid = given.length === expected.length && timingSafeEqual(given, expected);
  out.write(
    `${JSON.stringify({ received_at: new Date().toISOString(), headers: req.headers, body: (req.body as Buffer).toString('utf8'), valid })}\n`,
  );
  if (valid) res.json({});
  else res.status(401).json({ error: 'invalid signature' });
});
const server = app.listen(0, '127.0.0.1', () => console.log((server.address() as AddressInfo).port));
server.keepAliveTimeout = 60_000;
