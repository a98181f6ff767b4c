import type { Dialect } from './dialect.js';
import { duplicateKeys } from './duplicate-keys.js';
import { BOM_WARNING } from './json-source.js';
import { callIdOf, eventOf, validatePayload, type Finding } from './schemas/index.js';
import { EVENT_HEADER, headerValue, type HeaderBag, SIGNATURE_HEADER, SIGNATURE_PREFIX } from '../signing/signature.js';

/** What a delivery's body says, once checked the way `listen` and `verify` both check it. */
export interface DeliveryContent {
  /** Set when the body is not JSON at all. */
  notJson?: string;
  document?: unknown;
  event?: string;
  dialect?: Dialect;
  callId?: string;
  errors: Finding[];
  warnings: Finding[];
}

/** Parses a delivery's body, validates it in its dialect, and checks X-Webhook-Event against message.type. */
export function inspectDelivery(body: Buffer | string, headers: HeaderBag): DeliveryContent {
  const encoding = headerValue(headers, 'content-encoding');
  if (encoding !== undefined && encoding.trim().toLowerCase() !== 'identity') {
    return {
      notJson: `encoded (Content-Encoding: ${encoding}): the platform sends plain JSON, so a proxy or another sender encoded it`,
      errors: [],
      warnings: [],
    };
  }
  const text = typeof body === 'string' ? body : body.toString('utf8');
  const bom = text.charCodeAt(0) === 0xfeff;
  let document: unknown;
  try {
    document = JSON.parse(bom ? text.slice(1) : text);
  } catch (error) {
    return { notJson: `not JSON: ${(error as Error).message}`, errors: [], warnings: [] };
  }
  const validation = validatePayload(document);
  const errors = [...validation.errors];
  const stated = eventOf(document);
  const headerEvent = headerValue(headers, EVENT_HEADER);
  const warnings: Finding[] = [
    ...(bom ? [{ path: [], message: `the body ${BOM_WARNING}` }] : []),
    ...duplicateKeys(text),
    ...validation.warnings,
  ];
  const signatureHeader = headerValue(headers, SIGNATURE_HEADER);
  if (signatureHeader !== undefined && !signatureHeader.startsWith(SIGNATURE_PREFIX)) {
    warnings.push({
      path: [],
      message: `X-Webhook-Signature has no "${SIGNATURE_PREFIX}" prefix, which the platform always sends: another sender, or a proxy that rewrote it`,
    });
  }
  if (headerEvent === undefined) {
    warnings.push({ path: [], message: 'the X-Webhook-Event header is missing (the platform always sends it)' });
  } else if (headerEvent !== stated) {
    errors.push({
      path: ['message', 'type'],
      message: `X-Webhook-Event is ${JSON.stringify(headerEvent)} but message.type is ${JSON.stringify(stated ?? null)}: the platform sends the same event in both`,
    });
  }
  return {
    document,
    event: stated,
    dialect: validation.dialect,
    callId: callIdOf(document),
    errors,
    warnings,
  };
}
