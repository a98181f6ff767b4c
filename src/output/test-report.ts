import { closeSync, constants, openSync, writeSync } from 'node:fs';
import { checkOutputPath, writeOutputFile } from '../output-file.js';
import { InputError } from '../errors.js';
import { whyUnreadable } from '../input.js';
import { printable } from './printable.js';

/** One checked thing — a request, a step, a probe case — as CI systems show a test. */
export interface TestCase {
  /** So that a person can find it: `captures.jsonl:3 tool-calls call 5c4d…`. */
  name: string;
  /** The one-line reason the text output gives; absent when it passed. */
  failure?: string;
  /** Why it was not judged (a probe case that says nothing when the valid request failed). */
  skipped?: string;
  /** Why the command could not run at all (exit 2): a JUnit error, not a failure. */
  error?: string;
  seconds: number;
}

export interface TestSuite {
  /** An input file, a scenario, a probe run. */
  name: string;
  timestamp: string;
  /** Every case for a JUnit report; for a job summary alone, only the failures it lists. */
  cases: TestCase[];
  tests: number;
  failures: number;
}

/** XML 1.0 cannot hold most control characters at all, not even escaped: they are written as \uXXXX text. */
export function xmlText(text: string): string {
  return (
    text
      // biome-ignore lint/suspicious/noControlCharactersInRegex: these are the characters replaced
      .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)
      .replaceAll('&', '&amp;')
      .replaceAll('<', '&lt;')
      .replaceAll('>', '&gt;')
      .replaceAll('"', '&quot;')
      .replaceAll("'", '&apos;')
  );
}

/** A suite's start as JUnit's timestamp attribute has it: ISO 8601 without fractions or zone. */
const suiteTimestamp = (ms: number) => new Date(ms).toISOString().replace(/\.\d+Z$/, '');

const seconds = (value: number) => (Math.round(value * 1000) / 1000).toFixed(3);

/** JUnit XML as Jenkins, GitLab and the GitHub reporting actions read it: counts on every suite and on the root. */
export function junitXml(runName: string, suites: readonly TestSuite[]): string {
  const count = (cases: readonly TestCase[]) => ({
    tests: cases.length,
    failures: cases.filter((c) => c.failure !== undefined).length,
    errors: cases.filter((c) => c.error !== undefined).length,
    skipped: cases.filter((c) => c.failure === undefined && c.skipped !== undefined).length,
    time: cases.reduce((sum, c) => sum + c.seconds, 0),
  });
  const all = count(suites.flatMap((suite) => suite.cases));
  const lines = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="${xmlText(runName)}" tests="${all.tests}" failures="${all.failures}" errors="${all.errors}" skipped="${all.skipped}" time="${seconds(all.time)}">`,
  ];
  suites.forEach((suite, index) => {
    const c = count(suite.cases);
    lines.push(
      `  <testsuite name="${xmlText(suite.name)}" id="${index}" tests="${c.tests}" failures="${c.failures}" errors="${c.errors}" skipped="${c.skipped}" time="${seconds(c.time)}" timestamp="${xmlText(suite.timestamp)}">`,
    );
    for (const test of suite.cases) {
      const open = `    <testcase name="${xmlText(test.name)}" classname="${xmlText(suite.name)}" time="${seconds(test.seconds)}"`;
      if (test.failure !== undefined)
        lines.push(
          `${open}>`,
          `      <failure message="${xmlText(test.failure)}" type="failure">${xmlText(test.failure)}</failure>`,
          '    </testcase>',
        );
      else if (test.error !== undefined)
        lines.push(
          `${open}>`,
          `      <error message="${xmlText(test.error)}" type="error">${xmlText(test.error)}</error>`,
          '    </testcase>',
        );
      else if (test.skipped !== undefined) lines.push(`${open}>`, `      <skipped message="${xmlText(test.skipped)}"/>`, '    </testcase>');
      else lines.push(`${open}/>`);
    }
    lines.push('  </testsuite>');
  });
  lines.push('</testsuites>');
  return `${lines.join('\n')}\n`;
}

/**
 * A cell of a Markdown table: one line, control characters escaped (they came from the wire), pipes
 * escaped, long reasons cut, and `<`, `>` and `&` written as entities: GitHub renders HTML in a summary.
 */
function cell(text: string): string {
  const line = printable(text.replace(/[\r\n]+/g, ' ')).replaceAll('|', '\\|');
  const cut = line.length > 300 ? `${line.slice(0, 299)}…` : line;
  return cut.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');
}

/** The failures a job summary lists; past them it says how many more. */
const SUMMARY_FAILURES = 50;

/** The GitHub job summary: passed and failed per suite, then the failures with their reasons. */
export function stepSummary(title: string, suites: readonly TestSuite[]): string {
  const lines = [`### ${cell(title)}`, '', '| | passed | failed |', '| --- | ---: | ---: |'];
  for (const suite of suites) lines.push(`| ${cell(suite.name)} | ${suite.tests - suite.failures} | ${suite.failures} |`);
  const failures = suites.flatMap((suite) => suite.cases.filter((c) => c.failure !== undefined));
  const failed = suites.reduce((sum, suite) => sum + suite.failures, 0);
  if (failed > 0) {
    lines.push('', '| failed | why |', '| --- | --- |');
    for (const failure of failures.slice(0, SUMMARY_FAILURES)) lines.push(`| ${cell(failure.name)} | ${cell(failure.failure!)} |`);
    if (failed > SUMMARY_FAILURES) lines.push('', `and ${failed - SUMMARY_FAILURES} more failures.`);
  }
  return `${lines.join('\n')}\n\n`;
}

