import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import ts from 'typescript';
import { ROOT } from '../helpers.js';

// The commands are faces over the engine: short functions that parse flags, call it and render.
const COMMANDS = join(ROOT, 'src/commands');
const MAX_LINES = 60;

const sources = readdirSync(COMMANDS, { recursive: true, encoding: 'utf8' })
  .filter((file) => file.endsWith('.ts'))
  .map((file) => file.replaceAll('\\', '/'));

function parsed(file: string): ts.SourceFile {
  return ts.createSourceFile(file, readFileSync(join(COMMANDS, file), 'utf8'), ts.ScriptTarget.Latest, true);
}

/** Every function of a file longer than the limit: `file:line name (N lines)`. */
function longFunctions(file: string): string[] {
  const source = parsed(file);
  const found: string[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isFunctionDeclaration(node) || ts.isArrowFunction(node) || ts.isMethodDeclaration(node) || ts.isFunctionExpression(node)) {
      const first = source.getLineAndCharacterOfPosition(node.getStart()).line;
      const last = source.getLineAndCharacterOfPosition(node.getEnd()).line;
      const name = 'name' in node && node.name !== undefined ? node.name.getText() : '(anonymous)';
      if (last - first + 1 > MAX_LINES) found.push(`${file}:${first + 1} ${name} (${last - first + 1} lines)`);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

/** The modules a file imports, statically or with import(). */
function importsOf(file: string): string[] {
  const found: string[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node) && ts.isStringLiteral(node.moduleSpecifier)) found.push(node.moduleSpecifier.text);
    if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword && ts.isStringLiteral(node.arguments[0]!))
      found.push(node.arguments[0].text);
    ts.forEachChild(node, visit);
  };
  visit(parsed(file));
  return found;
}

const isRunner = (path: string) => /(^|\/)run(-[\w-]+)?\.(ts|js)$/.test(path);

describe('the commands are thin faces', () => {
  it(`no function under src/commands is longer than ${MAX_LINES} lines (the declarations in command.ts aside)`, () => {
    const long = sources.filter((file) => !file.endsWith('command.ts')).flatMap(longFunctions);
    assert.deepEqual(long, []);
  });

  it('no runner imports another runner', () => {
    const crossing = sources.filter(isRunner).flatMap((file) =>
      importsOf(file)
        .filter((target) => target.startsWith('.') && isRunner(target))
        .map((target) => `${file} → ${target}`),
    );
    assert.deepEqual(crossing, []);
  });
});
