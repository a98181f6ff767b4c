import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { promisify } from 'node:util';

// A generated receiver started with its own command, as its README says, on a free port of 127.0.0.1.

export const PYTHON = '/usr/bin/python3';
const run = promisify(execFile);

export async function pythonHas(module: string): Promise<boolean> {
  try {
    await run(PYTHON, ['-c', `import ${module}`]);
    return true;
  } catch {
    return false;
  }
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/**
 * What each receiver says once it listens: the Node templates their own line, `next start`, Flask's
 * server and uvicorn theirs. Waiting for it needs no timer.
 */
const LISTENING = /Receiving webhooks on|Running on http|Uvicorn running on|Development Server|✓ Ready in/;

/** Resolves once the receiver says it listens, or rejects with its output if it exits first. */
function listening(child: ChildProcess, output: () => string): Promise<void> {
  return new Promise((resolve, reject) => {
    const check = () => {
      if (!LISTENING.test(output())) return;
      child.stdout!.off('data', check);
      child.stderr!.off('data', check);
      child.off('exit', exited);
      resolve();
    };
    const exited = (code: number | null) => reject(new Error(`the receiver exited (${code}) before it listened: ${output()}`));
    // After the output listeners that collect the text, so each check sees the chunk that came.
    child.stdout!.on('data', check);
    child.stderr!.on('data', check);
    child.once('exit', exited);
  });
}

export interface Started {
  url: string;
  stop(): Promise<void>;
  output(): string;
}

/** Starts a receiver whose secrets are `secrets` (comma-separated, as HMS_WEBHOOK_SECRET takes them). */
export async function start(command: string, args: string[], cwd: string, secrets: string, env: NodeJS.ProcessEnv = {}): Promise<Started> {
  const port = await freePort();
  const child = spawn(command, args, {
    cwd,
    detached: true,
    env: { ...process.env, ...env, PORT: String(port), HOST: '127.0.0.1', HMS_WEBHOOK_SECRET: secrets },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let text = '';
  child.stdout!.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
  child.stderr!.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
  const output = () => text;
  await listening(child, output);
  return {
    url: `http://127.0.0.1:${port}/webhooks`,
    output,
    stop: async () => {
      if (child.exitCode !== null) return;
      const closed = new Promise((resolve) => child.once('close', resolve));
      // npm start runs the server as its child: the whole group goes.
      process.kill(-child.pid!, 'SIGTERM');
      await closed;
    },
  };
}
