import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import type { Readable, Writable } from 'node:stream';
import type { CommandContext } from '../../cli/command-context.js';
import { UsageError } from '../../errors.js';
import { createMcpServer } from '../../mcp/server.js';
import { packageVersion } from '../../package-root.js';
import { resolveSecrets } from '../../signing/secrets.js';
import type { McpOptions } from './command.js';

/** `mcp`: the server on stdin and stdout until the agent closes stdin; notes go to stderr. */
export async function runMcp(options: McpOptions, context: CommandContext): Promise<void> {
  const { io } = context;
  const note = (text: string) => io.stderr.write(`hms-webhook: ${text}\n`);
  const secrets = resolveSecrets({ ...(options.secretFile !== undefined ? { secretFile: options.secretFile } : {}) }, io.env, note);
  if (secrets.length === 0) note('no webhook secret (HMS_WEBHOOK_SECRET or --secret-file): events go unsigned and probe cannot run');
  const root = options.root ?? process.cwd();
  let mcp: ReturnType<typeof createMcpServer>;
  try {
    mcp = createMcpServer({ secrets, root, allowRemote: options.allowRemote === true, version: packageVersion(), clock: io.clock });
  } catch (error) {
    throw new UsageError(`--root ${root}: ${(error as Error).message}`);
  }
  const stdin = io.stdin as Readable;
  const closed = new Promise<void>((resolve) => {
    stdin.once('end', resolve);
    stdin.once('close', resolve);
  });
  // The protocol owns stdout: nothing else of this process writes there while it serves.
  await mcp.server.connect(new StdioServerTransport(stdin, process.stdout as Writable));
  await closed;
  // A listener the agent left running stops as at SIGTERM: what is in flight is answered and saved.
  await mcp.close();
}
