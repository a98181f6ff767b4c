import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { UsageError } from './errors.js';

export interface SecretOptions {
  secret?: string[];
  secretFile?: string;
}

/**
 * The secrets to sign or verify with: every `--secret`, else HMS_WEBHOOK_SECRET, else the lines of
 * `--secret-file`. Empty when none is given.
 */
export function resolveSecrets(options: SecretOptions, env: NodeJS.ProcessEnv = process.env): string[] {
  if (options.secret !== undefined && options.secret.length > 0) {
    if (options.secret.some((s) => s === '')) throw new UsageError('--secret is empty: give the webhook_secret of the assistant');
    return options.secret;
  }
  const fromEnv = env.HMS_WEBHOOK_SECRET;
  if (fromEnv !== undefined && fromEnv !== '') return [fromEnv];
  if (options.secretFile !== undefined) {
    let text: string;
    try {
      text = readFileSync(options.secretFile, 'utf8');
    } catch (error) {
      throw new UsageError(`cannot read --secret-file ${options.secretFile}: ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message}`);
    }
    const secrets = text.split(/\r?\n/).filter((line) => line !== '');
    if (secrets.length === 0) throw new UsageError(`--secret-file ${options.secretFile} holds no secret (one per line)`);
    return secrets;
  }
  return [];
}

/** What may be shown of a secret: the first 4 hex digits of its SHA-256. */
export function fingerprint(secret: string): string {
  return createHash('sha256').update(secret).digest('hex').slice(0, 4);
}
