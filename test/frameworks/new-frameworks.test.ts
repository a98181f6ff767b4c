import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { jsonLines, ROOT, runCli, skipWithout } from '../helpers.js';
import { PYTHON, pythonHas, start } from '../init/started-receiver.js';

// Receivers in frameworks the init templates do not cover — plain PHP, aiohttp, Django — each correct
// once, then with the bugs people plant in them: every command passes the correct one with no false
// alarm, and each bug fails with the sentence that names it. Debian's php-cli, python3-aiohttp and
// python3-django (installed by .ci/run).

const SECRET = 'frameworks-secret-5d1e';
const HERE = join(ROOT, 'test', 'frameworks');

interface Framework {
  name: string;
  available(): Promise<boolean> | boolean;
  missing: string;
  command: [string, string[]];
}

const FRAMEWORKS: Framework[] = [
  {
    name: 'plain PHP',
    available: () => spawnSync('php', ['--version']).status === 0,
    missing: 'no php (apt-get install php-cli)',
    command: ['sh', ['-c', 'exec php -S "127.0.0.1:$PORT" receiver.php']],
  },
  {
    name: 'aiohttp',
    available: () => pythonHas('aiohttp'),
    missing: 'no aiohttp (apt-get install python3-aiohttp)',
    command: [PYTHON, ['receiver_aiohttp.py']],
  },
  {
    name: 'Django',
    available: () => pythonHas('django'),
    missing: 'no Django (apt-get install python3-django)',
    command: [PYTHON, ['receiver_django.py']],
  },
];

async function receiver(framework: Framework, bug = 'none') {
  return start(framework.command[0], framework.command[1], HERE, SECRET, { BUG: bug });
}

type Row = { case: string; verdict: string; note?: string };
const rowsOf = (stdout: string) => jsonLines(stdout).filter((line) => line.type === 'probe') as Row[];

describe('receivers in frameworks beyond init', () => {
  for (const framework of FRAMEWORKS) {
    it(`${framework.name}, correct: probe and send call pass it with no failed row`, async (t) => {
      if (!(await framework.available())) return skipWithout(t, framework.missing);
      const server = await receiver(framework);
      try {
        const probe = await runCli(['probe', '--to', server.url, '--secret', SECRET, '--json']);
        assert.equal(probe.code, 0, probe.stdout + probe.stderr + server.output());
        assert.deepEqual(
          rowsOf(probe.stdout).filter((row) => row.verdict === 'fail'),
          [],
        );
        const call = await runCli(['send', 'call', '--to', server.url, '--secret', SECRET]);
        assert.equal(call.code, 0, call.stdout + call.stderr);
      } finally {
        await server.stop();
      }
    });
  }

  const php = FRAMEWORKS[0]!;
  const aiohttp = FRAMEWORKS[1]!;
  const django = FRAMEWORKS[2]!;
  const planted: [Framework, string, (result: { stdout: string; stderr: string; code: number | null }) => void][] = [
    [php, 'reserialise', (r) => assert.match(r.stderr, /your receiver verifies a re-serialised copy of the body, not the raw bytes/)],
    [php, 'no-age', (r) => assert.equal(rowsOf(r.stdout).find((row) => row.case === 'timestamp 301 s old')?.verdict, 'fail')],
    [php, 'no-dot', (r) => assert.match(r.stderr, /401: it refused a correct signature — .*"<timestamp>\.<raw body>" with the dot\?/)],
    [php, 'accept-all', (r) => assert.equal(rowsOf(r.stdout).find((row) => row.case === 'wrong secret')?.verdict, 'fail')],
    [aiohttp, 'fail-open', (r) => assert.equal(rowsOf(r.stdout).find((row) => row.case === 'missing signature')?.verdict, 'fail')],
    [
      aiohttp,
      'lenient-timestamp',
      (r) => assert.equal(rowsOf(r.stdout).find((row) => row.case === 'timestamp with a fraction (N.0)')?.verdict, 'warn'),
    ],
    [
      aiohttp,
      'crash-drop',
      (r) =>
        assert.match(
          String(rowsOf(r.stdout).find((row) => row.case === 'short signature (sha256=abc)')?.note),
          /^no reply: the receiver closed the connection/,
        ),
    ],
    [django, 'csrf', (r) => assert.match(r.stderr, /403: a CSRF check refused it: the framework \(Django\?\) .*@csrf_exempt/)],
    [
      django,
      'slash',
      (r) => assert.match(r.stderr, /301: a redirect to \S*\/webhooks\/ \(a trailing slash added: Django's APPEND_SLASH\)/),
    ],
  ];
  const replies: [string, RegExp][] = [
    [
      'go-struct-reply',
      /Results is not results: keys are read as written, so the platform does not read this one \(in Go, tag the field `json:"results"`\)/,
    ],
    ['unwrapped-assistant', /name, first_message at the top level: the platform reads an assistant only inside "assistant"/],
  ];
  for (const [bug, sentence] of replies) {
    it(`aiohttp with the reply bug "${bug}": send call names it`, async (t) => {
      if (!(await aiohttp.available())) return skipWithout(t, aiohttp.missing);
      const server = await receiver(aiohttp, bug);
      try {
        const call = await runCli(['send', 'call', 'book-appointment', '--to', server.url, '--secret', SECRET]);
        assert.match(call.stdout, sentence);
      } finally {
        await server.stop();
      }
    });
  }
  for (const [framework, bug, named] of planted) {
    it(`${framework.name} with the bug "${bug}": probe names it`, async (t) => {
      if (!(await framework.available())) return skipWithout(t, framework.missing);
      const server = await receiver(framework, bug);
      try {
        const probe = await runCli(['probe', '--to', server.url, '--secret', SECRET, '--json']);
        if (bug !== 'lenient-timestamp') assert.equal(probe.code, 1, probe.stdout);
        named(probe);
      } finally {
        await server.stop();
      }
    });
  }
});
