import { duration } from './units.js';
import { xmlText } from './test-report.js';

/** One step of a ramp as the chart draws it. */
export interface RampPoint {
  concurrency: number;
  p50Ms: number;
  p99Ms: number;
  failed: number;
}

export interface RampChartInput {
  title: string;
  points: readonly RampPoint[];
  deadlineMs: number;
  /** p99 must stay under this: the deadline's share. */
  thresholdMs: number;
  knee: number | undefined;
}

const WIDTH = 800;
const HEIGHT = 480;
const MARGIN = { left: 72, right: 24, top: 48, bottom: 56 };

/** The ramp's curve as a standalone SVG: p50 and p99 by concurrency, the threshold, and the knee. */
export function rampChartSvg(input: RampChartInput): string {
  const plotWidth = WIDTH - MARGIN.left - MARGIN.right;
  const plotHeight = HEIGHT - MARGIN.top - MARGIN.bottom;
  const maxX = Math.max(1, ...input.points.map((point) => point.concurrency));
  const maxY = niceCeiling(Math.max(input.deadlineMs, ...input.points.map((point) => point.p99Ms)));
  const x = (concurrency: number) => MARGIN.left + (concurrency / maxX) * plotWidth;
  const y = (ms: number) => MARGIN.top + plotHeight - (Math.min(ms, maxY) / maxY) * plotHeight;
  const line = (pick: (point: RampPoint) => number) =>
    input.points.map((point) => `${x(point.concurrency).toFixed(1)},${y(pick(point)).toFixed(1)}`).join(' ');
  const yTicks = [0, 0.25, 0.5, 0.75, 1].map((share) => share * maxY);
  const xTicks = input.points.map((point) => point.concurrency);
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" viewBox="0 0 ${WIDTH} ${HEIGHT}" font-family="sans-serif" font-size="12">`,
    `<title>${xmlText(input.title)}</title>`,
    `<rect width="${WIDTH}" height="${HEIGHT}" fill="#ffffff"/>`,
    `<text x="${MARGIN.left}" y="28" font-size="15" font-weight="bold">${xmlText(input.title)}</text>`,
    ...yTicks.map(
      (ms) =>
        `<line x1="${MARGIN.left}" x2="${WIDTH - MARGIN.right}" y1="${y(ms).toFixed(1)}" y2="${y(ms).toFixed(1)}" stroke="#e5e5e5"/>` +
        `<text x="${MARGIN.left - 8}" y="${(y(ms) + 4).toFixed(1)}" text-anchor="end">${ms === 0 ? '0' : xmlText(duration(ms))}</text>`,
    ),
    ...xTicks.map(
      (concurrency) =>
        `<text x="${x(concurrency).toFixed(1)}" y="${HEIGHT - MARGIN.bottom + 18}" text-anchor="middle">${concurrency}</text>`,
    ),
    `<text x="${MARGIN.left + plotWidth / 2}" y="${HEIGHT - 12}" text-anchor="middle">concurrent calls</text>`,
    `<text x="16" y="${MARGIN.top + plotHeight / 2}" text-anchor="middle" transform="rotate(-90 16 ${MARGIN.top + plotHeight / 2})">latency from when due</text>`,
    `<line x1="${MARGIN.left}" x2="${WIDTH - MARGIN.right}" y1="${y(input.thresholdMs).toFixed(1)}" y2="${y(input.thresholdMs).toFixed(1)}" stroke="#d97706" stroke-dasharray="6 4"/>`,
    `<text x="${WIDTH - MARGIN.right}" y="${(y(input.thresholdMs) - 6).toFixed(1)}" text-anchor="end" fill="#d97706">${xmlText(`${duration(input.thresholdMs)}: 80 % of the ${duration(input.deadlineMs)} deadline`)}</text>`,
    `<polyline points="${line((point) => point.p50Ms)}" fill="none" stroke="#2563eb" stroke-width="2"/>`,
    `<polyline points="${line((point) => point.p99Ms)}" fill="none" stroke="#dc2626" stroke-width="2"/>`,
    ...input.points.map(
      (point) =>
        `<circle cx="${x(point.concurrency).toFixed(1)}" cy="${y(point.p99Ms).toFixed(1)}" r="3.5" fill="${point.failed > 0 ? '#000000' : '#dc2626'}"/>`,
    ),
    `<text x="${MARGIN.left + 8}" y="${MARGIN.top + 14}" fill="#dc2626">p99</text>`,
    `<text x="${MARGIN.left + 48}" y="${MARGIN.top + 14}" fill="#2563eb">p50</text>`,
    `<text x="${MARGIN.left + 88}" y="${MARGIN.top + 14}">● black: a step with failed replies</text>`,
  ];
  if (input.knee !== undefined) {
    parts.push(
      `<line x1="${x(input.knee).toFixed(1)}" x2="${x(input.knee).toFixed(1)}" y1="${MARGIN.top}" y2="${MARGIN.top + plotHeight}" stroke="#16a34a" stroke-dasharray="4 4"/>`,
      // On the side of the line that has room: the knee is often the last step tried.
      x(input.knee) > WIDTH - MARGIN.right - 80
        ? `<text x="${(x(input.knee) - 6).toFixed(1)}" y="${MARGIN.top + 30}" text-anchor="end" fill="#16a34a">knee: ${input.knee}</text>`
        : `<text x="${(x(input.knee) + 6).toFixed(1)}" y="${MARGIN.top + 30}" fill="#16a34a">knee: ${input.knee}</text>`,
    );
  }
  parts.push('</svg>', '');
  return parts.join('\n');
}

/** 1, 2 or 5 times a power of ten, at least `value`: round numbers on the axis. */
function niceCeiling(value: number): number {
  const power = 10 ** Math.floor(Math.log10(Math.max(value, 1)));
  return [1, 2, 5, 10].map((step) => step * power).find((nice) => nice >= value) ?? 10 * power;
}
