// Runs the compiled test files with node's test runner. The files are listed here because node reads
// its arguments differently across versions: 20 searches a folder given to it, 22 and 24 take each
// argument as a file or a glob (a folder alone is then "Cannot find module").
// `--quick` leaves out the slow layers (the init templates' installs and builds, the installed
// package, Artillery and the browser): the edit-test loop; `npm test` runs everything.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';

const SLOW = [
  'init/templates.test.js',
  'installed/installed.test.js',
  'examples/run-examples.test.js',
  'mcp/mcp.test.js',
  'commands/send-emit.test.js',
  'inspector/browser.test.js',
];
const quick = process.argv.includes('--quick');
const files = readdirSync('dist/test', { recursive: true, encoding: 'utf8' })
  .filter((file) => file.endsWith('.test.js'))
  .filter((file) => !quick || !SLOW.includes(file.replaceAll('\\', '/')))
  .map((file) => `dist/test/${file}`)
  .sort();
const args = process.argv.slice(2).filter((arg) => arg !== '--quick');
// No single test may take ten minutes, and the whole run gets 25: a test that leaves a server or a child
// open keeps its file's process, and with it the run, waiting; the run is then ended with a line that
// says so, instead of holding CI until its own limit. (--test-force-exit is not used: on Node 20 it can
// end a file's process before its last results are reported.)
const RUN_LIMIT_MS = 25 * 60 * 1000;
const result = spawnSync(process.execPath, ['--test', '--test-timeout=600000', '--test-reporter=spec', ...files, ...args], {
  stdio: 'inherit',
  timeout: RUN_LIMIT_MS,
  killSignal: 'SIGKILL',
});
if (result.error?.code === 'ETIMEDOUT') {
  console.error(`npm test: the run did not end within ${RUN_LIMIT_MS / 60000} minutes: a test left a server or a child process open`);
  process.exit(1);
}
process.exit(result.status ?? 1);
