import { readFile } from 'node:fs/promises';
import { InputError } from './errors.js';

/** Reads a named file, or stdin for `-`; a failure is an InputError that names the file and the fix. */
export async function readInput(name: string, stdin: NodeJS.ReadableStream = process.stdin): Promise<Buffer> {
  if (name === '-') return readStream(stdin);
  try {
    return await readFile(name);
  } catch (error) {
    throw new InputError(`cannot read ${name}: ${whyUnreadable(error) ?? (error as Error).message}`);
  }
}

/** A JSON file (or stdin, or with `inline`, the JSON object itself) given with a flag: its exact bytes and the parsed document. */
export async function readJsonInput(
  flag: string,
  name: string,
  stdin: NodeJS.ReadableStream = process.stdin,
  inline = false,
): Promise<{ bytes: Buffer; document: unknown }> {
  const inlineJson = inline && name.trimStart().startsWith('{');
  const bytes = inlineJson ? Buffer.from(name) : await readInput(name, stdin);
  try {
    return { bytes, document: JSON.parse(bytes.toString('utf8')) };
  } catch (error) {
    throw new InputError(`${flag} ${inlineJson ? 'value' : name} is not JSON: ${(error as Error).message}`);
  }
}

/** Why a file could not be read or written, in words, for the causes a user can fix; undefined for others. */
export function whyUnreadable(error: unknown): string | undefined {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return code !== undefined && Object.hasOwn(REASONS, code) ? REASONS[code] : undefined;
}

const REASONS: Readonly<Record<string, string>> = {
  ENOENT: 'no such file',
  EISDIR: 'it is a directory',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  ELOOP: 'too many symbolic links',
  ENOTDIR: 'a part of the path is not a directory',
  ENOSPC: 'no space left on device',
  EDQUOT: 'disk quota exceeded',
  EROFS: 'read-only file system',
  EFBIG: 'file too large',
  EIO: 'input/output error',
};

async function readStream(stream: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
  return Buffer.concat(chunks);
}
