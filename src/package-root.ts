import { existsSync, readFileSync } from 'node:fs';

/**
 * The installed package's folder (where package.json and fixtures/ are). Compiled modules sit at
 * different depths under dist/src, and bundled ones directly under dist/bundle, so it is searched upwards.
 */
export const PACKAGE_ROOT: URL = (() => {
  for (let up = new URL('./', import.meta.url); ; up = new URL('../', up)) {
    if (existsSync(new URL('package.json', up)) && existsSync(new URL('fixtures/', up))) return up;
    if (up.pathname === '/') throw new Error(`hms-webhook: no package folder above ${import.meta.url}`);
  }
})();

/** The installed package's version, from its package.json. */
export function packageVersion(): string {
  return (JSON.parse(readFileSync(new URL('package.json', PACKAGE_ROOT), 'utf8')) as { version: string }).version;
}
