import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { benchCalls } from './calls.js';
import { benchForgeries } from './forgeries.js';
import { printRows, ROOT, type Row } from './measure.js';
import { benchListen } from './listen.js';
import { benchSend } from './send.js';
import { benchSoak } from './soak.js';
import { benchStartup } from './startup.js';
import { benchVerify } from './verify.js';

const benches: Record<string, () => Row[] | Promise<Row[]>> = {
  startup: benchStartup,
  send: benchSend,
  listen: benchListen,
  verify: benchVerify,
  soak: benchSoak,
  calls: benchCalls,
  forgeries: benchForgeries,
};

// `npm run bench -- verify listen` runs only those; no names runs them all.
const chosen = process.argv.slice(2);
const unknown = chosen.filter((name) => !(name in benches));
if (unknown.length > 0) throw new Error(`unknown bench ${unknown.join(', ')}; choose from ${Object.keys(benches).join(', ')}`);
const rows: Row[] = [];
for (const [name, bench] of Object.entries(benches)) if (chosen.length === 0 || chosen.includes(name)) rows.push(...(await bench()));
printRows(rows);
if (chosen.length === 0)
  writeFileSync(
    join(ROOT, 'bench', 'results.json'),
    `${JSON.stringify({ node: process.version, at: new Date().toISOString(), rows }, null, 2)}\n`,
  );
