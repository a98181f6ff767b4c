import { readFileSync } from 'node:fs';
import { PACKAGE_ROOT } from '../package-root.js';

/**
 * The inspector: one page, its style and script inline under a per-start nonce, nothing loaded from
 * elsewhere. The script is src/inspector/page/dom/main.ts, type-checked and bundled by the build into
 * dist/bundle/inspector-page.js. Everything that came from the wire is put in the page with
 * textContent, never as HTML.
 */
export function inspectorPage(nonce: string, keep: number): string {
  return PAGE.replaceAll('NONCE', nonce)
    .replace('KEEP', String(keep))
    .replace('SCRIPT', () => pageScript());
}

let script: string | undefined;

/** The bundled page script, read once; it must not end the element it is put in. */
function pageScript(): string {
  if (script === undefined) {
    const text = readFileSync(new URL('dist/bundle/inspector-page.js', PACKAGE_ROOT), 'utf8');
    if (/<\/script/i.test(text)) throw new Error('the inspector page script holds </script');
    script = text;
  }
  return script;
}

const PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="ui-keep" content="KEEP">
<title>hms-webhook inspector</title>
<link rel="icon" href="data:,">
<style nonce="NONCE">
:root { color-scheme: light dark; --bg: #fff; --fg: #1d2330; --dim: #4f5866; --line: #dfe3ea; --sel: #dce8fd; --ok: #11682d; --bad: #b3261e; --warn: #8a4b00; --code: #f3f4f7; --accent: #1a56c4; }
@media (prefers-color-scheme: dark) { :root { --bg: #15181e; --fg: #e6e8ec; --dim: #aab3c2; --line: #2b303a; --sel: #223250; --ok: #5bd08a; --bad: #ff8a80; --warn: #f0b44c; --code: #1c2027; --accent: #8ab0ff; } }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; background: var(--bg); color: var(--fg);
  display: grid; grid-template-columns: minmax(440px, 42%) 1fr; grid-template-rows: auto auto 1fr; grid-template-areas: "top tools" "count tools" "list detail"; height: 100vh; }
#top { grid-area: top; display: flex; gap: 8px; align-items: center; padding: 8px 12px 4px; }
#top h1 { font-size: 15px; margin: 0 8px 0 0; white-space: nowrap; }
#count { grid-area: count; padding: 0 12px 6px; color: var(--dim); font-size: 12px; border-bottom: 1px solid var(--line); }
#tools { grid-area: tools; display: flex; flex-wrap: wrap; gap: 8px; align-items: center; padding: 8px 12px; border-bottom: 1px solid var(--line); }
input[type=search], input[type=text] { font: inherit; padding: 4px 8px; border: 1px solid var(--line); border-radius: 6px; background: var(--bg); color: var(--fg); }
#filter { flex: 1 1 200px; min-width: 140px; }
button, a.button { font: inherit; padding: 4px 10px; border: 1px solid var(--line); border-radius: 6px; background: var(--code); color: var(--fg); cursor: pointer; text-decoration: none; }
button:hover, a.button:hover { border-color: var(--accent); }
:focus-visible { outline: 2px solid var(--accent); outline-offset: 1px; }
#list { grid-area: list; overflow: auto; border-right: 1px solid var(--line); }
#detail { grid-area: detail; overflow: auto; padding: 12px 16px; }
@media (max-width: 900px) { body { grid-template-columns: 1fr; grid-template-rows: auto auto auto auto auto; grid-template-areas: "top" "tools" "count" "list" "detail"; height: auto; } #list { max-height: 40vh; border-right: 0; } }
.row { display: grid; grid-template-columns: 5.2em minmax(7em, 1fr) 3.8em 5.6em 4.2em 7.4em; gap: 6px; padding: 5px 8px; border-bottom: 1px solid var(--line); cursor: pointer; align-items: baseline; }
.row > span { white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
.row > .why { grid-column: span 2; }
.row.resend { padding-left: 26px; font-size: 13px; }
.row.selected { background: var(--sel); }
.row.earlier .time::after { content: " ↺"; }
.call-heading { padding: 4px 8px; background: var(--code); color: var(--dim); font-size: 12px; }
.ok { color: var(--ok); } .bad { color: var(--bad); } .warn { color: var(--warn); } .dim { color: var(--dim); }
h2 { font-size: 16px; margin: 0 0 6px; } h3 { font-size: 13px; margin: 16px 0 6px; text-transform: uppercase; letter-spacing: .04em; color: var(--dim); }
.reason { padding: 8px 10px; border-radius: 6px; background: var(--code); border-left: 3px solid var(--bad); white-space: pre-wrap; word-break: break-word; }
.reason.passed { border-left-color: var(--ok); }
.earlier-note { margin: 6px 0; padding: 6px 10px; border-radius: 6px; background: var(--code); }
pre, .tree { background: var(--code); padding: 8px 10px; border-radius: 6px; overflow: auto; font: 12px/1.4 ui-monospace, SFMono-Regular, Menlo, monospace; white-space: pre-wrap; word-break: break-all; max-height: 60vh; }
table.headers { border-collapse: collapse; width: 100%; }
.headers td { padding: 3px 8px; border-bottom: 1px solid var(--line); font: 12px ui-monospace, monospace; word-break: break-all; vertical-align: top; }
.headers td:first-child { color: var(--dim); white-space: nowrap; }
.tabs button.active { border-color: var(--accent); }
.actions { display: flex; flex-wrap: wrap; gap: 6px; margin: 10px 0; }
textarea { width: 100%; min-height: 200px; font: 12px ui-monospace, monospace; background: var(--code); color: var(--fg); border: 1px solid var(--line); border-radius: 6px; padding: 8px; }
details { margin-left: 14px; } summary { cursor: pointer; }
.key { color: var(--accent); } .str { color: var(--ok); } .num { color: var(--warn); }
.attempt { padding: 6px 10px; margin: 4px 0; border-radius: 6px; background: var(--code); white-space: pre-wrap; word-break: break-word; font: 12px/1.4 ui-monospace, monospace; }
#help { position: fixed; inset: 60px 20% auto 20%; background: var(--bg); border: 1px solid var(--line); border-radius: 8px; padding: 16px; box-shadow: 0 8px 30px rgba(0,0,0,.25); }
.visually-hidden { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
[hidden] { display: none !important; }
.empty { padding: 24px; color: var(--dim); }
</style>
</head>
<body>
<div id="top">
  <h1>hms-webhook inspector</h1>
  <input id="filter" type="search" placeholder="filter: text, event:tool-calls, verdict:failed, status:4xx (/)" aria-label="filter requests" aria-describedby="count" aria-controls="list">
</div>
<div id="count" role="status"></div>
<div id="list" role="listbox" tabindex="0" aria-label="requests"><div id="rows"></div><div id="empty" class="empty">Waiting for requests… send one with <code>hms-webhook send status-update</code>.</div></div>
<div id="tools">
  <label><input id="follow" type="checkbox" checked> follow</label>
  <label><input id="group" type="checkbox"> group by call</label>
  <a id="export-jsonl" class="button" href="/api/export.jsonl" download>export JSONL</a>
  <a id="export-har" class="button" href="/api/export.har" download>export HAR</a>
  <button id="clear" type="button">clear</button>
  <button id="help-button" type="button" aria-label="keyboard help">?</button>
  <span id="connection" class="dim"></span>
</div>
<main id="detail" aria-label="request"><div class="empty">Choose a request.</div></main>
<div id="announce" class="visually-hidden" aria-live="polite"></div>
<div id="help" role="dialog" aria-label="keyboard help" hidden>
  <h2>Keyboard</h2>
  <table class="headers"><tbody>
    <tr><td>j / k, ↓ / ↑</td><td>next / previous request</td></tr>
    <tr><td>r</td><td>re-send, re-signed</td></tr>
    <tr><td>e</td><td>edit and re-send</td></tr>
    <tr><td>c</td><td>copy as curl</td></tr>
    <tr><td>/</td><td>filter: free text (also in headers and bodies), event:, verdict:, status:, call:, path:, tool: (as replay, verify and listen --filter); Enter goes to the first match, Escape back to the list</td></tr>
    <tr><td>?</td><td>this help; Escape closes it</td></tr>
  </tbody></table>
</div>
<script nonce="NONCE">SCRIPT</script>
</body>
</html>
`;
