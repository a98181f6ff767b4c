import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import type { Browser, Page } from 'playwright-core';
import { jsonLines, runCli, temporaryFolder } from '../helpers.js';
import { correctReplies, startReceiver } from '../receiver.js';
import { type RunningInspector, startInspected } from './inspector.js';

// The inspector in a real browser: Debian's chromium driven by playwright-core. Where there is no
// browser, these tests are skipped with one line saying how to run them, unless CI requires them.
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const required = process.env.HMS_WEBHOOK_BROWSER_TESTS === 'required';
const available = existsSync(CHROMIUM);
const skip = available
  ? false
  : `no browser at ${CHROMIUM}: apt-get install chromium (or set CHROMIUM_PATH) to run the inspector's browser tests`;
if (!available && !required) process.stderr.write(`hms-webhook tests: browser tests skipped: ${skip}\n`);

const SECRET = 'browser-secret-0c7d';
// The functions given to page.waitForFunction run in the page, where there is a document.
declare const document: any;
const dir = temporaryFolder('hms-browser-');

describe('inspector in a browser', { skip: required ? false : skip }, () => {
  let browser: Browser;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  let inspector: RunningInspector;
  let page: Page;
  const dialogs: string[] = [];

  before(async () => {
    assert.ok(available, `CI requires the browser tests, and there is no browser at ${CHROMIUM}`);
    const { chromium } = await import('playwright-core');
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
    // A receiver that verifies strictly: a request signed with anything but SECRET gets 401.
    receiver = await startReceiver(SECRET, correctReplies);
    inspector = await startInspected(['--secret', SECRET, '--forward-to', receiver.url]);
    page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    page.on('dialog', (dialog) => {
      dialogs.push(dialog.message());
      void dialog.dismiss();
    });
    await page.goto(inspector.url);
  });
  after(async () => {
    await browser?.close();
    await inspector?.stop();
    await receiver?.close();
  });

  const rowCount = () => page.locator('tr.row').count();
  /** Clicks a row and waits until the request it shows is that row's. */
  const choose = async (row: ReturnType<Page['locator']>) => {
    const id = await row.getAttribute('data-id');
    await row.click();
    await page.waitForSelector(`#detail[data-id="${id}"]`);
  };
  const sendEvent = async (...args: string[]) => {
    const before = await rowCount();
    await runCli(['send', ...args, '--to', inspector.listenUrl]);
    await page.waitForFunction((n) => document.querySelectorAll('tr.row').length > n, before);
  };

  it('lands on / with the token gone from the address, and an event sent with send appears live with its verdict', async () => {
    assert.equal(new URL(page.url()).search, '');
    await sendEvent('tool-calls', '--secret', SECRET);
    const first = page.locator('tr.row').first();
    assert.equal(await first.locator('td').nth(1).textContent(), 'tool-calls');
    assert.equal(await first.locator('.verdict').textContent(), 'passed');
    // Follow is on: the newest request is shown.
    await page.waitForSelector('#verdict');
    assert.match((await page.locator('#verdict').textContent()) ?? '', /^passed/);
    assert.match((await page.locator('#outcome').textContent()) ?? '', /the assistant is given for tool_/);
  });

  it('a request signed with another secret shows the verdict with its diagnosis', async () => {
    await sendEvent('status-update', '--secret', 'not-the-secret');
    await choose(page.locator('tr.row').first());
    assert.match((await page.locator('#verdict').textContent()) ?? '', /^failed — signature-mismatch: the signature does not match/);
    assert.match((await page.locator('#diagnosis').textContent()) ?? '', /^Why: no known mistake explains it/);
    // Refused by the listener, it never reached the receiver it forwards to: the page says so.
    assert.match(
      (await page.locator('#not-forwarded').textContent()) ?? '',
      /^not forwarded to http:\/\/127\.0\.0\.1:\d+\/\S*: the listener answered 401 itself .*, so your receiver never saw it$/,
    );
  });

  it('edit and re-send reaches a receiver that verifies strictly, re-signed, and is accepted', async () => {
    await page.locator('#follow').uncheck();
    await choose(page.locator('tr.row').filter({ hasText: 'tool-calls' }).first());
    await page.keyboard.press('e');
    const editor = page.locator('#edit-body');
    const text = await editor.inputValue();
    assert.match(text, /"in-progress"/);
    await editor.fill(text.replace('"in-progress"', '"ended"'));
    const before = receiver.received.length;
    await page.locator('#send-edited').click();
    await page.waitForFunction(() => /^✓ 200/.test(document.querySelector('#action-result')?.textContent ?? ''));
    const got = receiver.received.at(-1)!;
    assert.equal(receiver.received.length, before + 1);
    assert.equal(got.signatureValid, true);
    assert.match(got.body.toString('utf8'), /"status": "ended"/);
  });

  it('a hostile header value is shown as text: no element is made from it and no dialog opens', async () => {
    const hostile = '<img src=x onerror=alert(1)>';
    const before = await rowCount();
    await new Promise<void>((resolve, reject) => {
      const body = '{"message":{"type":"status-update","big":12345678901234567890123}}';
      const req = request(
        inspector.listenUrl,
        { method: 'POST', headers: { 'content-type': 'application/json', 'x-note': hostile } },
        (res) => {
          res.resume();
          res.on('end', resolve);
        },
      );
      req.on('error', reject);
      req.end(body);
    });
    await page.waitForFunction((n) => document.querySelectorAll('tr.row').length > n, before);
    await choose(page.locator('tr.row').first());
    const cell = page.locator('.headers tr', { hasText: 'x-note' }).locator('td').nth(1);
    await cell.waitFor();
    assert.equal(await cell.textContent(), hostile);
    assert.equal(await page.locator('#detail img').count(), 0);
    assert.deepEqual(dialogs, []);
    // The tree is built from the raw text: a number past 2^53 keeps every digit.
    assert.match((await page.locator('#body-view').textContent()) ?? '', /"big": 12345678901234567890123/);
  });

  it('copy as curl gives a command that, run by a shell, is accepted by the listener', async () => {
    await choose(page.locator('tr.row').filter({ hasText: 'tool-calls' }).last());
    await page.keyboard.press('c');
    const command = (await page.locator('#action-result').textContent()) ?? '';
    assert.match(command, /^curl -sS -X POST /);
    const events = jsonLines(inspector.cli.stdout.text).length;
    await promisify(execFile)('bash', ['-c', command]);
    await inspector.cli.stdout.until(new RegExp(`(?:[^\\n]*\\n){${events + 1}}`));
    const event = jsonLines(inspector.cli.stdout.text).at(-1)!;
    assert.equal(event.passed, true, JSON.stringify(event));
  });

  it('filters, groups by call, moves with j and k, and stays readable at 1280×800 and at 800 px wide', async () => {
    await page.locator('#filter').fill('verdict:failed');
    const failed = await page.locator('tr.row .verdict').allTextContents();
    assert.ok(failed.length > 0 && failed.every((v) => v === 'failed'), failed.join());
    await page.locator('#filter').fill('');
    await page.locator('#group').check();
    assert.ok((await page.locator('tr.group').count()) >= 2);
    await page.locator('#group').uncheck();
    await choose(page.locator('tr.row').first());
    const firstId = await page.locator('tr.row.selected').getAttribute('data-id');
    await page.keyboard.press('j');
    await page.waitForFunction((id) => document.querySelector('tr.row.selected')?.getAttribute('data-id') !== id, firstId);
    await page.keyboard.press('k');
    await page.waitForFunction((id) => document.querySelector('tr.row.selected')?.getAttribute('data-id') === id, firstId);
    const wide = join(dir, 'inspector-1280.png');
    await page.screenshot({ path: wide });
    await page.setViewportSize({ width: 800, height: 800 });
    const narrow = join(dir, 'inspector-800.png');
    await page.screenshot({ path: narrow });
    // At 800 px the list and the request stack: nothing is cut off to the side.
    assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= 800));
    for (const file of [wide, narrow]) assert.ok(statSync(file).size > 10_000, file);
  });

  it('a browser without the token is refused', async () => {
    const context = await browser.newContext();
    try {
      const stranger = await context.newPage();
      const answer = await stranger.goto(`${inspector.origin}/`);
      assert.equal(answer?.status(), 401);
      assert.match((await stranger.textContent('body')) ?? '', /open the inspector with the URL it printed/);
    } finally {
      await context.close();
    }
  });
});
