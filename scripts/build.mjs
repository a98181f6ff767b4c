// Compiles with tsc, then bundles the CLI: one entry with lazily loaded chunks, so a cold start reads a
// few files instead of a hundred modules. dist/ is cleared first so that no module or chunk of an older
// layout lingers (or is picked up by the test runner).
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { build } from 'esbuild';
import { rollup } from 'rollup';
import { dts } from 'rollup-plugin-dts';

const require = createRequire(import.meta.url);
rmSync(new URL('../dist/', import.meta.url), { recursive: true, force: true });
execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', 'tsconfig.json'], { stdio: 'inherit' });
execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', 'tsconfig.page.json'], { stdio: 'inherit' });
const BANNER = "import{createRequire as __createRequire}from'node:module';const require=__createRequire(import.meta.url);";
const common = {
  bundle: true,
  mainFields: ['module', 'main'],
  // extra-typings only adds types; at run time it is commander itself.
  alias: { '@commander-js/extra-typings': 'commander' },
  format: 'esm',
  platform: 'node',
  target: 'node20',
  minify: true,
  legalComments: 'none',
  outdir: 'dist/bundle',
  logLevel: 'warning',
  // Bundled CommonJS dependencies call require(); an ES module has none of its own.
  banner: { js: BANNER },
};
// Three builds: the workers of `verify` and of the listener's diagnoses are each bundled whole on their own, so that the modules it shares with
// the CLI do not become chunks of their own that every start of the CLI would load.
const builds = [
  await build({ ...common, entryPoints: { cli: 'dist/src/cli/main.js' }, splitting: true, metafile: true }),
  await build({ ...common, entryPoints: { 'verify-worker': 'dist/src/commands/verify/verify-worker.js' }, metafile: true }),
  await build({ ...common, entryPoints: { 'signature-worker': 'dist/src/receiving/signature-worker.js' }, metafile: true }),
];

// The inspector page's script, for a browser: served inline under the page's nonce (inspector/page.ts).
await build({
  entryPoints: ['src/inspector/page/dom/main.ts'],
  bundle: true,
  format: 'iife',
  platform: 'browser',
  target: ['chrome110', 'firefox110', 'safari16'],
  minify: true,
  legalComments: 'none',
  outfile: 'dist/bundle/inspector-page.js',
  logLevel: 'warning',
});

// The processor that `send load --emit artillery` writes into a project: one CommonJS file that Artillery
// requires, holding the same reply checks as `send`. Not minified, so that a user can read what runs;
// it reads the project's payloads.json next to it at run time.
await build({
  ...common,
  stdin: {
    contents: [
      "const processor = require('./dist/src/sending/artillery-processor.js');",
      "module.exports = { ...processor.createProcessor(require('./payloads.json')), signatureOf: processor.signatureOf };",
    ].join('\n'),
    resolveDir: '.',
    sourcefile: 'artillery-processor-entry.js',
  },
  external: ['./payloads.json'],
  format: 'cjs',
  minify: false,
  banner: {
    js: '// Written by hms-webhook (`send load --emit artillery`): the Artillery processor for webhooks of the HMS Sovereign platform\n// (also VoiceDock and Flireo). It signs each request at send time with HMS_WEBHOOK_SECRET and judges each reply as `send` does.',
  },
  outdir: undefined,
  outfile: 'dist/bundle/artillery-processor.cjs',
});

// Bundled, `await import()` of a CommonJS package resolves to a module whose only export is `default`:
// `const { request } = await import('undici')` is then undefined at run time, while tsc's output (whose
// imports Node resolves itself) works. Such an import fails the build; import the package statically in
// a module that is itself imported lazily.
const dynamicImportsOfCommonJs = builds.flatMap(({ metafile }) =>
  Object.entries(metafile.inputs).flatMap(([importer, input]) =>
    input.imports
      .filter((target) => target.kind === 'dynamic-import' && metafile.inputs[target.path]?.format === 'cjs')
      .map((target) => `${importer}: import('${target.original ?? target.path}') of CommonJS ${target.path}`),
  ),
);
if (dynamicImportsOfCommonJs.length > 0) {
  console.error(
    `build: a dynamic import() of a CommonJS package, whose named exports are lost when bundled:\n  ${dynamicImportsOfCommonJs.join('\n  ')}`,
  );
  process.exit(1);
}

// The CLI's metafile, outside the package: a test reads from it which chunks each command loads.
mkdirSync('dist/meta', { recursive: true });
writeFileSync('dist/meta/cli.json', JSON.stringify(builds[0].metafile));

// The banner costs a load of node:module in every chunk; most chunks never call require, so theirs goes.
for (const name of readdirSync('dist/bundle')) {
  const file = `dist/bundle/${name}`;
  const text = readFileSync(file, 'utf8');
  if (text.startsWith(BANNER) && !/\brequire\b/.test(text.slice(BANNER.length))) writeFileSync(file, text.slice(BANNER.length));
}

// The library, bundled like the CLI so that it needs no package at run time: an ES module (with the
// listener's signature worker beside it, where it looks for it) and a CommonJS one for require().
const library = { ...common, minify: false, outdir: 'dist/lib' };
await build({ ...library, entryPoints: { index: 'dist/src/index.js', 'signature-worker': 'dist/src/receiving/signature-worker.js' } });
await build({
  ...library,
  format: 'cjs',
  outdir: undefined,
  entryPoints: ['dist/src/index.js'],
  outfile: 'dist/lib/index.cjs',
  // A CommonJS module has no import.meta: its URL is made from __filename.
  define: { 'import.meta.url': 'importMetaUrl' },
  banner: { js: "const importMetaUrl = require('node:url').pathToFileURL(__filename).href;" },
});
// Its types in one file, the same for both: they name only zod's schema types and Node's.
const types = await rollup({ input: 'dist/src/index.d.ts', plugins: [dts()], external: [/^node:/, /^zod/] });
await types.write({ file: 'dist/lib/index.d.ts', format: 'es' });
copyFileSync('dist/lib/index.d.ts', 'dist/lib/index.d.cts');
