import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { KnownSecret } from './diagnosis.js';
import { InputError } from '../errors.js';
import { whyUnreadable } from '../input.js';

export interface SecretOptions {
  secret?: string[];
  secretFile?: string;
}

/**
 * The secrets to sign or verify with: every `--secret`, else HMS_WEBHOOK_SECRET, else the lines of
 * `--secret-file`. Empty when none is given.
 */
export function resolveSecrets(
  options: SecretOptions,
  env: NodeJS.ProcessEnv = process.env,
  note: (text: string) => void = () => {},
): string[] {
  return labelledSecrets(options, env, note)
    .filter((s) => s.accepted)
    .map((s) => s.secret);
}

/**
 * The secrets in use, labelled by where they came from, followed by the ones given elsewhere but
 * overridden (HMS_WEBHOOK_SECRET when --secret is given, …): a signature made with one of those
 * is a mistake worth naming.
 */
export function labelledSecrets(
  options: SecretOptions,
  env: NodeJS.ProcessEnv = process.env,
  note: (text: string) => void = () => {},
): KnownSecret[] {
  const fromFlags = options.secret ?? [];
  if (fromFlags.some((s) => s === '')) throw new InputError('--secret is empty: give the webhook_secret of the assistant');
  // Set but empty is what an unset CI secret gives: verifying with no secret would let every forgery through.
  if (env.HMS_WEBHOOK_SECRET === '' && fromFlags.length === 0)
    throw new InputError(
      "HMS_WEBHOOK_SECRET is set but empty (an unset CI secret?): set it to the assistant's webhook_secret, or unset it",
    );
  const fromEnv = env.HMS_WEBHOOK_SECRET !== undefined && env.HMS_WEBHOOK_SECRET !== '' ? env.HMS_WEBHOOK_SECRET : undefined;
  const flags = fromFlags.map((secret, i) => ({ secret, label: fromFlags.length > 1 ? `--secret #${i + 1}` : '--secret' }));
  const environment = fromEnv !== undefined ? [{ secret: fromEnv, label: 'HMS_WEBHOOK_SECRET' }] : [];
  const useFile = flags.length === 0 && environment.length === 0;
  const file = options.secretFile === undefined ? [] : readSecretFile(options.secretFile, useFile, note);
  const inUse = flags.length > 0 ? flags : environment.length > 0 ? environment : file;
  const known: KnownSecret[] = inUse.map((s) => ({ ...s, accepted: true }));
  // A set, not a search per line: a secret file of 10 000 lines is read in milliseconds.
  const seen = new Set(known.map((k) => k.secret));
  for (const other of [...environment, ...file]) {
    if (seen.has(other.secret)) continue;
    seen.add(other.secret);
    known.push({ ...other, accepted: false });
  }
  return known;
}

/**
 * Lines of a secret file; when the file is only a fallback nobody uses, a problem with it is no error.
 * What an editor adds and a secret never holds — a UTF-8 BOM, spaces at the end of a line, a line of
 * spaces — is read past, with a warning, rather than used as part of the secret.
 */
function readSecretFile(path: string, required: boolean, note: (text: string) => void): { secret: string; label: string }[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if (!required) return [];
    throw new InputError(`cannot read --secret-file ${path}: ${whyUnreadable(error) ?? (error as Error).message}`);
  }
  if (text.startsWith('\uFEFF') && required) {
    note(`warning: --secret-file ${path} starts with a UTF-8 byte order mark: read past it`);
    text = text.slice(1);
  }
  const secrets = text.split(/\r?\n/).flatMap((line, i) => {
    const trimmed = line.trim();
    if (trimmed !== line && required) note(`warning: --secret-file ${path} line ${i + 1} has spaces around it: read without them`);
    return trimmed === '' ? [] : [{ secret: trimmed, label: `--secret-file line ${i + 1}` }];
  });
  if (secrets.length === 0 && required) throw new InputError(`--secret-file ${path} holds no secret (one per line)`);
  return secrets;
}

/** What may be shown of a secret: the first 4 hex digits of its SHA-256. */
export function fingerprint(secret: string): string {
  return createHash('sha256').update(secret).digest('hex').slice(0, 4);
}
