import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import type { CommandContext } from '../../cli/command-context.js';
import { InputError, UsageError } from '../../errors.js';
import { whyUnreadable } from '../../input.js';
import { type Framework, isPython, planProject } from '../../init/project.js';
import { Reporter } from '../../output/reporter.js';
import { PACKAGE_ROOT } from '../../package-root.js';
import { INIT_WEBHOOK_PATH } from '../../defaults.js';
import type { InitOptions } from './command.js';

const DEFAULT_OUT = 'hms-webhook-receiver';

/** `init`: writes a receiver project, refusing to overwrite a file unless --force. */
export function runInit(framework: Framework, options: InitOptions, context: CommandContext): void {
  const { io } = context;
  if (isPython(framework) && options.lang === 'js') throw new UsageError(`--lang applies to the Node frameworks; ${framework} is Python`);
  const out = resolve(options.out ?? DEFAULT_OUT);
  const name =
    basename(out)
      .toLowerCase()
      .replace(/[^a-z0-9._-]+/g, '-') || 'receiver';
  const templates = new URL('fixtures/templates/', PACKAGE_ROOT);
  const files = planProject({ framework, lang: options.lang, dialect: options.dialect, name }, (template) =>
    readFileSync(new URL(template, templates), 'utf8'),
  );
  const taken = files.map((file) => join(out, file.path)).filter((path) => existsSync(path));
  if (taken.length > 0 && options.force !== true) {
    throw new InputError(
      `${taken[0]} is already there${taken.length > 1 ? ` (and ${taken.length - 1} more)` : ''}: choose another --out, or --force to overwrite`,
    );
  }
  for (const file of files) {
    const path = join(out, file.path);
    try {
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, file.content);
    } catch (error) {
      throw new InputError(`cannot write ${path}: ${whyUnreadable(error) ?? (error as Error).message}`);
    }
  }
  const reporter = new Reporter(io, { json: options.json === true, color: context.color() });
  const python = isPython(framework);
  const next = [
    `cd ${out}`,
    ...(python ? ['python3 -m venv .venv && . .venv/bin/activate', 'pip install -r requirements.txt'] : ['npm install']),
    'export HMS_WEBHOOK_SECRET=…',
    python ? 'python app.py' : 'npm start',
    `hms-webhook probe --to http://localhost:3000${INIT_WEBHOOK_PATH}`,
    `hms-webhook send call --to http://localhost:3000${INIT_WEBHOOK_PATH}${options.dialect === 'flireo' ? ' --dialect flireo' : ''}`,
  ];
  if (reporter.json) {
    reporter.record({
      type: 'project',
      framework,
      dialect: options.dialect,
      lang: python ? null : options.lang,
      out,
      files: files.map((file) => file.path),
      next,
    });
    return;
  }
  reporter.lines([
    `${reporter.style.bold(`${framework} receiver`)} in ${out} (${options.dialect}${python ? '' : `, ${options.lang}`}):`,
    ...files.map((file) => `  ${file.path}`),
    '',
    'Next:',
    ...next.map((line) => `  ${line}`),
  ]);
}
