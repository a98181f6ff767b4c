import { type Dialect, keyIn } from './dialect.js';
import { EVENTS, type EventType, isEvent } from './events.js';
import { asObject } from './schemas/common.js';
import { InputError } from '../errors.js';
import { isHttpUrl, isLoopbackUrl } from '../sending/target.js';

// The tools of an assistant as the platform reads them from `llm_config.tools`: the documented flat
// form ({name, description, url, async, message | async_response, parameters}) and the nested
// OpenAI-style form ({type: "function", function: {name, description, parameters}, server: {url, secret}}).

/** A webhook tool of the assistant, in one shape whichever form it was written in. */
export interface AssistantTool {
  name: string;
  description: string | undefined;
  /** The JSON Schema of its arguments, when it has one. */
  parameters: unknown;
  /** Its own webhook URL: the flat `url`, else `server.url` (the SDK's types: `url` wins), first in the platform's precedence. */
  url: string | undefined;
  /** `server.secret`: what its tool-calls are signed with instead of the assistant's secret. */
  secret: string | undefined;
  async: boolean;
  /** What the assistant says when it calls an async tool (`message`, or the older `async_response`). */
  message: string | undefined;
  /** Where it is in the assistant, for messages: `llm_config.tools[1]`. */
  place: string;
  /** The MCP server whose tool it is (`{type: "mcp", mcp_server_id, allowed_tools}`): the platform calls it, no webhook. */
  mcpServer?: string;
}

/** Tools the platform runs itself: they never reach a webhook (an MCP server's tools are read by mcpToolsOf). */
const BUILT_IN_TYPES = new Set(['transfer_call', 'transferCall', 'end_call', 'endCall', 'mcp']);

/** The name rule of the platform's tool templates. */
export const TOOL_NAME_RULE = /^[A-Za-z_][A-Za-z0-9_-]{0,63}$/;

/** The assistant a document holds: an assistant-request reply ({assistant: …}), or the assistant itself. */
export function assistantOf(document: unknown): Record<string, unknown> | undefined {
  const object = asObject(document);
  if (object === undefined) return undefined;
  const transient = asObject(object.assistant);
  if (transient !== undefined) return transient;
  const override = asObject(object.assistant_override ?? object.assistantOverride);
  if (override !== undefined) return override;
  if ('llm_config' in object || 'tools' in object || 'webhook_events' in object || 'webhookEvents' in object) return object;
  return undefined;
}

/** A tool a payload calls that no assistant at hand defines: no schema, no route of its own. */
export function undeclaredTool(name: string): AssistantTool {
  return {
    name,
    description: undefined,
    parameters: undefined,
    url: undefined,
    secret: undefined,
    async: false,
    message: undefined,
    place: name,
  };
}

/** The webhook tools of an assistant, in order; built-in tools (transfer, end call) are left out. */
export function toolsOf(assistant: Record<string, unknown> | undefined): AssistantTool[] {
  const list = asObject(assistant?.llm_config)?.tools;
  if (!Array.isArray(list)) return [];
  const tools: AssistantTool[] = [];
  list.forEach((entry, index) => {
    const tool = asObject(entry);
    if (tool === undefined || (typeof tool.type === 'string' && BUILT_IN_TYPES.has(tool.type))) return;
    const nested = asObject(tool.function);
    const definition = nested ?? tool;
    const server = asObject(tool.server);
    const text = (value: unknown) => (typeof value === 'string' ? value : undefined);
    tools.push({
      name: text(definition.name) ?? '',
      description: text(definition.description),
      parameters: definition.parameters,
      url: text(tool.url) ?? text(server?.url),
      secret: text(server?.secret),
      async: tool.async === true,
      message: text(tool.message) ?? text(tool.async_response) ?? text(tool.asyncResponse),
      place: `llm_config.tools[${index}]`,
    });
  });
  return tools;
}

/** The tools of the assistant's MCP servers (`allowed_tools` of each `{type: "mcp"}` entry): called by the platform itself. */
export function mcpToolsOf(assistant: Record<string, unknown> | undefined): AssistantTool[] {
  const list = asObject(assistant?.llm_config)?.tools;
  if (!Array.isArray(list)) return [];
  return list.flatMap((entry, index) => {
    const tool = asObject(entry);
    if (tool?.type !== 'mcp') return [];
    const server = String(tool.mcp_server_id ?? tool.mcpServerId ?? 'unnamed');
    const allowed = tool.allowed_tools ?? tool.allowedTools;
    return (Array.isArray(allowed) ? allowed : [])
      .filter((name): name is string => typeof name === 'string')
      .map((name) => ({ ...undeclaredTool(name), place: `llm_config.tools[${index}]`, mcpServer: server }));
  });
}

