import type { ToolCheck } from '../../engine/check-tools.js';
import { printable, shownUrl } from '../../output/printable.js';
import type { OutputRecord } from '../../output/records.js';
import { MARK, type Style } from '../../output/style.js';
import { ms } from '../../output/units.js';
import type { TestReport } from '../../output/test-report.js';
import { routeSourceText } from '../../platform/assistant-tools.js';

export function toolCheckJson(check: ToolCheck): OutputRecord<'tool'> {
  const { tool, route, call } = check;
  return {
    type: 'tool',
    tool: tool.name,
    place: tool.place,
    async: tool.async,
    route: { url: shownUrl(route.url), source: route.source, secret: route.secret !== undefined ? 'tool' : 'assistant' },
    arguments: check.arguments,
    problems: check.problems,
    status: call?.reply?.status ?? null,
    latency_ms: call?.reply !== undefined ? Math.round(call.reply.latencyMs * 10) / 10 : null,
    ...(call?.reason !== undefined ? { failure: call.reason } : {}),
    ...(check.skipped !== undefined ? { skipped: check.skipped } : {}),
    warnings: check.warnings,
    ok: check.ok,
  };
}

export function toolCheckLines(check: ToolCheck, style: Style): string[] {
  const { tool, route, call } = check;
  const reply =
    check.skipped !== undefined
      ? 'not called'
      : call?.reply !== undefined
        ? `${call.reply.status}  ${ms(call.reply.latencyMs)}`
        : 'no reply';
  const mark = !check.ok ? style.red(MARK.fail) : check.skipped !== undefined ? style.yellow(MARK.warn) : style.green(MARK.pass);
  return [
    `${mark} ${style.bold(printable(tool.name))}${tool.async ? ' (async)' : ''}  → ${printable(shownUrl(route.url))} (${routeSourceText(route.source)})  ${reply}`,
    ...check.problems.map((problem) => `      ${style.red(MARK.fail)} definition: ${printable(problem)}`),
    ...(call?.reason !== undefined ? [`      ${style.red(MARK.fail)} reply: ${printable(call.reason)}`] : []),
    ...(check.skipped !== undefined ? [`      ${style.yellow(MARK.warn)} ${printable(check.skipped)}`] : []),
    ...check.warnings.map((warning) => `      ${style.yellow(MARK.warn)} ${printable(warning)}`),
  ];
}

/** Two JUnit cases per tool: its definition, and its call. */
export function toolCheckCases(testReport: TestReport, check: ToolCheck): void {
  const { tool, route, call } = check;
  const suite = `tools check ${tool.name}`;
  testReport.add(suite, () => ({
    name: `definition ${tool.name}`,
    ...(check.problems.length > 0 ? { failure: check.problems.join('; ') } : {}),
    seconds: 0,
  }));
  testReport.add(suite, () => ({
    name: `call ${tool.name} at ${shownUrl(route.url)}`,
    ...(call?.reason !== undefined ? { failure: call.reason } : {}),
    ...(check.skipped !== undefined ? { skipped: check.skipped } : {}),
    seconds: (call?.reply?.latencyMs ?? 0) / 1000,
  }));
}
