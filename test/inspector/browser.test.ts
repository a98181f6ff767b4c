import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { request } from 'node:http';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import type { Browser, Page } from 'playwright-core';
import { loadFixture } from '../../src/platform/fixtures.js';
import { sign } from '../../src/signing/signature.js';
import { jsonLines, runCli, temporaryFolder } from '../helpers.js';
import { correctReplies, startReceiver } from '../receiver.js';
import { api, type RunningInspector, startInspected } from './inspector.js';

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
// The functions given to page.waitForFunction and page.evaluate run in the page, where there is a document.
declare const document: any;
declare const window: any;
const dir = temporaryFolder('hms-browser-');
const AXE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

/** Posts a body to a listener with exactly these headers; resolves with the status. */
function post(url: string, body: string | Buffer, headers: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    // A Buffer, so that Node sends the headers as their bytes (a string body is encoded with them).
    req.end(Buffer.from(body));
  });
}

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
    // One context for the tabs of one browser: they share its cookies, as a user's tabs do.
    page = await (await browser.newContext({ viewport: { width: 1280, height: 800 } })).newPage();
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

  const rowCount = (on = page) => on.locator('.row').count();
  /** Clicks a row and waits until the request it shows is that row's. */
  const choose = async (row: ReturnType<Page['locator']>, on = page) => {
    const id = await row.getAttribute('data-id');
    await row.click();
    await on.waitForSelector(`#detail[data-id="${id}"]`);
    return Number(id);
  };
  const sendEvent = async (...args: string[]) => {
    const before = await rowCount();
    await runCli(['send', ...args, '--to', inspector.listenUrl]);
    await page.waitForFunction((n) => document.querySelectorAll('.row').length > n, before);
  };
  const text = async (selector: string, on = page) => (await on.locator(selector).textContent()) ?? '';

  it('lands on / with the token gone from the address, and an event sent with send appears live with its verdict', async () => {
    assert.equal(new URL(page.url()).search, '');
    await sendEvent('tool-calls', '--secret', SECRET);
    const first = page.locator('.row').first();
    assert.equal(await first.locator('.event').textContent(), 'tool-calls');
    assert.equal(await first.locator('.verdict').textContent(), 'passed');
    // Follow is on: the newest request is shown, and the list says so to a screen reader.
    await page.waitForSelector('#verdict');
    assert.match(await text('#verdict'), /^passed/);
    assert.match(await text('#outcome'), /the assistant is given for tool_/);
    assert.equal(await first.getAttribute('aria-selected'), 'true');
    assert.equal(await page.locator('#list').getAttribute('aria-activedescendant'), await first.getAttribute('id'));
    await page.waitForFunction(() => /^new: tool-calls passed; 1 request$/.test(document.querySelector('#announce').textContent));
    // The reply's headers are shown, and what its time means for this event.
    assert.match(await text('#reply-headers'), /content-type\s*application\/json/);
    // What its time means against the deadline is the API's sentence (its wording is tested with a fixed latency).
    const shown = await page.locator('#detail').getAttribute('data-id');
    assert.equal(await text('#reply-meaning'), (await api(inspector, 'GET', `/api/requests/${shown}`)).reply_meaning);
    assert.match(await text('#reply-meaning'), / of the 10 s deadline$| past the 10 s deadline/);
  });

  it('a request signed with another secret shows the verdict with its diagnosis, and what its refusal means', async () => {
    await sendEvent('status-update', '--secret', 'not-the-secret');
    await choose(page.locator('.row').first());
    assert.match(await text('#verdict'), /^failed — signature-mismatch: the signature does not match/);
    assert.match(await text('#diagnosis'), /^Why: no known mistake explains it/);
    // Refused by the listener, it never reached the receiver it forwards to: the page says so.
    assert.match(
      await text('#not-forwarded'),
      /^not forwarded to http:\/\/127\.0\.0\.1:\d+\/\S*: the listener answered 401 itself .*, so your receiver never saw it$/,
    );
    // Not "the platform ignores this reply": a refused status-update is a delivery lost.
    assert.match(await text('#reply-meaning'), /^refused \(401\): the platform expects a 2xx for status-update/);
  });

  it('a request that is no webhook shows its method, path and reason in the list', async () => {
    const before = await rowCount();
    await post(`${inspector.listenUrl}nowhere`, 'not json', {});
    await page.waitForFunction((n) => document.querySelectorAll('.row').length > n, before);
    const row = page.locator('.row').first();
    assert.match((await row.locator('.event').textContent()) ?? '', /^POST \/\S*nowhere$/);
    assert.notEqual(((await row.locator('.why').textContent()) ?? '').trim(), '');
  });

  it('edit and re-send with follow on: the result stays, listed as an attempt of the request, accepted by a strict receiver', async () => {
    assert.equal(await page.locator('#follow').isChecked(), true);
    const id = await choose(page.locator('.row').filter({ hasText: 'tool-calls' }).first());
    await page.keyboard.press('e');
    const editor = page.locator('#edit-body');
    const body = await editor.inputValue();
    assert.match(body, /"in-progress"/);
    await editor.fill(body.replace('"in-progress"', '"ended"'));
    const before = receiver.received.length;
    await page.locator('#send-edited').click();
    await page.waitForFunction(() => /^#1 ✓ 200/.test(document.querySelector('#action-result')?.textContent ?? ''));
    // Meanwhile another request comes: follow waits while the user is busy with this one.
    await sendEvent('status-update', '--secret', SECRET);
    assert.equal(await page.locator('#detail').getAttribute('data-id'), String(id));
    assert.match(await text('#action-result'), /^#1 ✓ 200 from http:\/\/127\.0\.0\.1:\d+\/hooks in [\d.]+ ms \(re-signed, edited\)/);
    assert.match(await text('#attempts'), /re-sends \(1\)#1 ✓ 200/);
    const got = receiver.received.at(-1)!;
    assert.equal(receiver.received.length, before + 2);
    assert.equal(receiver.received.at(-2)!.signatureValid, true);
    assert.match(receiver.received.at(-2)!.body.toString('utf8'), /"status": "ended"/);
    assert.equal(got.signatureValid, true);
    await page.locator('#cancel-edit').click();
  });

  it('the editor keeps numbers as they were sent: unchanged, the very bytes go again; edited, the digits stay', async () => {
    const body = '{"message":{"type":"status-update","status":"ended","big":12345678901234567891,"ratio":1.0}}';
    const before = await rowCount();
    await post(inspector.listenUrl, body, sign({ body, secret: SECRET }));
    await page.waitForFunction((n) => document.querySelectorAll('.row').length > n, before);
    await choose(page.locator('.row').first());
    await page.keyboard.press('e');
    const editor = page.locator('#edit-body');
    const shown = await editor.inputValue();
    assert.match(shown, /"big": 12345678901234567891,\n {4}"ratio": 1\.0\n/);
    const sent = receiver.received.length;
    await page.locator('#send-edited').click();
    await page.waitForFunction(() => /^#1 /.test(document.querySelector('#action-result')?.textContent ?? ''));
    assert.equal(receiver.received.length, sent + 1);
    assert.equal(receiver.received.at(-1)!.body.toString('utf8'), body, 'unchanged: the original bytes');
    await editor.fill(shown.replace('"ended"', '"in-progress"'));
    await page.locator('#send-edited').click();
    await page.waitForFunction(() => /^#2 /.test(document.querySelector('#action-result')?.textContent ?? ''));
    const edited = receiver.received.at(-1)!.body.toString('utf8');
    assert.match(edited, /"big": 12345678901234567891,\s+"ratio": 1\.0/);
    assert.match(edited, /"in-progress"/);
    await page.locator('#cancel-edit').click();
  });

  it('a hostile header value is shown as text, and right-to-left overrides are made visible, not obeyed', async () => {
    const hostile = '<img src=x onerror=alert(1)>';
    const body = '{"message":{"type":"status-update","note":"\u202eevil","big":12345678901234567890123}}';
    const before = await rowCount();
    await post(inspector.listenUrl, body, {
      'x-note': hostile,
      // The header's bytes in UTF-8, as a client sends them.
      'x-rtl': Buffer.from('\u202eevil', 'utf8').toString('latin1'),
    });
    await page.waitForFunction((n) => document.querySelectorAll('.row').length > n, before);
    await choose(page.locator('.row').first());
    const cell = (name: string) => page.locator('#request-headers tr', { hasText: name }).locator('td').nth(1);
    assert.equal(await cell('x-note').textContent(), hostile);
    assert.equal(await cell('x-rtl').textContent(), '\\u202eevil');
    assert.equal(await page.locator('#detail img').count(), 0);
    assert.deepEqual(dialogs, []);
    // The tree is built from the raw text: a number past 2^53 keeps every digit.
    const tree = await text('#body-view');
    assert.match(tree, /"big": 12345678901234567890123/);
    assert.match(tree, /"\\u202eevil"/);
    assert.ok(!tree.includes('\u202e'), 'no override character reaches the page');
  });

  it('copy as curl gives a command that, run by a shell, is accepted by the listener', async () => {
    await choose(page.locator('.row').filter({ hasText: 'tool-calls' }).last());
    await page.keyboard.press('c');
    const command = await text('#action-result');
    assert.match(command, /^curl -sS -X POST /);
    const events = jsonLines(inspector.cli.stdout.text).length;
    await promisify(execFile)('bash', ['-c', command]);
    await inspector.cli.stdout.until(new RegExp(`(?:[^\\n]*\\n){${events + 1}}`));
    const event = jsonLines(inspector.cli.stdout.text).at(-1)!;
    assert.equal(event.passed, true, JSON.stringify(event));
  });

  it('the filter: any case, free text in headers and bodies, N of M, Enter to the first match, Escape back to the list keeping it', async () => {
    const filter = page.locator('#filter');
    await filter.fill('VERDICT:FAILED');
    await page.waitForFunction(() => / of /.test(document.querySelector('#count').textContent));
    const failed = await page.locator('.row .verdict').allTextContents();
    assert.ok(failed.length > 0 && failed.every((v) => v === 'failed'), failed.join());
    assert.match(await text('#count'), new RegExp(`^${failed.length} of \\d+ requests$`));
    // Free text finds what only the body holds.
    await filter.fill('12345678901234567891');
    await page.waitForFunction(() => /^1 of /.test(document.querySelector('#count').textContent));
    assert.equal(await rowCount(), 1);
    await filter.press('Enter');
    await page.waitForFunction(() => document.activeElement?.id === 'list');
    const only = await page.locator('.row').first().getAttribute('data-id');
    await page.waitForSelector(`#detail[data-id="${only}"]`);
    await filter.fill('event:no-such-event');
    await page.waitForFunction(() => /^no request/.test(document.querySelector('#count').textContent));
    assert.match(await text('#count'), /^no request matches event:no-such-event \(of \d+\)$/);
    await filter.press('Escape');
    assert.equal(await filter.inputValue(), 'event:no-such-event', 'Escape keeps the filter');
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'list');
    await filter.fill('');
    await page.waitForFunction(() => !/ of /.test(document.querySelector('#count').textContent));
  });

  it('groups by call, moves with j and k, and stays readable at 1280×800 (latency in view) and at 800 px wide', async () => {
    await page.locator('#group').check();
    await page.waitForSelector('.call-heading');
    assert.ok((await page.locator('.call-heading').count()) >= 2);
    await page.locator('#group').uncheck();
    await page.waitForSelector('.call-heading', { state: 'detached' });
    await choose(page.locator('.row').first());
    const firstId = await page.locator('.row.selected').getAttribute('data-id');
    await page.keyboard.press('j');
    await page.waitForFunction((id) => document.querySelector('.row.selected')?.getAttribute('data-id') !== id, firstId);
    await page.keyboard.press('k');
    await page.waitForFunction((id) => document.querySelector('.row.selected')?.getAttribute('data-id') === id, firstId);
    // Every latency is in view and whole at 1280 px: inside the list, not cut.
    const clipped = await page.evaluate(() => {
      const list = document.querySelector('#list').getBoundingClientRect();
      return [...document.querySelectorAll('.row .latency')].filter((cell: any) => {
        const box = cell.getBoundingClientRect();
        return box.right > list.right || cell.scrollWidth > cell.clientWidth;
      }).length;
    });
    assert.equal(clipped, 0);
    const wide = join(dir, 'inspector-1280.png');
    await page.screenshot({ path: wide });
    await page.setViewportSize({ width: 800, height: 800 });
    const narrow = join(dir, 'inspector-800.png');
    await page.screenshot({ path: narrow });
    // At 800 px the list and the request stack: nothing is cut off to the side.
    assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= 800));
    for (const file of [wide, narrow]) assert.ok(statSync(file).size > 10_000, file);
    await page.setViewportSize({ width: 1280, height: 800 });
  });

  it('the keyboard reaches the list in two Tabs, and axe finds no serious or critical violation', async () => {
    const fresh = await page.context().newPage();
    try {
      await fresh.goto(`${inspector.origin}/`);
      await fresh.waitForSelector('.row');
      await fresh.keyboard.press('Tab');
      await fresh.keyboard.press('Tab');
      assert.equal(await fresh.evaluate(() => document.activeElement?.id), 'list');
      await fresh.keyboard.press('ArrowDown');
      await fresh.waitForSelector('.row.selected[aria-selected="true"]');
    } finally {
      await fresh.close();
    }
    // axe is put in a page of its own context that may run it (the inspector's CSP allows no other script).
    const context = await browser.newContext({ bypassCSP: true, viewport: { width: 1280, height: 800 } });
    try {
      const audited = await context.newPage();
      await audited.goto(inspector.url);
      await audited.waitForSelector('.row');
      await choose(audited.locator('.row').filter({ hasText: 'tool-calls' }).first(), audited);
      for (const scheme of ['light', 'dark'] as const) {
        await audited.emulateMedia({ colorScheme: scheme });
        await audited.addScriptTag({ content: AXE });
        const violations: { id: string; impact: string; nodes: unknown[] }[] = await audited.evaluate(async () => {
          const result = await window.axe.run(document, { resultTypes: ['violations'] });
          return result.violations.map((v: any) => ({ id: v.id, impact: v.impact, nodes: v.nodes.map((n: any) => n.target) }));
        });
        const serious = violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
        assert.deepEqual(serious, [], `${scheme}: ${JSON.stringify(serious)}`);
      }
    } finally {
      await context.close();
    }
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

  describe('a second inspector in the same browser, with no --forward-to', () => {
    let second: RunningInspector;
    let tab: Page;
    const file = join(dir, 'second.jsonl');
    before(async () => {
      second = await startInspected(['--secret', SECRET, '--save', file]);
      tab = await page.context().newPage();
      await tab.goto(second.url);
    });
    after(async () => {
      await tab?.close();
      await second?.stop();
    });

    it('does not log the first one out: both keep their sessions', async () => {
      await page.reload();
      await page.waitForSelector('.row');
      assert.ok((await rowCount()) > 0);
    });

    it('a re-send to this listener is listed under its original, which stays shown with the result', async () => {
      await runCli(['send', 'status-update', '--to', second.listenUrl, '--secret', SECRET]);
      await tab.waitForSelector('.row');
      const original = await choose(tab.locator('.row').first(), tab);
      await tab.keyboard.press('r');
      await tab.waitForSelector('.row.resend');
      await tab.waitForFunction(() => /→ #2/.test(document.querySelector('#attempts')?.textContent ?? ''));
      assert.equal(await tab.locator('#detail').getAttribute('data-id'), String(original));
      assert.match(await text('#action-result', tab), /^#1 ✓ 200 /);
      assert.deepEqual(await tab.locator('.row').evaluateAll((rows: any[]) => rows.map((row) => row.dataset.id)), ['1', '2']);
      await tab.locator('#attempt-1-request').click();
      await tab.waitForSelector('#detail[data-id="2"]');
      assert.match(await text('#resend-of', tab), /a re-send of #1/);
    });

    it('a burst of 300 requests adds a row each: the rows already drawn stay the same elements', async () => {
      await tab.locator('#follow').uncheck();
      await tab.evaluate(() => {
        document.querySelector('#row-1').dataset.kept = 'yes';
      });
      const body = JSON.stringify(loadFixture('status-update/ended').document);
      for (let sent = 0; sent < 300; sent += 20)
        await Promise.all(Array.from({ length: 20 }, () => post(second.listenUrl, body, sign({ body, secret: SECRET }))));
      await tab.waitForFunction(() => document.querySelectorAll('.row').length === 302);
      assert.equal(await tab.evaluate(() => document.querySelector('#row-1').dataset.kept), 'yes');
      assert.equal(await text('#count', tab), '302 requests');
    });

    it('restarted with the same --save file, it shows its history, marked as an earlier run', async () => {
      await second.stop();
      second = await startInspected(['--secret', SECRET, '--save', file, '--ui-keep', '50']);
      await tab.goto(second.url);
      await tab.waitForFunction(() => document.querySelectorAll('.row').length === 50);
      assert.equal(await tab.locator('.row.earlier').count(), 50);
      assert.equal(await text('#count', tab), '50 requests');
      await choose(tab.locator('.row').first(), tab);
      assert.match(await text('#earlier', tab), /from an earlier run: loaded at start from .*second\.jsonl/);
      // Past --ui-keep the page holds no more than the server: the oldest row goes as a new one comes.
      await runCli(['send', 'tool-calls', '--to', second.listenUrl, '--secret', SECRET]);
      await tab.waitForFunction(() => document.querySelector('.row:not(.earlier)') !== null);
      assert.equal(await tab.locator('.row').count(), 50);
    });
  });
});
