import assert from 'node:assert/strict';
import { existsSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { junitXml, TestReport } from '../../src/output/test-report.js';
import { temporaryFolder } from '../helpers.js';

const dir = temporaryFolder('hms-report-');

describe('TestReport', () => {
  it('for a job summary alone, keeps counts and the failures it lists, not every passing case', () => {
    const summary = join(dir, 'summary.md');
    writeFileSync(summary, '');
    const report = new TestReport('hms-webhook listen', undefined, { GITHUB_STEP_SUMMARY: summary }, () => 0);
    for (let i = 0; i < 1000; i++) report.add('listen /', () => ({ name: `ok ${i}`, seconds: 0 }));
    for (let i = 0; i < 60; i++) report.add('listen /', () => ({ name: `bad ${i}`, failure: 'signature-mismatch', seconds: 0 }));
    assert.equal(report.suite('listen /').cases.length, 50);
    report.write();
    const markdown = readFileSync(summary, 'utf8');
    assert.match(markdown, /\| listen \/ \| 1000 \| 60 \|/);
    assert.match(markdown, /and 10 more failures\./);
    assert.equal((markdown.match(/\| bad \d+ \|/g) ?? []).length, 50);
  });

  it('a summary file that is gone is not made again (its step has ended), a symlink is not followed, and HTML from the wire is text', () => {
    const gone = join(dir, 'ended-step.md');
    const report = new TestReport('hms-webhook listen', undefined, { GITHUB_STEP_SUMMARY: gone }, () => 0);
    report.add('listen /', () => ({ name: 'call <img src=x onerror=alert(1)>', failure: 'a <b>bold</b> & reason', seconds: 0 }));
    report.write();
    assert.equal(existsSync(gone), false);
    const target = join(dir, 'elsewhere.md');
    writeFileSync(target, '');
    symlinkSync(target, join(dir, 'link.md'));
    const linked = new TestReport('hms-webhook listen', undefined, { GITHUB_STEP_SUMMARY: join(dir, 'link.md') }, () => 0);
    assert.throws(() => linked.write(), /cannot write .*link\.md/);
    assert.equal(readFileSync(target, 'utf8'), '');
    const summary = join(dir, 'step.md');
    writeFileSync(summary, '');
    const escaped = new TestReport('hms-webhook listen', undefined, { GITHUB_STEP_SUMMARY: summary }, () => 0);
    escaped.add('listen /', () => ({ name: 'call <img src=x onerror=alert(1)>', failure: 'a <b>bold</b> & reason', seconds: 0 }));
    escaped.write();
    const markdown = readFileSync(summary, 'utf8');
    assert.match(markdown, /\| call &lt;img src=x onerror=alert\(1\)&gt; \| a &lt;b&gt;bold&lt;\/b&gt; &amp; reason \|/);
    assert.doesNotMatch(markdown, /<img|<b>/);
  });

  it('writes XML that escapes what XML cannot hold, and counts on the suites and the root', () => {
    const xml = junitXml('run "1"', [
      {
        name: 'a<b',
        timestamp: '2026-11-30T10:00:00',
        tests: 2,
        failures: 1,
        cases: [
          { name: 'x\u0001&y', seconds: 0.5, failure: "it's <bad>" },
          { name: 'skipped', seconds: 0, skipped: 'n/a' },
        ],
      },
    ]);
    assert.match(xml, /<testsuites name="run &quot;1&quot;" tests="2" failures="1" errors="0" skipped="1" time="0\.500">/);
    assert.match(xml, /<testcase name="x\\u0001&amp;y" classname="a&lt;b" time="0\.500">/);
    assert.match(xml, /<failure message="it&apos;s &lt;bad&gt;" type="failure">/);
    assert.ok(!xml.includes(String.fromCharCode(1)), 'no raw control character');
  });
});