/** Every tool a tool call may name, webhook tools and MCP tools alike: what routing looks names up in. */
export function callableToolsOf(assistant: Record<string, unknown> | undefined): AssistantTool[] {
  return [...toolsOf(assistant), ...mcpToolsOf(assistant)];
}

/** A copy of the assistant without its secrets (webhook_secret, each tool's server.secret): what is echoed in events. */
export function withoutSecrets(assistant: Record<string, unknown>): Record<string, unknown> {
  const copy = structuredClone(assistant);
  delete copy.webhook_secret;
  delete copy.webhookSecret;
  const tools = asObject(copy.llm_config)?.tools;
  if (Array.isArray(tools)) for (const tool of tools) delete asObject(asObject(tool)?.server)?.secret;
  return copy;
}

/** The events the assistant's `webhook_events` lists; undefined when it lists none (every event is sent). */
export function webhookEventsOf(assistant: Record<string, unknown> | undefined, dialect: Dialect): EventType[] | undefined {
  const listed = assistant?.[keyIn(dialect, 'webhook_events')] ?? assistant?.webhook_events;
  if (!Array.isArray(listed)) return undefined;
  return EVENTS.filter((event) => listed.includes(event));
}

/** Why an event is not sent to this assistant's receiver, or undefined when it is. */
export function notSentReason(event: EventType, assistant: Record<string, unknown> | undefined, dialect: Dialect): string | undefined {
  const listed = webhookEventsOf(assistant, dialect);
  if (listed === undefined || listed.includes(event)) return undefined;
  return `not sent: the assistant's ${keyIn(dialect, 'webhook_events')} does not list ${event}`;
}

/** The unknown names in a `webhook_events` list (the platform documents four). */
export function unknownWebhookEvents(assistant: Record<string, unknown> | undefined, dialect: Dialect): string[] {
  const listed = assistant?.[keyIn(dialect, 'webhook_events')];
  return Array.isArray(listed) ? listed.filter((event) => !isEvent(event)).map(String) : [];
}

/** What is wrong with a tool's definition, as the platform's templates require it; empty when nothing is. */
export function toolProblems(tool: AssistantTool): string[] {
  const problems: string[] = [];
  if (!TOOL_NAME_RULE.test(tool.name)) {
    problems.push(`name ${JSON.stringify(tool.name)}: use letters, digits, _ and -, at most 64, starting with a letter or _`);
  }
  if (tool.description === undefined || tool.description.trim() === '')
    problems.push('no description: the model reads it to choose the tool');
  if (tool.parameters !== undefined) {
    const schema = asObject(tool.parameters);
    if (schema === undefined || schema.type !== 'object')
      problems.push('parameters must be a JSON Schema of type "object" (the arguments are an object)');
    else if (schema.properties !== undefined && asObject(schema.properties) === undefined)
      problems.push('parameters.properties must be an object');
  }
  if (tool.async && (tool.message === undefined || tool.message.trim() === ''))
    problems.push('async without a message: the caller hears nothing while it runs (give message)');
  if (tool.url !== undefined && !isHttpUrl(tool.url)) problems.push(`url ${JSON.stringify(tool.url)} is not an http(s) URL`);
  return problems;
}

/** Where a tool's calls go: `--route` first (for local runs), then the tool's own URL, then the receiver. */
export interface ToolRoute {
  url: string;
  /** `--route`, `tool url` or `receiver` (the assistant's webhook, which --to stands for). */
  source: 'route' | 'tool' | 'receiver';
  /** The tool's own secret; undefined means the assistant's. */
  secret: string | undefined;
  /** Why its calls are not sent: the tool's own URL is off this machine and remote tools were not allowed. */
  refused?: string;
}

/** Whether a route is the tool's own (its URL, --route or its secret) rather than plainly the receiver's. */
export function isOwnRoute(route: ToolRoute): boolean {
  return route.source !== 'receiver' || route.secret !== undefined;
}

/** Where a route came from, in words: `--route`, `its own url`, `the assistant webhook`. */
export function routeSourceText(source: ToolRoute['source']): string {
  return source === 'route' ? '--route' : source === 'tool' ? 'its own url' : 'the assistant webhook';
}

/**
 * Where a tool's calls go. A tool's own URL comes from a file or a receiver's reply, not from the
 * user: off this machine it is refused unless `allowRemote` (--allow-remote-tools), so a hostile
 * assistant cannot have a request signed with the user's secret sent to a host of its choosing.
 */
export function routeOf(
  tool: AssistantTool | undefined,
  routes: ReadonlyMap<string, string>,
  receiver: string,
  allowRemote = false,
): ToolRoute {
  const secret = tool?.secret;
  if (tool?.mcpServer !== undefined)
    return {
      url: receiver,
      source: 'receiver',
      secret,
      refused: `not sent: ${tool.name} is a tool of MCP server ${tool.mcpServer}, which the platform calls itself: no webhook`,
    };
  const override = tool !== undefined ? routes.get(tool.name) : undefined;
  if (override !== undefined) return { url: override, source: 'route', secret };
  if (tool?.url !== undefined) {
    const route: ToolRoute = { url: tool.url, source: 'tool', secret };
    return allowRemote || isLoopbackUrl(tool.url) ? route : { ...route, refused: remoteToolRefusal(tool.name, tool.url) };
  }
  return { url: receiver, source: 'receiver', secret };
}

