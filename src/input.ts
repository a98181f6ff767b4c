import { open } from 'node:fs/promises';
import { InputError } from './errors.js';

/**
 * The most a file or stdin given whole may hold. A payload is a few KB and a capture file that large
 * is for `verify`, which streams; a device that never ends (/dev/urandom) stops here, not at 7 GB.
 */
export const MAX_INPUT_BYTES = 256 * 1024 * 1024;

/** Reads a named file, or stdin for `-`; a failure is an InputError that names the file and the fix. */
export async function readInput(name: string, stdin: NodeJS.ReadableStream = process.stdin): Promise<Buffer> {
  if (name === '-') return readStream(stdin, 'stdin');
  let file: Awaited<ReturnType<typeof open>>;
  try {
    file = await open(name);
  } catch (error) {
    throw new InputError(`cannot read ${name}: ${whyUnreadable(error) ?? (error as Error).message}`);
  }
  try {
    const stats = await file.stat();
    if (stats.isFile() && stats.size > MAX_INPUT_BYTES) throw tooLarge(name, `${stats.size} bytes`);
    // A regular file is read whole at its size; anything else (a device, a FIFO) as a stream, up to the bound.
    return stats.isFile() ? await file.readFile() : await readStream(file.createReadStream({ autoClose: false }), name);
  } catch (error) {
    if (error instanceof InputError) throw error;
    throw new InputError(`cannot read ${name}: ${whyUnreadable(error) ?? (error as Error).message}`);
  } finally {
    await file.close();
  }
}

function tooLarge(name: string, size: string): InputError {
  return new InputError(
    `${name}: ${size}, more than the ${MAX_INPUT_BYTES / 1024 / 1024} MiB read whole (a payload is a few KB; verify streams capture files of any size)`,
  );
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

async function readStream(stream: NodeJS.ReadableStream, name: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream) {
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    size += bytes.length;
    if (size > MAX_INPUT_BYTES) throw tooLarge(name, 'still going (it is not a regular file)');
    chunks.push(bytes);
  }
  return Buffer.concat(chunks);
}
