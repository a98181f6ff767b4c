import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BIN, median, ROOT, timeRun, type Row } from './measure.js';

/**
 * Cold start of `--help` and of `validate <1 KB file>`, each against a bare `node -e ''`
 * measured in the same run, interleaved so that machine noise hits all three alike.
 */
export function benchStartup(rounds = 21): Row[] {
  const dir = mkdtempSync(join(tmpdir(), 'hms-webhook-bench-'));
  const payload = JSON.parse(readFileSync(join(ROOT, 'fixtures/tool-calls/one-tool.json'), 'utf8')) as Record<string, unknown>;
  const file = join(dir, 'payload.json');
  writeFileSync(file, JSON.stringify(payload));
  const bare: number[] = [];
  const help: number[] = [];
  const validate: number[] = [];
  for (let round = 0; round < rounds; round++) {
    bare.push(timeRun(process.execPath, ['-e', '']));
    help.push(timeRun(process.execPath, [BIN, '--help']));
    validate.push(timeRun(process.execPath, [BIN, 'validate', file]));
  }
  const base = median(bare);
  const row = (what: string, times: number[], limit: number): Row => {
    const ours = median(times);
    return { what, ours, baseline: base, unit: 'ms', ratio: ours / base, target: `≤ ${limit}× node -e ''`, met: ours / base <= limit };
  };
  return [row('hms-webhook --help cold start', help, 1.3), row('hms-webhook validate <1 KB> cold start', validate, 1.5)];
}
