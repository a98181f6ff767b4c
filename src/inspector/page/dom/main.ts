// The inspector page's script: the model (../model.ts) fed by the API and its event stream, drawn by
// the list and the detail, driven by mouse and keyboard.
import { printable } from '../../../output/printable.js';
import type { RequestDetail, RequestSummary, ResendAttempt } from '../../api-types.js';
import { formatJsonText } from '../json-text.js';
import { InspectorModel } from '../model.js';
import { attemptLines, type DetailActions, renderAttempts, renderDetail } from './detail.js';
import { byId } from './elements.js';
import { RequestList } from './list.js';

const keep = Number(document.querySelector('meta[name="ui-keep"]')?.getAttribute('content')) || 1000;
const model = new InspectorModel(keep);
const list = new RequestList(model, (id) => void choose(id));
const filter = byId<HTMLInputElement>('filter');
const listBox = byId('list');
const help = byId('help');
let detail: RequestDetail | null = null;
/** The editor's text as it opened: sent unchanged, the original bytes go, not a re-serialised copy. */
let editorStart: string | null = null;
let resending = 0;
let drawQueued = false;
let lastAdded: RequestSummary | null = null;

async function api<T>(method: string, path: string, body?: unknown): Promise<T> {
  const response = await fetch(path, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return (response.status === 204 ? null : await response.json()) as T;
}

/** Draws the list once per frame, however many requests came in it. */
function draw(): void {
  if (drawQueued) return;
  drawQueued = true;
  requestAnimationFrame(() => {
    drawQueued = false;
    list.render();
    if (lastAdded !== null) {
      byId('announce').textContent = printable(
        `new: ${lastAdded.event ?? 'request'} ${lastAdded.passed ? 'passed' : 'failed'}; ${model.countLine()}`,
      );
      lastAdded = null;
    }
  });
}

/** Whether the user is busy with the request shown (editing it, or a re-send on its way): follow waits. */
function busy(): boolean {
  return editorStart !== null || resending > 0;
}

async function choose(id: number): Promise<void> {
  model.selectedId = id;
  list.showSelection();
  await load(id);
}

async function load(id: number): Promise<void> {
  // A request does not change once come (its re-sends arrive on the stream): shown already, it stays as it is, editor and all.
  if (detail?.id === id) return;
  const value = await api<RequestDetail | { error: string }>('GET', `/api/requests/${id}`);
  // A newer choice while this one loaded wins, and of two loads of one request the first drawn stays.
  if (model.selectedId !== id || detail?.id === id) return;
  editorStart = null;
  if ('error' in value) {
    detail = null;
    byId('detail').replaceChildren(value.error);
    return;
  }
  detail = value;
  renderDetail(value, actions);
}

function move(step: number): void {
  const id = model.neighbour(step);
  if (id !== undefined) void choose(id);
}

function result(text: string, ok: boolean): void {
  const out = document.getElementById('action-result');
  if (out === null) return;
  out.hidden = false;
  out.className = ok ? 'ok' : 'bad';
  out.textContent = text;
}

const actions: DetailActions = {
  resend: (options) => void resend(options),
  edit() {
    if (detail === null) return;
    byId('editor').hidden = false;
    let text = detail.body_text ?? '';
    try {
      text = formatJsonText(text);
    } catch {
      // Not JSON: edited as it is.
    }
    editorStart = text;
    const editor = byId<HTMLTextAreaElement>('edit-body');
    editor.value = text;
    editor.focus();
  },
  sendEdited() {
    const text = byId<HTMLTextAreaElement>('edit-body').value;
    void resend({ resign: true, ...(text === editorStart ? {} : { body: text }) });
  },
  cancelEdit() {
    byId('editor').hidden = true;
    editorStart = null;
  },
  copy(text) {
    result(text, true);
    navigator.clipboard?.writeText(text).catch(() => {
      // Shown above, to copy by hand.
    });
  },
  choose: (id) => void choose(id),
};

async function resend(options: { resign: boolean; body?: string }): Promise<void> {
  if (detail === null) return;
  const original = detail.id;
  const to = byId<HTMLInputElement>('target').value;
  result('sending…', true);
  resending++;
  try {
    const answer = await api<ResendAttempt | { ok: false; error: string }>('POST', `/api/requests/${original}/replay`, {
      resign: options.resign,
      to,
      ...(options.body === undefined ? {} : { body: options.body }),
    });
    if (detail?.id !== original) return;
    if ('number' in answer) {
      result(attemptLines(answer).join('\n'), answer.ok);
      mergeAttempt(original, answer);
    } else result(`✗ ${printable(answer.error)}`, false);
  } finally {
    resending--;
  }
}

function mergeAttempt(id: number, attempt: ResendAttempt): void {
  if (detail === null || detail.id !== id) return;
  const known = detail.attempts.find((candidate) => candidate.number === attempt.number);
  // The stream and the reply both tell of an attempt, in either order: the request it became is kept.
  const merged = { ...attempt, request_id: attempt.request_id ?? known?.request_id ?? null };
  detail.attempts = [...detail.attempts.filter((candidate) => candidate !== known), merged].sort((a, b) => a.number - b.number);
  renderAttempts(detail.attempts, actions);
}

function added(summary: RequestSummary): void {
  model.hold = busy();
  const { selected, dropped } = model.add(summary);
  list.forget(dropped);
  lastAdded = summary;
  draw();
  if (selected) void load(summary.id);
}

function dropped(ids: number[]): void {
  model.drop(ids);
  list.forget(ids);
  if (detail !== null && ids.includes(detail.id) && model.selectedId === null) {
    detail = null;
    byId('detail').replaceChildren('This request was dropped: the inspector keeps the last --ui-keep requests (--save keeps them all).');
  }
  draw();
}

function cleared(): void {
  model.clear();
  list.clear();
  detail = null;
  byId('detail').replaceChildren();
  draw();
}

filter.addEventListener('input', () => {
  model.filter = filter.value;
  draw();
});
byId<HTMLInputElement>('follow').addEventListener('change', (event) => {
  model.follow = (event.target as HTMLInputElement).checked;
});
byId<HTMLInputElement>('group').addEventListener('change', (event) => {
  model.group = (event.target as HTMLInputElement).checked;
  draw();
});
byId('clear').addEventListener('click', () => void api('DELETE', '/api/requests', {}));
byId('help-button').addEventListener('click', () => {
  help.hidden = !help.hidden;
});

document.addEventListener('keydown', (event) => {
  const active = document.activeElement;
  const typing = active instanceof HTMLInputElement || active instanceof HTMLTextAreaElement;
  if (event.key === 'Escape') {
    if (!help.hidden) help.hidden = true;
    // In the filter, Escape goes back to the list and keeps what was typed (a search box would clear it).
    else if (active === filter) {
      event.preventDefault();
      listBox.focus();
    } else if (typing) active.blur();
    return;
  }
  if (active === filter && event.key === 'Enter') {
    event.preventDefault();
    const first = model.first();
    listBox.focus();
    if (first !== undefined) void choose(first);
    return;
  }
  if (typing || event.ctrlKey || event.metaKey || event.altKey) return;
  const keys: Record<string, () => void> = {
    j: () => move(1),
    ArrowDown: () => move(1),
    k: () => move(-1),
    ArrowUp: () => move(-1),
    r: () => actions.resend({ resign: true }),
    e: actions.edit,
    c: () => {
      if (detail !== null) actions.copy(detail.curl);
    },
    '/': () => filter.focus(),
    '?': () => {
      help.hidden = !help.hidden;
    },
  };
  const command = keys[event.key];
  if (command === undefined || ((event.key === 'ArrowDown' || event.key === 'ArrowUp') && active !== listBox)) return;
  // The key is a command: it must not also be typed into the field it focuses, or scroll the list.
  event.preventDefault();
  command();
});

void api<RequestSummary[]>('GET', '/api/requests').then((requests) => {
  model.load(requests);
  draw();
  const stream = new EventSource('/api/stream');
  stream.addEventListener('request', (message) => added(JSON.parse(message.data) as RequestSummary));
  stream.addEventListener('dropped', (message) => dropped(JSON.parse(message.data) as number[]));
  stream.addEventListener('attempt', (message) => {
    const { id, attempt } = JSON.parse(message.data) as { id: number; attempt: ResendAttempt };
    mergeAttempt(id, attempt);
  });
  stream.addEventListener('clear', cleared);
  stream.addEventListener('open', () => {
    byId('connection').textContent = 'live';
  });
  stream.addEventListener('error', () => {
    byId('connection').textContent = 'reconnecting…';
  });
});
