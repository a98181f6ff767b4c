import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { printRows, ROOT, type Row } from './measure.js';
import { benchListen } from './listen.js';
import { benchSend } from './send.js';
import { benchStartup } from './startup.js';

const rows: Row[] = [...benchStartup(), ...(await benchSend()), ...(await benchListen())];
printRows(rows);
writeFileSync(join(ROOT, 'bench', 'results.json'), `${JSON.stringify({ node: process.version, at: new Date().toISOString(), rows }, null, 2)}\n`);