/** A URL's host (never its credentials), for messages. */
function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return 'a host that is not a URL';
  }
}

function remoteToolRefusal(name: string, url: string): string {
  return `not sent: ${name}'s own URL is on ${hostOf(url)}, off this machine (a signed request for a host you did not name); --route ${name}=URL to call a local one, or --allow-remote-tools to call it`;
}

/**
 * What is said of a route before anything is sent: why it is refused, or, for a tool's own URL off
 * this machine (--allow-remote-tools), what its requests are signed with. Undefined for the others.
 */
export function routeNote(route: ToolRoute, tools: readonly string[]): string | undefined {
  if (route.refused !== undefined) return route.refused;
  if (route.source !== 'tool' || isLoopbackUrl(route.url)) return undefined;
  const signer = route.secret !== undefined ? "the tool's own server.secret" : 'your secret (the tool has no server.secret of its own)';
  return `note: calling ${tools.join(', ')} at ${hostOf(route.url)}, off this machine (--allow-remote-tools), signed with ${signer}`;
}

/**
 * Of things to send by route (tool-call parts, tools), those that may be: each refused one is said
 * with why, each one off this machine with what signs it. None left is an InputError.
 */
export function sendableByRoute<T>(
  items: readonly T[],
  routed: (item: T) => { route: ToolRoute; tools: readonly string[] },
  onNote: ((text: string) => void) | undefined,
): T[] {
  const sendable = items.filter((item) => routed(item).route.refused === undefined);
  if (sendable.length === 0 && items.length > 0) throw new InputError(routed(items[0]!).route.refused!);
  for (const item of items) {
    const { route, tools } = routed(item);
    const note = routeNote(route, tools);
    if (note !== undefined) onNote?.(note);
  }
  return sendable;
}

/** One request of a tool-calls event: the tool calls that go to one route, sync or async. */
export interface RoutedToolCalls {
  route: ToolRoute;
  /** The names of the tools called in it, in order. */
  tools: string[];
  async: boolean;
  /** The payload with only these tool calls. */
  document: Record<string, unknown>;
  toolCallIds: string[];
}

/**
 * A tool-calls payload split as the platform routes it: one request per route (and per sync or
 * async, since an async tool's reply is not awaited), each with its share of the tool calls, in
 * the order they first appear. A payload whose calls all go one way is returned whole.
 */
export function routeToolCalls(
  document: Record<string, unknown>,
  dialect: Dialect,
  tools: readonly AssistantTool[],
  routes: ReadonlyMap<string, string>,
  receiver: string,
  allowRemote = false,
): RoutedToolCalls[] {
  const message = asObject(document.message) ?? {};
  const listKey = keyIn(dialect, 'tool_call_list');
  const list = Array.isArray(message[listKey]) ? (message[listKey] as unknown[]) : [];
  const groups = new Map<string, { route: ToolRoute; async: boolean; calls: unknown[]; tools: string[]; ids: string[] }>();
  for (const call of list) {
    const name = asObject(asObject(call)?.function)?.name;
    const tool = tools.find((candidate) => candidate.name === name) ?? (typeof name === 'string' ? undeclaredTool(name) : undefined);
    const route = routeOf(tool, routes, receiver, allowRemote);
    const async = tool?.async === true;
    const key = JSON.stringify([route.url, route.secret ?? null, async]);
    let group = groups.get(key);
    if (group === undefined) {
      group = { route, async, calls: [], tools: [], ids: [] };
      groups.set(key, group);
    }
    group.calls.push(call);
    if (typeof name === 'string' && !group.tools.includes(name)) group.tools.push(name);
    const id = asObject(call)?.id;
    if (typeof id === 'string') group.ids.push(id);
  }
  const parts = [...groups.values()];
  if (parts.length === 0) return [{ route: routeOf(undefined, routes, receiver), tools: [], async: false, document, toolCallIds: [] }];
  return parts.map((group) => ({
    route: group.route,
    tools: group.tools,
    async: group.async,
    document: parts.length === 1 ? document : { ...document, message: { ...message, [listKey]: group.calls } },
    toolCallIds: group.ids,
  }));
}

/** What the assistant says for an async tool while it runs: its message, or a line saying it has none. */
export function asyncToolLine(tool: AssistantTool | undefined, name: string): string {
  return tool?.message ?? `${name} runs in the background (async; no message to say)`;
}
