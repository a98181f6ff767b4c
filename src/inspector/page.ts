import { filterMatches } from '../captures/filter.js';

/**
 * The inspector: one page, its style and script inline under a per-start nonce, nothing loaded from
 * elsewhere. Everything that came from the wire is put in the page with textContent, never as HTML.
 */
export function inspectorPage(nonce: string): string {
  return PAGE.replaceAll('NONCE', nonce).replace('FILTER_MATCHES', () => filterMatches.toString());
}

// Written without backticks or dollar-brace, so that it stays a plain raw string.
const PAGE = String.raw`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>hms-webhook inspector</title>
<link rel="icon" href="data:,">
<style nonce="NONCE">
:root { color-scheme: light dark; --bg: #fff; --fg: #1d2330; --dim: #667085; --line: #e3e6ec; --sel: #e8f0fe; --ok: #137333; --bad: #c5221f; --warn: #b06000; --code: #f5f6f8; --accent: #1a5fd0; }
@media (prefers-color-scheme: dark) { :root { --bg: #15181e; --fg: #e6e8ec; --dim: #98a2b3; --line: #2b303a; --sel: #1f2b40; --ok: #5bd08a; --bad: #ff7b72; --warn: #f0b44c; --code: #1c2027; --accent: #7aa7ff; } }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; background: var(--bg); color: var(--fg); }
header { display: flex; flex-wrap: wrap; gap: 8px; align-items: center; padding: 8px 12px; border-bottom: 1px solid var(--line); }
header h1 { font-size: 15px; margin: 0 12px 0 0; }
input[type=search], input[type=text] { font: inherit; padding: 4px 8px; border: 1px solid var(--line); border-radius: 6px; background: var(--bg); color: var(--fg); }
#filter { flex: 1 1 220px; min-width: 160px; }
button, a.button { font: inherit; padding: 4px 10px; border: 1px solid var(--line); border-radius: 6px; background: var(--code); color: var(--fg); cursor: pointer; text-decoration: none; }
button:hover, a.button:hover { border-color: var(--accent); }
main { display: grid; grid-template-columns: minmax(320px, 40%) 1fr; height: calc(100vh - 50px); }
@media (max-width: 900px) { main { grid-template-columns: 1fr; height: auto; } #list { max-height: 40vh; } }
#list { overflow: auto; border-right: 1px solid var(--line); }
#detail { overflow: auto; padding: 12px 16px; }
table { border-collapse: collapse; width: 100%; }
#list td { padding: 5px 8px; border-bottom: 1px solid var(--line); white-space: nowrap; overflow: hidden; text-overflow: ellipsis; max-width: 160px; }
#list tr.row { cursor: pointer; }
#list tr.row.selected { background: var(--sel); }
#list tr.group td { background: var(--code); color: var(--dim); font-size: 12px; }
.ok { color: var(--ok); } .bad { color: var(--bad); } .warn { color: var(--warn); } .dim { color: var(--dim); }
h2 { font-size: 16px; margin: 0 0 6px; } h3 { font-size: 13px; margin: 16px 0 6px; text-transform: uppercase; letter-spacing: .04em; color: var(--dim); }
.reason { padding: 8px 10px; border-radius: 6px; background: var(--code); border-left: 3px solid var(--bad); white-space: pre-wrap; word-break: break-word; }
.reason.passed { border-left-color: var(--ok); }
pre, .tree { background: var(--code); padding: 8px 10px; border-radius: 6px; overflow: auto; font: 12px/1.4 ui-monospace, SFMono-Regular, Menlo, monospace; white-space: pre-wrap; word-break: break-all; max-height: 60vh; }
.headers td { padding: 3px 8px; border-bottom: 1px solid var(--line); font: 12px ui-monospace, monospace; word-break: break-all; vertical-align: top; }
.headers td:first-child { color: var(--dim); white-space: nowrap; }
.tabs button.active { border-color: var(--accent); }
.actions { display: flex; flex-wrap: wrap; gap: 6px; margin: 10px 0; }
textarea { width: 100%; min-height: 200px; font: 12px ui-monospace, monospace; background: var(--code); color: var(--fg); border: 1px solid var(--line); border-radius: 6px; padding: 8px; }
details { margin-left: 14px; } summary { cursor: pointer; }
.key { color: var(--accent); } .str { color: var(--ok); } .num { color: var(--warn); }
#help { position: fixed; inset: 60px 20% auto 20%; background: var(--bg); border: 1px solid var(--line); border-radius: 8px; padding: 16px; box-shadow: 0 8px 30px rgba(0,0,0,.25); }
[hidden] { display: none !important; }
.empty { padding: 24px; color: var(--dim); }
</style>
</head>
<body>
<header>
  <h1>hms-webhook inspector</h1>
  <input id="filter" type="search" placeholder="filter: text, event:tool-calls, verdict:failed, status:4xx, call:5c4d, path:, tool: (/)" aria-label="filter">
  <label><input id="follow" type="checkbox" checked> follow</label>
  <label><input id="group" type="checkbox"> group by call</label>
  <a id="export-jsonl" class="button" href="/api/export.jsonl" download>export JSONL</a>
  <a id="export-har" class="button" href="/api/export.har" download>export HAR</a>
  <button id="clear" type="button">clear</button>
  <button id="help-button" type="button" aria-label="keyboard help">?</button>
  <span id="connection" class="dim"></span>
</header>
<main>
  <section id="list" aria-label="requests"><table><tbody id="rows"></tbody></table><div id="empty" class="empty">Waiting for requests… send one with <code>hms-webhook send status-update</code>.</div></section>
  <section id="detail" aria-label="request"><div class="empty">Choose a request.</div></section>
</main>
<div id="help" hidden>
  <h2>Keyboard</h2>
  <table class="headers"><tbody>
    <tr><td>j / k</td><td>next / previous request</td></tr>
    <tr><td>r</td><td>re-send, re-signed</td></tr>
    <tr><td>e</td><td>edit and re-send</td></tr>
    <tr><td>c</td><td>copy as curl</td></tr>
    <tr><td>/</td><td>filter: free text, event:, verdict:, status:, call:, path:, tool: (as replay, verify and listen --filter)</td></tr>
    <tr><td>?</td><td>this help; Escape closes it</td></tr>
  </tbody></table>
</div>
<script nonce="NONCE">
(function () {
  'use strict';
  var requests = [];
  var selectedId = null;
  var detail = null;
  var $ = function (id) { return document.getElementById(id); };

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    if (attrs) Object.keys(attrs).forEach(function (name) {
      if (name === 'text') node.textContent = attrs.text;
      else if (name === 'className') node.className = attrs.className;
      else node.setAttribute(name, attrs[name]);
    });
    (children || []).forEach(function (child) { if (child) node.appendChild(typeof child === 'string' ? document.createTextNode(child) : child); });
    return node;
  }
  function api(method, path, body) {
    var init = { method: method, headers: {} };
    if (body !== undefined) { init.headers['content-type'] = 'application/json'; init.body = JSON.stringify(body); }
    return fetch(path, init).then(function (response) {
      if (response.status === 204) return null;
      return response.json();
    });
  }
  function ms(value) { return value < 10 ? value.toFixed(1) + ' ms' : Math.round(value) + ' ms'; }
  function seconds(value) { return (value / 1000).toFixed(value < 1000 ? 3 : 2) + ' s'; }
  function time(iso) { return iso.replace('T', ' ').replace(/\.\d+Z$/, ''); }

  // The filter box speaks the commands' one filter grammar: this is the very function replay, verify
  // and listen run (captures/filter.ts), put here when the page is served.
  var filterMatches = (FILTER_MATCHES);
  function matches(request) {
    return filterMatches($('filter').value, { event: request.event, callId: request.call_id, passed: request.passed, status: request.status, path: request.path, tools: request.tools, reason: request.reason });
  }
  function visible() {
    var shown = requests.filter(matches).slice().reverse();
    if (!$('group').checked) return shown;
    // Grouped: the events of one call together, in the order they came, the newest call first.
    var order = [];
    var byCall = {};
    shown.forEach(function (request) {
      var key = request.call_id || '(no call id)';
      if (!byCall[key]) { byCall[key] = []; order.push(key); }
      byCall[key].push(request);
    });
    var out = [];
    order.forEach(function (key) { out.push({ group: key }); byCall[key].slice().reverse().forEach(function (r) { out.push(r); }); });
    return out;
  }
  function renderList() {
    var rows = $('rows');
    rows.textContent = '';
    var shown = visible();
    $('empty').hidden = requests.length > 0;
    shown.forEach(function (item) {
      if (item.group) { rows.appendChild(el('tr', { className: 'group' }, [el('td', { colspan: '6', text: 'call ' + item.group })])); return; }
      var late = item.deadline_ms !== null && item.latency_ms > item.deadline_ms;
      var row = el('tr', { className: 'row' + (item.id === selectedId ? ' selected' : ''), 'data-id': String(item.id) }, [
        el('td', { className: 'dim', text: time(item.received_at).slice(11) }),
        el('td', { text: item.event || '?' }),
        el('td', { className: 'dim', text: item.dialect || '' }),
        el('td', { className: 'dim', text: item.call_id ? item.call_id.slice(0, 8) : '' }),
        el('td', { className: item.passed ? 'ok verdict' : 'bad verdict', text: item.passed ? 'passed' : 'failed' }),
        el('td', { className: late ? 'bad' : 'dim', text: item.status + ' · ' + ms(item.latency_ms) })
      ]);
      row.addEventListener('click', function () { select(item.id); });
      rows.appendChild(row);
    });
    var ids = shown.filter(function (item) { return !item.group; }).map(function (item) { return item.id; }).join(',');
    $('export-jsonl').setAttribute('href', '/api/export.jsonl?ids=' + ids);
    $('export-har').setAttribute('href', '/api/export.har?ids=' + ids);
  }

  function select(id) {
    selectedId = id;
    renderList();
    return api('GET', '/api/requests/' + id).then(function (value) {
      if (value && value.error) { $('detail').textContent = value.error; return; }
      detail = value;
      renderDetail();
    });
  }
  function move(step) {
    var shown = visible().filter(function (item) { return !item.group; });
    if (shown.length === 0) return;
    var index = shown.findIndex(function (item) { return item.id === selectedId; });
    var next = shown[Math.max(0, Math.min(shown.length - 1, index + step))];
    if (next) select(next.id);
  }

  // A JSON tree built from the raw text: numbers keep their digits, however many.
  function parseJson(text) {
    var at = 0;
    function space() { while (at < text.length && ' \t\r\n'.indexOf(text[at]) >= 0) at++; }
    function value() {
      space();
      var c = text[at];
      if (c === '{') {
        at++; var entries = []; space();
        if (text[at] === '}') { at++; return { type: 'object', entries: entries }; }
        for (;;) { space(); var key = string(); space(); if (text[at++] !== ':') throw new Error('expected :'); entries.push([key, value()]); space(); if (text[at] === ',') { at++; continue; } if (text[at++] === '}') return { type: 'object', entries: entries }; throw new Error('expected , or }'); }
      }
      if (c === '[') {
        at++; var items = []; space();
        if (text[at] === ']') { at++; return { type: 'array', items: items }; }
        for (;;) { items.push(value()); space(); if (text[at] === ',') { at++; continue; } if (text[at++] === ']') return { type: 'array', items: items }; throw new Error('expected , or ]'); }
      }
      if (c === '"') return { type: 'string', text: JSON.stringify(string()) };
      var m = /^(-?\d+(\.\d+)?([eE][+-]?\d+)?|true|false|null)/.exec(text.slice(at, at + 400));
      if (!m) throw new Error('unexpected ' + c);
      at += m[0].length;
      return { type: /^[-\d]/.test(m[0]) ? 'number' : 'literal', text: m[0] };
    }
    function string() {
      var start = at;
      if (text[at++] !== '"') throw new Error('expected a string');
      while (at < text.length && text[at] !== '"') at += text[at] === '\\' ? 2 : 1;
      at++;
      return JSON.parse(text.slice(start, at));
    }
    var result = value(); space();
    if (at < text.length) throw new Error('text after the document');
    return result;
  }
  function treeNode(node, label) {
    var head = label === null ? [] : [el('span', { className: 'key', text: label }), ': '];
    if (node.type === 'object' || node.type === 'array') {
      var children = node.type === 'object' ? node.entries.map(function (e) { return treeNode(e[1], JSON.stringify(e[0])); }) : node.items.map(function (item, i) { return treeNode(item, String(i)); });
      var size = node.type === 'object' ? '{' + node.entries.length + '}' : '[' + node.items.length + ']';
      var box = el('details', { open: '' }, [el('summary', null, head.concat([el('span', { className: 'dim', text: size })]))].concat(children));
      return box;
    }
    return el('div', null, head.concat([el('span', { className: node.type === 'string' ? 'str' : 'num', text: node.text })]));
  }
  function hexView(base64) {
    var bytes = atob(base64);
    var lines = [];
    var limit = Math.min(bytes.length, 16384);
    for (var offset = 0; offset < limit; offset += 16) {
      var hex = []; var ascii = '';
      for (var i = offset; i < Math.min(offset + 16, limit); i++) {
        var code = bytes.charCodeAt(i);
        hex.push((code < 16 ? '0' : '') + code.toString(16));
        ascii += code >= 32 && code < 127 ? bytes[i] : '.';
      }
      lines.push(('0000000' + offset.toString(16)).slice(-8) + '  ' + hex.join(' ') + '  ' + ascii);
    }
    if (bytes.length > limit) lines.push('… the first 16 KB of ' + bytes.length + ' bytes');
    return lines.join('\n');
  }

  function section(title, nodes) { return [el('h3', { text: title })].concat(nodes); }
  function renderDetail() {
    var d = detail;
    var box = $('detail');
    box.textContent = '';
    box.setAttribute('data-id', String(d.id));
    var deadline = d.deadline_ms === null ? 'the platform ignores this reply' : ms(d.latency_ms) + ' of the ' + seconds(d.deadline_ms) + ' deadline';
    box.appendChild(el('h2', null, [d.event || 'not a webhook', el('span', { className: 'dim', text: '  ' + (d.dialect || '') + '  #' + d.id })]));
    box.appendChild(el('div', { className: 'dim', text: time(d.received_at) + ' · ' + d.method + ' ' + d.path + (d.call_id ? ' · call ' + d.call_id : '') }));
    box.appendChild(el('div', { className: 'reason' + (d.passed ? ' passed' : ''), id: 'verdict' }, [
      el('strong', { className: d.passed ? 'ok' : 'bad', text: d.passed ? 'passed' : 'failed' }),
      d.reason ? ' — ' + d.reason : '',
      d.diagnosis ? el('div', { id: 'diagnosis', text: 'Why: ' + d.diagnosis }) : null
    ]));
    var actions = el('div', { className: 'actions' });
    [['resend', 're-send re-signed (r)'], ['edit', 'edit and re-send (e)'], ['as-captured', 're-send as captured'], ['copy-curl', 'copy as curl (c)'], ['copy-send', 'copy as hms-webhook send']].forEach(function (pair) {
      var button = el('button', { type: 'button', id: pair[0], text: pair[1] });
      actions.appendChild(button);
    });
    var target = el('input', { type: 'text', id: 'target', value: d.default_target, 'aria-label': 're-send to', size: '36' });
    actions.appendChild(target);
    box.appendChild(actions);
    box.appendChild(el('div', { id: 'editor', hidden: '' }, [el('textarea', { id: 'edit-body', 'aria-label': 'body to send' }), el('div', { className: 'actions' }, [el('button', { type: 'button', id: 'send-edited', text: 'send edited, re-signed' }), el('button', { type: 'button', id: 'cancel-edit', text: 'cancel' })])]));
    box.appendChild(el('pre', { id: 'action-result', hidden: '' }));
    if (d.errors.length || d.warnings.length) {
      section('schema', d.errors.map(function (f) { return el('div', { className: 'bad', text: '✗ ' + f.path + ': ' + f.message }); })
        .concat(d.warnings.map(function (f) { return el('div', { className: 'warn', text: '⚠ ' + f.path + ': ' + f.message }); })))
        .forEach(function (n) { box.appendChild(n); });
    }
    section('reply', [
      el('div', null, [el('strong', { className: d.reply.status < 300 ? 'ok' : 'bad', text: String(d.reply.status) }), '  ' + deadline + (d.forwarded_to ? ' · from ' + d.forwarded_to : '')]),
      d.outcome.length ? el('div', { id: 'outcome', className: 'dim', text: 'platform: ' + d.outcome.join(' ') }) : null,
      d.forward_hint ? el('div', { id: 'forward-hint', className: 'warn', text: '⚠ ' + d.forward_hint }) : null,
      d.not_forwarded ? el('div', { id: 'not-forwarded', className: 'dim', text: d.not_forwarded }) : null,
      el('pre', { text: d.reply.body || '(empty)' })
    ]).forEach(function (n) { if (n) box.appendChild(n); });
    var rows = Object.keys(d.headers).map(function (name) { return el('tr', null, [el('td', { text: name }), el('td', { text: d.headers[name] })]); });
    section('headers', [el('table', { className: 'headers' }, [el('tbody', null, rows)])]).forEach(function (n) { box.appendChild(n); });
    var tabs = el('div', { className: 'actions tabs' });
    var view = el('div', { id: 'body-view' });
    var show = function (kind) {
      Array.prototype.forEach.call(tabs.querySelectorAll('button'), function (b) { b.className = b.getAttribute('data-kind') === kind ? 'active' : ''; });
      view.textContent = '';
      if (kind === 'tree') {
        if (d.body_text === null) { view.appendChild(el('div', { className: 'dim', text: 'the body is not UTF-8 text: see raw or hex' })); return; }
        try { view.appendChild(el('div', { className: 'tree' }, [treeNode(parseJson(d.body_text), null)])); }
        catch (error) { view.appendChild(el('div', { className: 'dim', text: 'not JSON (' + error.message + '): see raw' })); }
      } else if (kind === 'raw') view.appendChild(el('pre', { text: d.body_text === null ? atob(d.body_base64) : d.body_text }));
      else view.appendChild(el('pre', { text: hexView(d.body_base64) }));
    };
    ['tree', 'raw', 'hex'].forEach(function (kind) {
      var b = el('button', { type: 'button', 'data-kind': kind, text: kind });
      b.addEventListener('click', function () { show(kind); });
      tabs.appendChild(b);
    });
    tabs.appendChild(el('a', { className: 'button', href: '/api/requests/' + d.id + '/body', download: 'request-' + d.id + '.body', text: 'download body (' + d.bytes + ' bytes)' }));
    section('body', [d.body_cut ? el('div', { className: 'warn', text: 'shown: the first 128 KB; download for the whole body' }) : null, tabs, view]).forEach(function (n) { if (n) box.appendChild(n); });
    show(d.body_text !== null && d.body_text.trim().charAt(0).match(/[[{]/) && !d.body_cut ? 'tree' : 'raw');
    $('resend').addEventListener('click', function () { resend({ resign: true }); });
    $('as-captured').addEventListener('click', function () { resend({ resign: false }); });
    $('edit').addEventListener('click', edit);
    $('send-edited').addEventListener('click', function () { resend({ resign: true, body: $('edit-body').value }); });
    $('cancel-edit').addEventListener('click', function () { $('editor').hidden = true; });
    $('copy-curl').addEventListener('click', function () { copy(d.curl); });
    $('copy-send').addEventListener('click', function () { copy(d.send); });
  }
  function edit() {
    if (!detail) return;
    $('editor').hidden = false;
    var text = detail.body_text === null ? '' : detail.body_text;
    try { text = JSON.stringify(JSON.parse(text), null, 2); } catch (error) { /* not JSON: edited as it is */ }
    $('edit-body').value = text;
    $('edit-body').focus();
  }
  function result(text, ok) {
    var out = $('action-result');
    out.hidden = false;
    out.className = ok ? 'ok' : 'bad';
    out.textContent = text;
  }
  function resend(options) {
    if (!detail) return;
    var body = { resign: options.resign, to: $('target').value };
    if (options.body !== undefined) body.body = options.body;
    result('sending…', true);
    api('POST', '/api/requests/' + detail.id + '/replay', body).then(function (r) {
      if (r.error) { result('✗ ' + r.error, false); return; }
      var lines = [(r.ok ? '✓ ' : '✗ ') + r.status + ' from ' + r.to + ' in ' + ms(r.latency_ms) + ' (' + (r.signed === 'resign' ? 're-signed' : r.signed) + ')'];
      r.checks.forEach(function (c) { if (c.severity !== 'pass') lines.push((c.severity === 'warning' ? '⚠ ' : '✗ ') + c.name + ': ' + c.message); });
      r.outcome.forEach(function (o) { lines.push('platform: ' + o); });
      if (r.reply) lines.push(r.reply);
      result(lines.join('\n'), r.ok);
    });
  }
  function copy(text) {
    result(text, true);
    if (navigator.clipboard) navigator.clipboard.writeText(text).catch(function () { /* shown above to copy by hand */ });
  }

  function add(summary) {
    if (requests.some(function (r) { return r.id === summary.id; })) return;
    requests.push(summary);
    renderList();
    if ($('follow').checked && matches(summary)) select(summary.id);
  }
  api('GET', '/api/requests').then(function (list) {
    requests = list;
    renderList();
    var stream = new EventSource('/api/stream');
    stream.addEventListener('request', function (message) { add(JSON.parse(message.data)); });
    stream.addEventListener('clear', function () { requests = []; selectedId = null; detail = null; $('detail').textContent = ''; renderList(); });
    stream.addEventListener('open', function () { $('connection').textContent = 'live'; });
    stream.addEventListener('error', function () { $('connection').textContent = 'reconnecting…'; });
  });

  $('filter').addEventListener('input', renderList);
  $('group').addEventListener('change', renderList);
  $('clear').addEventListener('click', function () { api('DELETE', '/api/requests', {}); });
  $('help-button').addEventListener('click', function () { $('help').hidden = !$('help').hidden; });
  document.addEventListener('keydown', function (event) {
    var typing = /^(INPUT|TEXTAREA)$/.test(document.activeElement.tagName);
    if (event.key === 'Escape') { $('help').hidden = true; if (typing) document.activeElement.blur(); return; }
    if (typing || event.ctrlKey || event.metaKey || event.altKey) return;
    var keys = { j: function () { move(1); }, k: function () { move(-1); }, r: function () { resend({ resign: true }); }, e: edit,
      c: function () { if (detail) copy(detail.curl); }, '/': function () { $('filter').focus(); }, '?': function () { $('help').hidden = !$('help').hidden; } };
    if (!Object.prototype.hasOwnProperty.call(keys, event.key)) return;
    // The key is a command: it must not also be typed into the field it focuses.
    event.preventDefault();
    keys[event.key]();
  });
})();
</script>
</body>
</html>
`;
