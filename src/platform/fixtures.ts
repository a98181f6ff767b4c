import { readFileSync } from 'node:fs';
import { PACKAGE_ROOT } from '../package-root.js';
import { convertDialect, type Dialect } from './dialect.js';
import { InputError } from '../errors.js';
import { EVENTS, isEvent, type EventType } from './events.js';

/** Fixtures ship with the package, stored once in the hms dialect. */
const FIXTURES_DIR = new URL('fixtures/', PACKAGE_ROOT);

export type FixtureKind = 'payload' | 'reply';

export interface FixtureEntry {
  kind: FixtureKind;
  event: EventType;
  variant: string;
  description: string;
  /** The first variant of an event is the one `send <event>` uses. */
  isDefault: boolean;
}

type Manifest = Record<'payloads' | 'replies', Partial<Record<EventType, Record<string, string>>>> & { scenarios: Record<string, string> };

let manifest: Manifest | undefined;
/** Parsed fixture files, read once: `listen` answers from them on every request. */
const parsedFiles = new Map<string, unknown>();

function readManifest(): Manifest {
  manifest ??= JSON.parse(readFileSync(new URL('index.json', FIXTURES_DIR), 'utf8')) as Manifest;
  return manifest;
}

export function listFixtures(kind?: FixtureKind): FixtureEntry[] {
  const entries: FixtureEntry[] = [];
  for (const k of ['payload', 'reply'] as const) {
    if (kind !== undefined && k !== kind) continue;
    const byEvent = readManifest()[k === 'payload' ? 'payloads' : 'replies'];
    for (const event of EVENTS) {
      Object.entries(byEvent[event] ?? {}).forEach(([variant, description], index) => {
        entries.push({ kind: k, event, variant, description, isDefault: index === 0 });
      });
    }
  }
  return entries;
}

/** Finds `event` (its default variant) or `event/variant`; the error lists what exists. */
export function findFixture(name: string, kind: FixtureKind = 'payload'): FixtureEntry {
  const [event, variant, ...rest] = name.split('/');
  const all = listFixtures(kind);
  const what = kind === 'payload' ? 'fixture' : 'reply fixture';
  if (!isEvent(event) || rest.length > 0) {
    throw new InputError(
      `unknown ${what} ${JSON.stringify(name)}: start with an event (${EVENTS.join(', ')}); run \`hms-webhook fixtures\` to list them`,
    );
  }
  const ofEvent = all.filter((entry) => entry.event === event);
  if (ofEvent.length === 0) throw new InputError(`there are no ${what}s for ${event}`);
  const entry = variant === undefined || variant === '' ? ofEvent.find((e) => e.isDefault) : ofEvent.find((e) => e.variant === variant);
  if (entry === undefined) {
    throw new InputError(`unknown ${what} ${JSON.stringify(name)}: ${event} has ${ofEvent.map((e) => `${event}/${e.variant}`).join(', ')}`);
  }
  return entry;
}

/** The built-in call scenarios (fixtures/scenarios/), by name, with what each plays; the first is the default. */
export function listScenarios(): { name: string; description: string }[] {
  return Object.entries(readManifest().scenarios).map(([name, description]) => ({ name, description }));
}

/** Where a built-in scenario's file is; the error lists the names. */
export function scenarioPath(name: string): URL {
  const names = listScenarios().map((s) => s.name);
  if (!names.includes(name))
    throw new InputError(
      `unknown scenario ${JSON.stringify(name)}: the built-in ones are ${names.join(', ')}; or give your own with --scenario FILE`,
    );
  return new URL(`scenarios/${name}.json`, FIXTURES_DIR);
}

/** The fixture's JSON as a fresh object in the dialect asked for. */
export function loadFixture(
  name: string,
  options: { kind?: FixtureKind; dialect?: Dialect } = {},
): { entry: FixtureEntry; document: unknown } {
  const entry = findFixture(name, options.kind);
  const file = entry.kind === 'payload' ? `${entry.event}/${entry.variant}.json` : `replies/${entry.event}/${entry.variant}.json`;
  let hms = parsedFiles.get(file);
  if (hms === undefined) {
    hms = JSON.parse(readFileSync(new URL(file, FIXTURES_DIR), 'utf8')) as unknown;
    parsedFiles.set(file, hms);
  }
  // convertDialect always returns a new value, so callers may change what they get.
  return { entry, document: convertDialect(hms, 'hms', options.dialect ?? 'hms') };
}

/** A payload fixture as the platform would send it now: message.timestamp is the moment of sending. */
export function payloadToSend(name: string, dialect: Dialect = 'hms', now = new Date()): { entry: FixtureEntry; document: unknown } {
  const fixture = loadFixture(name, { dialect });
  (fixture.document as { message: { timestamp: string } }).message.timestamp = now.toISOString();
  return fixture;
}
