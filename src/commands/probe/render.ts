import type { TestCase } from '../../output/test-report.js';
import type { OutputRecord } from '../../output/records.js';
import type { ProbeResult, ProbeVerdict } from '../../sending/probe.js';
import type { Style } from '../../output/style.js';

/** The probe's table: case, expected, got, verdict, why it matters. */
export function probeLines(results: readonly ProbeResult[], style: Style): string[] {
  const verdictText = { pass: 'pass', fail: 'FAIL', warn: 'warn', inconclusive: 'n/a' } as const;
  const rows = results.map((r) => [
    r.probe.name,
    r.probe.expect === 'accept' ? '2xx' : 'refused (non-2xx)',
    r.status !== undefined ? String(r.status) : 'no reply',
    verdictText[r.verdict],
    r.note ?? r.probe.why,
  ]);
  const header = ['case', 'expected', 'got', 'verdict', 'why it matters'];
  const widths = header.slice(0, 4).map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  const paint = (verdict: ProbeVerdict, text: string) =>
    verdict === 'pass'
      ? style.green(text)
      : verdict === 'fail'
        ? style.red(text)
        : verdict === 'warn'
          ? style.yellow(text)
          : style.dim(text);
  const line = (cells: string[]) => cells.map((cell, i) => (i < 4 ? cell.padEnd(widths[i]!) : cell)).join('  ');
  return [
    style.bold(line(header)),
    ...rows.map((cells, index) => {
      const verdict = results[index]!.verdict;
      const padded = cells.map((cell, i) => (i < 4 ? cell.padEnd(widths[i]!) : cell));
      padded[3] = paint(verdict, padded[3]!);
      return padded.join('  ');
    }),
  ];
}

export function probeJson(result: ProbeResult): OutputRecord<'probe'> {
  return {
    type: 'probe',
    case: result.probe.name,
    expected: result.probe.expect === 'accept' ? '2xx' : 'non-2xx',
    status: result.status ?? null,
    verdict: result.verdict,
    why: result.probe.why,
    ...(result.note ? { note: result.note } : {}),
    ...(result.failure ? { failure: result.failure } : {}),
  };
}

/** A row of the probe as a JUnit case: a failure with why it matters, an inconclusive row skipped. */
export function probeCase(result: ProbeResult): TestCase {
  return {
    name: `${result.probe.name} (expected ${result.probe.expect === 'accept' ? '2xx' : 'non-2xx'}, got ${result.status ?? 'no reply'})`,
    ...(result.verdict === 'fail' ? { failure: [result.note ?? result.failure, result.probe.why].filter(Boolean).join(' — ') } : {}),
    ...(result.verdict === 'inconclusive' ? { skipped: result.note ?? 'inconclusive' } : {}),
    seconds: 0,
  };
}
