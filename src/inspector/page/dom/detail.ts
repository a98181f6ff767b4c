import { ms } from '../../../output/units.js';
import { printable, printableLines } from '../../../output/printable.js';
import type { RequestDetail, ResendAttempt } from '../../api-types.js';
import { type JsonNode, parseJsonTree } from '../json-text.js';
import { byId, type Child, el, headerTable, hexView, time } from './elements.js';

/** What the detail's buttons do: the page's actions on the request shown. */
export interface DetailActions {
  resend(options: { resign: boolean }): void;
  edit(): void;
  sendEdited(): void;
  cancelEdit(): void;
  copy(text: string): void;
  choose(id: number): void;
}

/** Draws one request whole: verdict, actions, reply, its re-sends, headers and body. */
export function renderDetail(d: RequestDetail, actions: DetailActions): void {
  const box = byId('detail');
  box.replaceChildren();
  box.setAttribute('data-id', String(d.id));
  const add = (...nodes: Child[]) => {
    for (const node of nodes) if (node !== null && node !== undefined && node !== false) box.append(node);
  };
  add(
    el('h2', {}, [printable(d.event ?? 'not a webhook'), el('span', { className: 'dim', text: `  ${d.dialect ?? ''}  #${d.id}` })]),
    el('div', {
      className: 'dim',
      text: printable(`${time(d.received_at)} · ${d.method} ${d.path}${d.call_id ? ` · call ${d.call_id}` : ''}`),
    }),
    d.loaded_from === null
      ? null
      : el('div', {
          className: 'earlier-note',
          id: 'earlier',
          text: `↺ from an earlier run: loaded at start from ${printable(d.loaded_from)}`,
        }),
    d.resend_of === null ? null : linkTo('resend-of', `↳ a re-send of #${d.resend_of}`, d.resend_of, actions),
    el('div', { className: `reason${d.passed ? ' passed' : ''}`, id: 'verdict' }, [
      el('strong', { className: d.passed ? 'ok' : 'bad', text: d.passed ? 'passed' : 'failed' }),
      d.reason ? ` — ${printable(d.reason)}` : '',
      d.diagnosis ? el('div', { id: 'diagnosis', text: `Why: ${printable(d.diagnosis)}` }) : null,
    ]),
    actionBar(d, actions),
    el('div', { id: 'editor', hidden: '' }, [
      el('textarea', { id: 'edit-body', 'aria-label': 'body to send' }),
      el('div', { className: 'actions' }, [
        button('send-edited', 'send edited, re-signed', actions.sendEdited),
        button('cancel-edit', 'cancel', actions.cancelEdit),
      ]),
    ]),
    el('pre', { id: 'action-result', hidden: '', 'aria-live': 'polite' }),
  );
  if (d.errors.length > 0 || d.warnings.length > 0)
    add(
      el('h3', { text: 'schema' }),
      ...d.errors.map((f) => el('div', { className: 'bad', text: printable(`✗ ${f.path}: ${f.message}`) })),
      ...d.warnings.map((f) => el('div', { className: 'warn', text: printable(`⚠ ${f.path}: ${f.message}`) })),
    );
  add(
    el('h3', { text: 'reply' }),
    el('div', {}, [
      el('strong', {
        id: 'reply-status',
        className: d.reply.status >= 200 && d.reply.status < 300 ? 'ok' : 'bad',
        text: String(d.reply.status),
      }),
      '  ',
      el('span', { id: 'reply-meaning', text: d.reply_meaning }),
      d.forwarded_to ? ` · from ${printable(d.forwarded_to)}` : '',
    ]),
    d.outcome.length > 0 ? el('div', { id: 'outcome', className: 'dim', text: printable(`platform: ${d.outcome.join(' ')}`) }) : null,
    d.forward_hint ? el('div', { id: 'forward-hint', className: 'warn', text: `⚠ ${printable(d.forward_hint)}` }) : null,
    d.not_forwarded ? el('div', { id: 'not-forwarded', className: 'dim', text: printable(d.not_forwarded) }) : null,
    Object.keys(d.reply.headers).length > 0 ? headerTable('reply-headers', d.reply.headers, printable) : null,
    el('pre', { id: 'reply-body', text: d.reply.body === '' ? '(empty)' : printableLines(d.reply.body) }),
    el('div', { id: 'attempts' }),
    el('h3', { text: 'headers' }),
    headerTable('request-headers', d.headers, printable),
    el('h3', { text: 'body' }),
    d.body_cut ? el('div', { className: 'warn', text: 'shown: the first 128 KB; download for the whole body' }) : null,
    bodyTabs(d),
  );
  renderAttempts(d.attempts, actions);
}

/** The request's re-sends from this page, oldest first, each with its result and where it went. */
export function renderAttempts(attempts: readonly ResendAttempt[], actions: DetailActions): void {
  const box = document.getElementById('attempts');
  if (box === null) return;
  box.replaceChildren();
  if (attempts.length === 0) return;
  box.append(el('h3', { text: `re-sends (${attempts.length})` }));
  for (const attempt of attempts) {
    const line = el('div', { className: `attempt ${attempt.ok ? 'ok' : 'bad'}`, 'data-number': String(attempt.number) }, [
      attemptLines(attempt).join('\n'),
    ]);
    if (attempt.request_id !== null)
      line.append(' ', linkTo(`attempt-${attempt.number}-request`, `→ #${attempt.request_id}`, attempt.request_id, actions));
    box.append(line);
  }
}

