import { formatPath, type Finding } from '../../platform/schemas/common.js';
import { MARK, printable, type Style } from '../../output/style.js';

/** A finding placed in its file: `file:line:col  path: message`. */
export interface PlacedFinding extends Finding {
  line?: number;
  column?: number;
}

export interface DocumentResult {
  source: string;
  event: string | undefined;
  dialect: string;
  kind: 'payload' | 'reply';
  errors: PlacedFinding[];
  warnings: PlacedFinding[];
}

function place(source: string, finding: PlacedFinding): string {
  const at = finding.line === undefined ? source : `${source}:${finding.line}:${finding.column}`;
  return printable(`${at}  ${formatPath(finding.path)}: ${finding.message}`);
}

export function documentLines(result: DocumentResult, style: Style): string[] {
  const ok = result.errors.length === 0;
  const what = result.kind === 'reply' ? `${result.event ?? '?'} reply` : (result.event ?? 'unknown event');
  const head = `${ok ? style.green(MARK.pass) : style.red(MARK.fail)} ${printable(result.source)}  ${style.dim(printable(`${what} · ${result.dialect}`))}`;
  return [
    head,
    ...result.errors.map((f) => `    ${style.red(place(result.source, f))}`),
    ...result.warnings.map((f) => `    ${style.yellow(`${MARK.warn} ${place(result.source, f)} (warning)`)}`),
  ];
}

export function documentJson(result: DocumentResult): Record<string, unknown> {
  const finding = (f: PlacedFinding) => ({ path: formatPath(f.path), message: f.message, line: f.line, column: f.column });
  return {
    type: 'document',
    source: result.source,
    kind: result.kind,
    event: result.event ?? null,
    dialect: result.dialect,
    valid: result.errors.length === 0,
    errors: result.errors.map(finding),
    warnings: result.warnings.map(finding),
  };
}