/**
 * Collects a command's results as test suites and, when the command ends, writes them as JUnit XML
 * (`--junit FILE`) and appends a summary to `$GITHUB_STEP_SUMMARY` when it is set.
 */
export class TestReport {
  private readonly suites: TestSuite[] = [];

  constructor(
    private readonly title: string,
    private readonly junitFile: string | undefined,
    private readonly env: NodeJS.ProcessEnv,
    private readonly now: () => number,
  ) {
    // Checked before the command does its work: a report that cannot be written must not replace the run's verdict at the end.
    if (junitFile !== undefined) checkOutputPath('--junit', junitFile, { replace: true });
  }

  /** Whether anything is collected at all: without --junit or a job summary, commands skip the work. */
  get wanted(): boolean {
    return this.junitFile !== undefined || (this.env.GITHUB_STEP_SUMMARY ?? '') !== '';
  }

  suite(name: string): TestSuite {
    let suite = this.suites.find((s) => s.name === name);
    if (suite === undefined) {
      suite = { name, timestamp: suiteTimestamp(this.now()), cases: [], tests: 0, failures: 0 };
      this.suites.push(suite);
    }
    return suite;
  }

  /** `make` runs only when a report is wanted: on listen's and verify's hot paths nothing is built otherwise. */
  add(suiteName: string, make: () => TestCase): void {
    if (!this.wanted) return;
    const test = make();
    const suite = this.suite(suiteName);
    suite.tests++;
    if (test.failure !== undefined) suite.failures++;
    // Without --junit only the summary's failures are kept, so that a listener running for hours in CI stays flat.
    if (this.junitFile !== undefined || (test.failure !== undefined && suite.failures <= SUMMARY_FAILURES)) suite.cases.push(test);
  }

  write(): void {
    if (this.junitFile !== undefined) writeOutputFile('--junit', this.junitFile, junitXml(this.title, this.suites), { replace: true });
    const summary = this.env.GITHUB_STEP_SUMMARY;
    if (summary !== undefined && summary !== '') appendToStepSummary(summary, stepSummary(this.title, this.suites));
  }
}

/**
 * A command that could not run (exit 2) still leaves its report, so that CI shows why instead of a
 * missing file: one case, an error with the reason, in --junit and in the job summary.
 */
export function reportCannotRun(title: string, junitFile: string | undefined, env: NodeJS.ProcessEnv, now: number, reason: string): void {
  const suite: TestSuite = {
    name: title,
    timestamp: suiteTimestamp(now),
    cases: [{ name: 'could not run', error: reason, seconds: 0 }],
    tests: 1,
    failures: 0,
  };
  if (junitFile !== undefined) writeOutputFile('--junit', junitFile, junitXml(title, [suite]), { replace: true });
  const summary = env.GITHUB_STEP_SUMMARY;
  if (summary !== undefined && summary !== '') appendToStepSummary(summary, `### ${cell(title)}\n\ncould not run: ${cell(reason)}\n\n`);
}

/**
 * Appends to the step's summary file, which the runner creates for each step and reads when the step
 * ends: a file that is gone belongs to a step that has ended (a listener started in an earlier step),
 * so it is not created again, where nobody would read it. A symlink is not followed.
 */
function appendToStepSummary(file: string, text: string): void {
  let fd: number;
  try {
    fd = openSync(file, constants.O_WRONLY | constants.O_APPEND | constants.O_NOFOLLOW);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw new InputError(`cannot write ${file}: ${whyUnreadable(error) ?? (error as Error).message}`);
  }
  try {
    writeSync(fd, text);
  } finally {
    closeSync(fd);
  }
}
