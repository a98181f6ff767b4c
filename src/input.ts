import { readFile } from 'node:fs/promises';
import { UsageError } from './errors.js';

/** Reads a named file, or stdin for `-`; a failure is a UsageError that names the file and the fix. */
export async function readInput(name: string): Promise<Buffer> {
  if (name === '-') return readStream(process.stdin);
  try {
    return await readFile(name);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a directory' : code === 'EACCES' ? 'permission denied' : (error as Error).message;
    throw new UsageError(`cannot read ${name}: ${why}`);
  }
}

async function readStream(stream: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
  return Buffer.concat(chunks);
}
