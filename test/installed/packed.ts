import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { nodeFirstOnPath, ROOT } from '../helpers.js';

const run = promisify(execFile);

export interface InstalledPackage {
  /** The global prefix it is installed into: `npm install --global` with `--prefix`. */
  prefix: string;
  /** Its bin, as a user's PATH finds it. */
  bin: string;
  /** Where the package itself is: its fixtures and templates are read from there. */
  root: string;
  /** Every file the tarball holds. */
  files: string[];
  /** The tarball itself. */
  tarball: string;
  /** What `npm install` of the tarball printed. */
  installOutput: { stdout: string; stderr: string };
}

/** The package as users get it: packed with `npm pack`, installed globally into a prefix inside `dir`. */
export async function installPacked(dir: string): Promise<InstalledPackage> {
  const packed = await run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', dir], { cwd: ROOT });
  const [manifest] = JSON.parse(packed.stdout) as { filename: string; files: { path: string }[] }[];
  const prefix = join(dir, 'prefix');
  const installOutput = await run(
    'npm',
    ['install', '--global', '--prefix', prefix, '--prefer-offline', '--no-audit', '--no-fund', join(dir, manifest!.filename)],
    { cwd: dir, env: { ...process.env, PATH: nodeFirstOnPath() } },
  );
  return {
    prefix,
    bin: join(prefix, 'bin/hms-webhook'),
    root: join(prefix, 'lib/node_modules/hms-webhook'),
    files: manifest!.files.map((file) => file.path),
    tarball: join(dir, manifest!.filename),
    installOutput,
  };
}
