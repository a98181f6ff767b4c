import { formatPath } from '../../platform/schemas/common.js';
import { MARK, type Style } from '../../output/style.js';
import { printable } from '../../output/printable.js';
import type { OutputRecord } from '../../output/records.js';
import type { DocumentResult, PlacedFinding } from '../../engine/validate-documents.js';

function place(result: DocumentResult, finding: PlacedFinding): string {
  const at = finding.line === undefined ? result.source : `${result.file}:${finding.line}:${finding.column}`;
  return printable(`${at}  ${formatPath(finding.path)}: ${finding.message}`);
}

export function documentLines(result: DocumentResult, style: Style): string[] {
  const ok = result.errors.length === 0;
  const what = `${result.kind === 'reply' ? `${result.event ?? '?'} reply` : (result.event ?? 'unknown event')}${result.capture ? ' (the body of a capture line)' : ''}`;
  const head = `${ok ? style.green(MARK.pass) : style.red(MARK.fail)} ${printable(result.source)}  ${style.dim(printable(`${what} · ${result.dialect}`))}`;
  return [
    head,
    ...result.errors.map((f) => `    ${style.red(place(result, f))}`),
    ...result.warnings.map((f) => `    ${style.yellow(`${MARK.warn} ${place(result, f)} (warning)`)}`),
  ];
}

export function documentJson(result: DocumentResult): OutputRecord<'document'> {
  const finding = (f: PlacedFinding) => ({ path: formatPath(f.path), message: f.message, line: f.line, column: f.column });
  return {
    type: 'document',
    source: result.source,
    kind: result.kind,
    ...(result.capture ? { capture: true } : {}),
    event: result.event ?? null,
    dialect: result.dialect,
    valid: result.errors.length === 0,
    errors: result.errors.map(finding),
    warnings: result.warnings.map(finding),
  };
}

/** An input (or a document in it) that is not JSON, or cannot be read: where, and why. */
export function unreadableJson(source: string, message: string, place?: { line: number; column: number }): OutputRecord<'unreadable'> {
  return { type: 'unreadable', source, ...(place !== undefined ? { line: place.line, column: place.column } : {}), message };
}
