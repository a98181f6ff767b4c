import { InputError } from '../errors.js';
import { readJsonInput } from '../input.js';
import { assistantOf } from '../platform/assistant-tools.js';
import { parseTarget } from '../sending/target.js';

// What `send`, `send call` and `tools check` read alike: `--assistant FILE` and `--route TOOL=URL`.

/** The assistant of `--assistant FILE`: an assistant-request reply ({assistant: …}) or the assistant object. */
export async function readAssistantFile(file: string, stdin: NodeJS.ReadableStream): Promise<Record<string, unknown>> {
  const { document } = await readJsonInput('--assistant', file, stdin);
  const assistant = assistantOf(document);
  if (assistant === undefined) {
    throw new InputError(
      `--assistant ${file}: neither an assistant-request reply with an assistant nor an assistant (no llm_config, tools or webhook_events)`,
    );
  }
  return assistant;
}

/** `--route TOOL=URL` (URL as --to takes it: :3001/tools, a port, a full URL), repeatable; the last one for a tool wins. */
export function parseRoutes(values: readonly string[]): Map<string, string> {
  const routes = new Map<string, string>();
  for (const value of values) {
    const eq = value.indexOf('=');
    if (eq <= 0 || eq === value.length - 1)
      throw new InputError(`--route ${JSON.stringify(value)}: write TOOL=URL, e.g. --route check_stock=http://localhost:3001/tools`);
    routes.set(value.slice(0, eq), parseTarget(value.slice(eq + 1), '--route').href);
  }
  return routes;
}
