import { spawn, type ChildProcess } from 'node:child_process';
import { readCaptures } from '../src/captures/capture-file.js';

/** A bare node:http server in its own process, answering 200 {} after reading the body: the baseline. */
export async function startBareServer(): Promise<{ url: string; stop(): void }> {
  const script = `
    const http = require('node:http');
    const server = http.createServer((req, res) => {
      req.on('data', () => {});
      req.on('end', () => { res.writeHead(200, { 'content-type': 'application/json' }); res.end('{}'); });
    });
    server.keepAliveTimeout = 60000;
    server.listen(0, '127.0.0.1', () => console.log(server.address().port));
  `;
  const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await firstLine(child);
  return { url: `http://127.0.0.1:${port}/`, stop: () => child.kill() };
}

export function firstLine(child: ChildProcess, stream: 'stdout' | 'stderr' = 'stdout'): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    const source = child[stream]!;
    const onData = (chunk: Buffer) => {
      text += chunk.toString('utf8');
      const newline = text.indexOf('\n');
      if (newline >= 0) {
        source.off('data', onData);
        resolve(text.slice(0, newline).trim());
      }
    };
    source.on('data', onData);
    child.once('exit', (code) => reject(new Error(`server exited (${code}) before it listened`)));
  });
}

/** Lines of a capture file that recorded a 200 answer; a torn or broken line throws, naming it. */
export async function savedAnswers(file: string): Promise<number> {
  let answered = 0;
  for await (const { capture } of readCaptures(file)) if ((capture.reply as { status?: number } | undefined)?.status === 200) answered++;
  return answered;
}
