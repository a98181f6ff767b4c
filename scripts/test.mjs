// Runs every compiled test file with node's test runner. The files are listed here because node reads
// its arguments differently across versions: 20 searches a folder given to it, 22 and 24 take each
// argument as a file or a glob (a folder alone is then "Cannot find module").
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';

const files = readdirSync('dist/test', { recursive: true, encoding: 'utf8' })
  .filter((file) => file.endsWith('.test.js'))
  .map((file) => `dist/test/${file}`)
  .sort();
const result = spawnSync(process.execPath, ['--test', '--test-reporter=spec', ...files, ...process.argv.slice(2)], { stdio: 'inherit' });
process.exit(result.status ?? 1);
