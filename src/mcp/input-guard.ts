import { realpathSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { isLoopback, parseTarget } from '../sending/target.js';

// What a tool call may ask for, held against what the server was started with: its targets, its
// files, and no secret in any argument. A tool call can narrow none of these, and widen none.

/** A tool call the server refuses: said to the agent as the result, with the fix. */
export class Refused extends Error {}

export function parseObject(text: string, name: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new Refused(`${name} is not JSON: ${(error as Error).message}`);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new Refused(`${name} is a JSON object`);
  return value as Record<string, unknown>;
}

/** What the guard holds a tool call against. */
export interface GuardOptions {
  secrets: readonly string[];
  root: string;
  allowRemote: boolean;
}

export type InputGuard = ReturnType<typeof inputGuard>;

/** The server's limits on a tool's input: its targets, its files, and no secret in any argument. */
export function inputGuard(options: GuardOptions) {
  const root = realpathSync(options.root);
  /** A real path (symlinks resolved) inside the root, or the refusal that names the limit. */
  const underRoot = (real: string, text: string, verb: 'reads' | 'writes') => {
    const inside = relative(root, real);
    if (inside.startsWith(`..${sep}`) || inside === '..' || isAbsolute(inside))
      throw new Refused(`${text} is outside ${root}: the server ${verb} files only under the folder it was started with (--root)`);
    return real;
  };
  return {
    target(text: string): URL {
      const url = parseTarget(text, 'to');
      if (!options.allowRemote && !isLoopback(url.hostname))
        throw new Refused(`${url.host} is off this machine: the server sends only to localhost unless it was started with --allow-remote`);
      return url;
    },
    file(text: string): string {
      let real: string;
      try {
        real = realpathSync(resolve(root, text));
      } catch {
        throw new Refused(`cannot read ${text}: no such file under ${root}`);
      }
      return underRoot(real, text, 'reads');
    },
    /** A file a tool writes: under the root, in a folder that is there (the writer follows no symlink). */
    writable(text: string): string {
      const path = resolve(root, text);
      let folder: string;
      try {
        folder = realpathSync(dirname(path));
      } catch {
        throw new Refused(`cannot write ${text}: its folder is not there under ${root}`);
      }
      return join(underRoot(folder, text, 'writes'), basename(path));
    },
    noSecretIn(input: unknown): void {
      const texts = JSON.stringify(input);
      if (options.secrets.some((secret) => secret.length >= 4 && texts.includes(JSON.stringify(secret).slice(1, -1))))
        throw new Refused(
          'an argument holds the webhook secret: the server takes it only from its environment or --secret-file, never from a tool call',
        );
    },
  };
}
