import { type Dialect, keyIn } from '../platform/dialect.js';

export const FRAMEWORKS = ['express', 'fastify', 'hono', 'nextjs', 'fastapi', 'flask'] as const;
export type Framework = (typeof FRAMEWORKS)[number];
export type Language = 'ts' | 'js';

export interface ProjectOptions {
  framework: Framework;
  lang: Language;
  dialect: Dialect;
  /** The project's name (its folder's). */
  name: string;
}

export interface ProjectFile {
  path: string;
  content: string;
}

const PYTHON: readonly Framework[] = ['fastapi', 'flask'];

export function isPython(framework: Framework): boolean {
  return PYTHON.includes(framework);
}

/** Current majors that support Node 20 (checked against the registry when the templates were written). */
const FRAMEWORK_DEPENDENCIES: Record<Exclude<Framework, 'fastapi' | 'flask'>, Record<string, string>> = {
  express: { express: '^5.2.1' },
  fastify: { fastify: '^5.12.8' },
  hono: { hono: '^4.13.19', '@hono/node-server': '^2.1.9' },
  nextjs: { next: '^16.4.6', react: '^19.3.1', 'react-dom': '^19.3.1' },
};
const TYPESCRIPT_DEPENDENCIES: Record<string, string> = { typescript: '^5.9.3', '@types/node': '^20.19.43' };
const FRAMEWORK_TYPES: Partial<Record<Framework, Record<string, string>>> = {
  express: { '@types/express': '^5.0.6' },
  nextjs: { '@types/react': '^19.2.7' },
};

/**
 * The files of a new receiver: template sources (read with `read`, a path under fixtures/templates/)
 * with the dialect's key names and the project's names filled in, plus its package manifest.
 */
export function planProject(options: ProjectOptions, read: (template: string) => string): ProjectFile[] {
  const fill = (text: string) => fillTemplate(text, options);
  const file = (path: string, template: string): ProjectFile => ({ path, content: fill(read(template)) });
  const { framework, lang } = options;
  if (isPython(framework)) {
    return [
      file('app.py', `${framework}/app.py`),
      file('handlers.py', 'python/handlers.py'),
      file('requirements.txt', `${framework}/requirements.txt`),
      file('README.md', 'README.md'),
      { path: '.gitignore', content: '.venv/\n__pycache__/\n' },
    ];
  }
  const code = framework === 'nextjs' ? 'lib/' : '';
  const files = [
    framework === 'nextjs'
      ? file(`app/webhooks/route.${lang}`, `nextjs/app/webhooks/route.${lang}`)
      : file(`server.${lang}`, `${framework}/server.ts`),
    file(`${code}handlers.${lang}`, `node/handlers.${lang}`),
    file(`${code}secrets.${lang}`, 'node/secrets.ts'),
    file(`${code}verify.${lang}`, `node/verify.${lang}`),
    file('README.md', 'README.md'),
    { path: 'package.json', content: `${JSON.stringify(packageJson(options), null, 2)}\n` },
    { path: '.gitignore', content: `node_modules/\n${framework === 'nextjs' ? '.next/\nnext-env.d.ts\n' : ''}` },
  ];
  if (lang === 'ts') {
    const tsconfig = framework === 'nextjs' ? NEXT_TSCONFIG : TSCONFIG;
    files.push({ path: 'tsconfig.json', content: `${JSON.stringify(tsconfig, null, 2)}\n` });
  }
  return files;
}

const TSCONFIG = {
  compilerOptions: {
    target: 'ES2022',
    module: 'NodeNext',
    moduleResolution: 'NodeNext',
    strict: true,
    noEmit: true,
    skipLibCheck: true,
  },
};

/**
 * Next's own tsconfig, but strict: without one, `next build` writes it with strict off, where the
 * verified/refused union does not narrow and the route fails the build's type check.
 */
const NEXT_TSCONFIG = {
  compilerOptions: {
    target: 'ES2017',
    lib: ['dom', 'dom.iterable', 'esnext'],
    allowJs: true,
    skipLibCheck: true,
    strict: true,
    noEmit: true,
    incremental: true,
    module: 'esnext',
    esModuleInterop: true,
    moduleResolution: 'bundler',
    resolveJsonModule: true,
    isolatedModules: true,
    jsx: 'react-jsx',
    plugins: [{ name: 'next' }],
  },
  include: ['next-env.d.ts', '**/*.ts', '**/*.tsx', '.next/types/**/*.ts'],
  exclude: ['node_modules'],
};

function packageJson({ framework, lang, name }: ProjectOptions): Record<string, unknown> {
  const frameworkDependencies = FRAMEWORK_DEPENDENCIES[framework as keyof typeof FRAMEWORK_DEPENDENCIES];
  const typescript = lang === 'ts';
  const scripts =
    framework === 'nextjs'
      ? { start: 'next build && next start', dev: 'next dev' }
      : { start: typescript ? 'tsx server.ts' : 'node server.js', ...(typescript ? { typecheck: 'tsc' } : {}) };
  const devDependencies = typescript
    ? { ...(framework === 'nextjs' ? {} : { tsx: '^4.23.15' }), ...TYPESCRIPT_DEPENDENCIES, ...FRAMEWORK_TYPES[framework] }
    : {};
  return {
    name,
    private: true,
    type: 'module',
    engines: { node: '>=20.9' },
    scripts,
    // The receiver verifies with its own verify module: nothing of this CLI is needed at run time.
    dependencies: frameworkDependencies,
    ...(Object.keys(devDependencies).length > 0 ? { devDependencies } : {}),
  };
}

/**
 * `__tool_call_list__`-style markers become the dialect's key names (`toolCallList` in flireo), and
 * `__NAME__`-style ones the project's facts.
 */
export function fillTemplate(text: string, options: ProjectOptions): string {
  const python = isPython(options.framework);
  const facts: Record<string, string> = {
    NAME: options.name,
    FRAMEWORK: options.framework,
    DIALECT: options.dialect,
    INSTALL: python ? 'python3 -m venv .venv && . .venv/bin/activate\npip install -r requirements.txt' : 'npm install',
    RUN: python ? 'python app.py' : 'npm start',
    CALL_FLAGS: options.dialect === 'flireo' ? ' --dialect flireo' : '',
    HANDLERS_FILE: python ? 'handlers.py' : `${options.framework === 'nextjs' ? 'lib/' : ''}handlers.${options.lang}`,
    QUEUE_FILE: python ? 'handlers.py' : `${options.framework === 'nextjs' ? 'lib/' : ''}handlers.${options.lang}`,
  };
  return text
    .replace(/__([A-Z_]+)__/g, (marker, fact: string) => facts[fact] ?? marker)
    .replace(DIALECT_MARKER, (_, key: string) => keyIn(options.dialect, key));
}

/** The platform's keys the templates name; a plain `__name__` (Python's) is left alone. */
const DIALECT_MARKER = /__(tool_call_list|tool_call_id|first_message)__/g;
