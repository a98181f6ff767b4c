import * as z from 'zod/mini';
import { type Dialect, keyIn } from '../dialect.js';
import { asObject, type Finding, type Lint, looseObjectIn, oncePerDialect, type PathSegment, userData } from './common.js';

// The assistant an assistant-request reply configures a live call with (`assistant`, and the blocks
// of `assistant_override`), typed as the platform's SDK types it (hmsovereign-node v1.0.1:
// TransientAssistant, STTConfig, LLMConfig, TTSConfig, ToolDefinition; its newer types for MCP tools and
// a null tts_config). An error is what those types reject; what we know beyond them is a warning
// (replyAssistantLint). docs/sdk-checks.md lists which SDK field each check comes from.

/** LLMProvider. */
export const LLM_PROVIDERS = ['openai', 'xai_realtime', 'xai', 'mistral'] as const;
/** STTProvider. */
export const STT_PROVIDERS = ['deepgram', 'elevenlabs', 'gladia', 'mistral'] as const;
/** TTSProvider. */
export const TTS_PROVIDERS = ['elevenlabs', 'inworld'] as const;
/** LLMConfig.voice (xAI Realtime). */
export const REALTIME_VOICES = ['ara', 'rex', 'sal', 'eve', 'leo'] as const;
/** The tool types the platform runs itself, and `function` (nested) and `mcp`. */
const TOOL_TYPES = ['function', 'mcp', 'transfer_call', 'transferCall', 'end_call', 'endCall'] as const;

const optional = <T extends z.ZodMiniType>(schema: T) => z.optional(schema);

/** One entry of llm_config.tools: the nested form, the documented flat form, a built-in or an MCP server. */
const tool = z.looseObject({
  type: optional(z.enum(TOOL_TYPES)),
  function: optional(
    z.looseObject({
      name: z.string(),
      description: optional(z.string()),
      parameters: optional(userData),
    }),
  ),
  server: optional(z.looseObject({ url: z.string(), secret: optional(z.string()) })),
  name: optional(z.string()),
  description: optional(z.string()),
  url: optional(z.string()),
  async: optional(z.boolean()),
  message: optional(z.string()),
  async_response: optional(z.string()),
  parameters: optional(userData),
  mcp_server_id: optional(z.string()),
  allowed_tools: optional(z.array(z.string())),
});

export const replyAssistant = oncePerDialect((d: Dialect) =>
  looseObjectIn(d, {
    first_message: optional(z.nullable(z.string())),
    stt_config: optional(
      z.looseObject({
        provider: z.enum(STT_PROVIDERS),
        model: z.string(),
        language: z.string(),
        keyterms: optional(z.array(z.string())),
        tag_audio_events: optional(z.boolean()),
        include_timestamps: optional(z.boolean()),
        sample_rate: optional(z.union([z.literal(16000), z.literal(8000)])),
        languages: optional(z.array(z.string())),
        code_switching: optional(z.boolean()),
        region: optional(z.enum(['eu-west', 'us-west'])),
        endpointing: optional(z.number()),
        custom_vocabulary: optional(z.array(z.string())),
        translation_enabled: optional(z.boolean()),
        translation_target_languages: optional(z.array(z.string())),
      }),
    ),
    llm_config: optional(
      z.looseObject({
        provider: z.enum(LLM_PROVIDERS),
        model: z.string(),
        voice: optional(z.enum(REALTIME_VOICES)),
        temperature: optional(z.number()),
        messages: optional(z.array(z.looseObject({ role: z.enum(['system', 'user', 'assistant']), content: z.string() }))),
        tools: optional(z.array(tool)),
      }),
    ),
    // The docs' example gives voice_id alone; the newer SDK allows null (a realtime model speaks itself).
    tts_config: optional(
      z.nullable(
        looseObjectIn(d, {
          provider: optional(z.enum(TTS_PROVIDERS)),
          voice_id: z.string(),
          model: optional(z.string()),
          language: optional(z.string()),
          stability: optional(z.number()),
          similarity_boost: optional(z.number()),
          use_speaker_boost: optional(z.boolean()),
          speed: optional(z.number()),
          style: optional(z.number()),
        }),
      ),
    ),
    max_duration_seconds: optional(z.nullable(z.number())),
    autonomous_silence_handling: optional(z.boolean()),
    silence_timeout_seconds: optional(z.number()),
    voicemail_detection: optional(z.nullable(z.boolean())),
    voicemail_message: optional(z.nullable(z.string())),
    webhook_url: optional(z.nullable(z.string())),
    webhook_secret: optional(z.nullable(z.string())),
    webhook_events: optional(z.nullable(z.array(z.string()))),
    analysis_plan: optional(z.nullable(z.looseObject({}))),
    metadata: optional(userData),
  }),
);

/**
 * What the schema cannot say: a tool entry whose form the SDK's types reject (type "function" without
 * function, an MCP entry without its server) is an error; a duration the platform would refuse is a warning.
 */
export function replyAssistantLint(assistant: Record<string, unknown>, d: Dialect, path: PathSegment[]): Lint {
  const errors: Finding[] = [];
  const warnings: Finding[] = [];
  warnings.push(...durationWarnings(assistant, keyIn(d, 'max_duration_seconds'), path));
  const tools = asObject(assistant.llm_config)?.tools;
  if (Array.isArray(tools))
    tools.forEach((entry, index) => {
      const problem = toolFormProblem(asObject(entry) ?? {});
      if (problem !== undefined) errors.push({ path: [...path, 'llm_config', 'tools', index], message: problem });
    });
  return { errors, warnings };
}

/** Why a tool entry of a known shape cannot be called, or undefined. */
export function toolFormProblem(tool: Record<string, unknown>): string | undefined {
  if (tool.type === 'function' && tool.function === undefined)
    return 'type "function" without function: {name, description, parameters}: the model has no tool to call';
  if (tool.type === 'mcp' && typeof tool.mcp_server_id !== 'string') return 'an MCP tool without mcp_server_id: no server to call';
  if (tool.type === undefined && typeof tool.name !== 'string')
    return 'a tool with neither type nor name: the platform cannot tell what it is';
  return undefined;
}

/** A max_duration_seconds the SDK's number allows and the platform would not use: not whole, or not above 0. */
export function durationWarnings(node: Record<string, unknown>, key: string, path: PathSegment[]): Finding[] {
  const value = node[key];
  if (typeof value !== 'number') return [];
  if (value <= 0)
    return [{ path: [...path, key], message: `${value}: a call cannot last ${value} seconds; the platform needs a whole number above 0` }];
  if (!Number.isInteger(value)) return [{ path: [...path, key], message: `${value}: the platform counts whole seconds` }];
  return [];
}