/** A re-send's result in lines: status, target and time, then what was wrong, what the platform makes of it, the reply. */
export function attemptLines(attempt: ResendAttempt): string[] {
  const how = [attempt.signed === 'resign' ? 're-signed' : attempt.signed, attempt.edited ? 'edited' : ''].filter(Boolean).join(', ');
  const head =
    attempt.status === null
      ? `#${attempt.number} ✗ ${printable(attempt.error ?? 'no reply')} (${how})`
      : `#${attempt.number} ${attempt.ok ? '✓' : '✗'} ${attempt.status} from ${printable(attempt.to)} in ${ms(attempt.latency_ms ?? 0)} (${how})`;
  const lines = [head];
  for (const check of attempt.checks)
    if (check.severity !== 'pass') lines.push(printable(`${check.severity === 'warning' ? '⚠' : '✗'} ${check.name}: ${check.message}`));
  for (const outcome of attempt.outcome) lines.push(printable(`platform: ${outcome}`));
  if (attempt.reply !== null && attempt.reply !== '') lines.push(printableLines(attempt.reply));
  return lines;
}

function actionBar(d: RequestDetail, actions: DetailActions): HTMLElement {
  return el('div', { className: 'actions' }, [
    button('resend', 're-send re-signed (r)', () => actions.resend({ resign: true })),
    button('edit', 'edit and re-send (e)', actions.edit),
    button('as-captured', 're-send as captured', () => actions.resend({ resign: false })),
    button('copy-curl', 'copy as curl (c)', () => actions.copy(d.curl)),
    button('copy-send', 'copy as hms-webhook send', () => actions.copy(d.send)),
    el('input', { type: 'text', id: 'target', value: d.default_target, 'aria-label': 're-send to', size: '36' }),
  ]);
}

function button(id: string, text: string, onClick: () => void): HTMLButtonElement {
  const node = el('button', { type: 'button', id, text });
  node.addEventListener('click', onClick);
  return node;
}

function linkTo(id: string, text: string, target: number, actions: DetailActions): HTMLButtonElement {
  return button(id, text, () => actions.choose(target));
}

function bodyTabs(d: RequestDetail): HTMLElement {
  const tabs = el('div', { className: 'actions tabs', role: 'group', 'aria-label': 'body view' });
  const view = el('div', { id: 'body-view' });
  const show = (kind: 'tree' | 'raw' | 'hex') => {
    for (const b of tabs.querySelectorAll('button')) b.className = b.getAttribute('data-kind') === kind ? 'active' : '';
    view.replaceChildren(bodyView(d, kind));
  };
  for (const kind of ['tree', 'raw', 'hex'] as const) {
    const b = el('button', { type: 'button', 'data-kind': kind, text: kind });
    b.addEventListener('click', () => show(kind));
    tabs.append(b);
  }
  tabs.append(
    el('a', {
      className: 'button',
      href: `/api/requests/${d.id}/body`,
      download: `request-${d.id}.body`,
      text: `download body (${d.bytes} bytes)`,
    }),
  );
  show(d.body_text !== null && /^\s*[[{]/.test(d.body_text) && !d.body_cut ? 'tree' : 'raw');
  return el('div', {}, [tabs, view]);
}

function bodyView(d: RequestDetail, kind: 'tree' | 'raw' | 'hex'): HTMLElement {
  if (kind === 'hex') return el('pre', { text: hexView(d.body_base64) });
  if (kind === 'raw') return el('pre', { text: d.body_text === null ? hexView(d.body_base64) : printableLines(d.body_text) });
  if (d.body_text === null) return el('div', { className: 'dim', text: 'the body is not UTF-8 text: see hex' });
  try {
    return el('div', { className: 'tree' }, [treeNode(parseJsonTree(d.body_text), null)]);
  } catch (error) {
    return el('div', { className: 'dim', text: `not JSON (${(error as Error).message}): see raw` });
  }
}

/** A JSON tree whose numbers keep the digits they were sent with, however many. */
function treeNode(node: JsonNode, label: string | null): HTMLElement {
  const head: Child[] = label === null ? [] : [el('span', { className: 'key', text: printable(label) }), ': '];
  if (node.type === 'object' || node.type === 'array') {
    const children =
      node.type === 'object'
        ? node.entries.map((entry) => treeNode(entry.value, entry.raw))
        : node.items.map((item, index) => treeNode(item, String(index)));
    const size = node.type === 'object' ? `{${node.entries.length}}` : `[${node.items.length}]`;
    return el('details', { open: '' }, [el('summary', {}, [...head, el('span', { className: 'dim', text: size })]), ...children]);
  }
  return el('div', {}, [...head, el('span', { className: node.type === 'string' ? 'str' : 'num', text: printable(node.text) })]);
}
