import { ms } from '../../../output/units.js';
import { printable } from '../../../output/printable.js';
import type { RequestSummary } from '../../api-types.js';
import type { InspectorModel, ListItem } from '../model.js';
import { byId, el } from './elements.js';

/**
 * The list of requests, drawn from the model. Each request's row is made once and kept: a new request
 * adds its row and moves the others, so a burst costs a row each, not the whole list each.
 */
export class RequestList {
  private readonly rows = new Map<number, HTMLElement>();
  private readonly box = byId('list');

  constructor(
    private readonly model: InspectorModel,
    private readonly onChoose: (id: number) => void,
  ) {}

  render(): void {
    const items = this.model.visible();
    const nodes = items.map((item) =>
      item.kind === 'call' ? el('div', { className: 'call-heading', text: `call ${printable(item.callId)}` }) : this.row(item),
    );
    byId('rows').replaceChildren(...nodes);
    for (const id of this.rows.keys()) if (this.model.get(id) === undefined) this.rows.delete(id);
    byId('empty').hidden = this.model.total > 0;
    byId('count').textContent = this.model.countLine();
    const ids = items.flatMap((item) => (item.kind === 'request' ? [item.request.id] : [])).join(',');
    byId('export-jsonl').setAttribute('href', `/api/export.jsonl?ids=${ids}`);
    byId('export-har').setAttribute('href', `/api/export.har?ids=${ids}`);
    this.showSelection();
  }

  /** Marks the selected row (and only it), for the eye and for assistive technology. */
  showSelection(): void {
    const selected = this.model.selectedId;
    for (const [id, row] of this.rows) {
      const is = id === selected;
      row.classList.toggle('selected', is);
      row.setAttribute('aria-selected', String(is));
    }
    const row = selected === null ? undefined : this.rows.get(selected);
    if (row === undefined) this.box.removeAttribute('aria-activedescendant');
    else {
      this.box.setAttribute('aria-activedescendant', row.id);
      row.scrollIntoView({ block: 'nearest' });
    }
  }

  forget(ids: readonly number[]): void {
    for (const id of ids) this.rows.delete(id);
  }

  clear(): void {
    this.rows.clear();
  }

  private row(item: Extract<ListItem, { kind: 'request' }>): HTMLElement {
    const known = this.rows.get(item.request.id);
    if (known !== undefined) return known;
    const row = makeRow(item.request, item.depth);
    row.addEventListener('click', () => this.onChoose(item.request.id));
    this.rows.set(item.request.id, row);
    return row;
  }
}

function makeRow(request: RequestSummary, depth: 0 | 1): HTMLElement {
  const late = request.deadline_ms !== null && request.latency_ms > request.deadline_ms;
  // A request that is no webhook has no event or call: its method, path and why it failed take their place.
  const what = request.event === null ? `${request.method} ${request.path}` : request.event;
  const classes = ['row', depth === 1 ? 'resend' : '', request.earlier ? 'earlier' : ''].filter(Boolean).join(' ');
  return el(
    'div',
    {
      className: classes,
      id: `row-${request.id}`,
      role: 'option',
      'aria-selected': 'false',
      'data-id': String(request.id),
      title: printable(request.reason ?? what),
    },
    [
      // What the eye sees by place and mark, said in words to a screen reader.
      depth === 1 ? el('span', { className: 'visually-hidden', text: `re-send of #${request.resend_of}: ` }) : null,
      request.earlier ? el('span', { className: 'visually-hidden', text: 'from an earlier run: ' }) : null,
      el('span', { className: 'time dim', text: request.received_at.slice(11, 19) }),
      el('span', { className: 'event', text: printable(depth === 1 ? `↳ ${what}` : what) }),
      request.event === null ? el('span', { className: 'why dim', text: printable(request.reason ?? '') }) : null,
      request.event === null ? null : el('span', { className: 'dim', text: request.dialect ?? '' }),
      request.event === null
        ? null
        : el('span', { className: 'dim', text: request.call_id === null ? '' : printable(request.call_id.slice(0, 8)) }),
      el('span', { className: request.passed ? 'ok verdict' : 'bad verdict', text: request.passed ? 'passed' : 'failed' }),
      el('span', { className: late ? 'bad latency' : 'dim latency', text: `${request.status} · ${ms(request.latency_ms)}` }),
    ],
  );
}
