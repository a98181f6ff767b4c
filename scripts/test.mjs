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
// A test that leaves a server or child open fails on its own, never holds the run: each file's process
// exits once its tests are done, and no single test may take ten minutes.
const result = spawnSync(
  process.execPath,
  ['--test', '--test-force-exit', '--test-timeout=600000', '--test-reporter=spec', ...files, ...args],
  { stdio: 'inherit' },
);
process.exit(result.status ?? 1);
