import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CommandUnknownOpts } from '@commander-js/extra-typings';

// The examples of README.md, docs/ and every --help, collected and run as a user types them: in a
// shell, in order, in a folder of their own, with the installed package's bin on PATH.

export interface Example {
  /** Where it is printed: `README.md`, `docs/send.md`, `send call --help`. */
  source: string;
  /** The text as printed (a `\`-continued line joined, a script block whole). */
  text: string;
}

/** A block of one document: run line by line, or whole when its lines share a job (`$!`, `until`). */
export interface Block {
  source: string;
  examples: Example[];
  script: boolean;
}

/** Each ```sh block of a Markdown text, its `\`-continued lines joined and comment-only lines dropped. */
export function shellBlocks(source: string, markdown: string): Block[] {
  return [...markdown.matchAll(/```sh\n([\s\S]*?)```/g)].map((match) => {
    const body = match[1]!;
    const lines = body
      .replace(/\\\n\s*/g, '')
      .split('\n')
      .filter((line) => line.trim() !== '' && !line.trimStart().startsWith('#'));
    const script = /\$!|\buntil\b/.test(body);
    return {
      source,
      script,
      examples: script ? [{ source, text: lines.join('\n') }] : lines.map((text) => ({ source, text })),
    };
  });
}

/** README.md first, then each page of docs/ in name order. */
export function documentBlocks(root: string): Block[] {
  const pages = readdirSync(join(root, 'docs'))
    .filter((name) => name.endsWith('.md'))
    .sort()
    .map((name) => `docs/${name}`);
  return ['README.md', ...pages].flatMap((page) => shellBlocks(page, readFileSync(join(root, page), 'utf8')));
}

/** The `$ …` lines of a --help text, each without the description that follows two spaces. */
export function helpExamples(source: string, help: string): Example[] {
  return help
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line.startsWith('$ '))
    .map((line) => ({ source, text: line.slice(2).split(/ {2,}/)[0]!.trim() }));
}

/** Every command's path, the program itself first: `[]`, `['send']`, `['send', 'call']`, … */
export function commandPaths(program: CommandUnknownOpts): string[][] {
  const paths: string[][] = [[]];
  const walk = (command: CommandUnknownOpts, prefix: string[]) => {
    for (const sub of command.commands) {
      paths.push([...prefix, sub.name()]);
      walk(sub, [...prefix, sub.name()]);
    }
  };
  walk(program, []);
  return paths;
}

export interface Job {
  /** SIGTERM to its process group (unless it ended); resolves to its exit code. */
  stop(): Promise<number | null>;
}

export interface Shell {
  /** Runs one line as a user would at a prompt: `cd` and `export` carry over to the next line. */
  run(line: string, timeoutMs: number): Promise<{ code: number | null; output: string }>;
  /** Starts a line (its `&` dropped) and resolves once its output matches `ready`. */
  background(line: string, ready: RegExp): Promise<Job>;
  /** Stops what `background` started (SIGTERM to each job's process group) and returns each exit code. */
  stopJobs(): Promise<(number | null)[]>;
}

/** A shell session in `cwd`: each line a `bash -c`, its working folder and exports kept in `state`. */
export function shellSession(cwd: string, state: string, env: NodeJS.ProcessEnv): Shell {
  mkdirSync(state, { recursive: true });
  const jobs: Job[] = [];
  const cwdFile = join(state, 'cwd');
  const envFile = join(state, 'env');
  const prelude = () =>
    [
      existsSync(envFile) ? `. ${JSON.stringify(envFile)}` : '',
      `cd ${JSON.stringify(existsSync(cwdFile) ? readFileSync(cwdFile, 'utf8').trim() : cwd)}`,
    ].join('\n');
  const spawnLine = (script: string) => spawn('bash', ['-c', script], { cwd, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  const collect = (child: ChildProcess, onText: (text: string) => void) => {
    let text = '';
    const add = (chunk: Buffer) => {
      text += chunk.toString('utf8');
      onText(text);
    };
    child.stdout!.on('data', add);
    child.stderr!.on('data', add);
    return () => text;
  };
  return {
    run(line, timeoutMs) {
      const child = spawnLine(
        `${prelude()}\nset -o pipefail\n${line}\nstatus=$?\npwd > ${JSON.stringify(cwdFile)}\nexport -p > ${JSON.stringify(envFile)}\nexit $status`,
      );
      const output = collect(child, () => undefined);
      // A command that never ends fails its example with what it printed, instead of holding the suite.
      const timer = setTimeout(() => process.kill(-child.pid!, 'SIGKILL'), timeoutMs);
      return new Promise((resolve) =>
        child.once('close', (code) => {
          clearTimeout(timer);
          resolve({ code, output: output() });
        }),
      );
    },
    background(line, ready) {
      // One simple command, exec'd (its redirections kept): a signal reaches the command itself.
      const child = spawnLine(`${prelude()}\nexec ${line.replace(/&\s*(#.*)?$/, '')}`);
      const closed = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
      const job: Job = {
        stop: async () => {
          if (child.exitCode === null && child.signalCode === null) process.kill(-child.pid!, 'SIGTERM');
          return closed;
        },
      };
      jobs.push(job);
      return new Promise((resolve, reject) => {
        const output = collect(child, (text) => {
          if (ready.test(text)) resolve(job);
        });
        closed.then((code) => reject(new Error(`\`${line}\` exited (${code}) before it was ready: ${output()}`)));
      });
    },
    async stopJobs() {
      const codes: (number | null)[] = [];
      for (const job of jobs.splice(0)) codes.push(await job.stop());
      return codes;
    },
  };
}
