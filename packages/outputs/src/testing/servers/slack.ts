import { type Answer, FakeSink, isObject, mediaType, parseJsonText, type RecordedRequest } from './base';

/**
 * A Slack incoming webhook (`/services/T…/B…/<token>`), answering as Slack does: `200 ok`, or
 * 400 `invalid_payload` (not JSON), `no_text` (nothing to show), `invalid_blocks` (Block Kit
 * rules broken: unknown block types, header over 150 characters, section text over 3000,
 * more than 10 fields or a field over 2000, more than 50 blocks, empty texts), `invalid_attachments`;
 * 404 `no_service` for an unknown or revoked webhook path.
 */

export class FakeSlack extends FakeSink {
  readonly messages: Array<Record<string, unknown>> = [];

  constructor(readonly path = '/services/T0000000000/B0000000000/XXXXXXXXXXXXXXXXXXXXXXXX') {
    super();
  }

  /** The webhook URL to configure. */
  get webhookUrl(): string {
    return `${this.url}${this.path}`;
  }

  protected handle(request: RecordedRequest): Answer {
    if (request.url !== this.path) return { status: 404, body: 'no_service' };
    if (request.method !== 'POST') return { status: 405, body: 'invalid_method' };
    const type = mediaType(request.headers);
    if (type !== 'application/json') return { status: 400, body: 'invalid_payload' };
    const parsed = parseJsonText(request.text);
    if (!parsed.ok || !isObject(parsed.value)) return { status: 400, body: 'invalid_payload' };
    const problem = validateMessage(parsed.value);
    if (problem) return { status: 400, body: problem };
    this.messages.push(parsed.value);
    return { status: 200, headers: { 'content-type': 'text/html' }, body: 'ok' };
  }
}

export const SLACK_BLOCK_LIMITS = { blocks: 50, header: 150, sectionText: 3000, fields: 10, fieldText: 2000, contextElements: 10 };

/** Slack's answer to a message it would refuse, or undefined. Exported for unit tests of payloads. */
export function validateMessage(message: Record<string, unknown>): string | undefined {
  const { text, attachments, blocks } = message;
  if (text !== undefined && typeof text !== 'string') return 'invalid_payload';
  if (message['channel'] !== undefined && typeof message['channel'] !== 'string') return 'invalid_payload';
  const hasText = typeof text === 'string' && text.trim() !== '';
  const hasAttachments = Array.isArray(attachments) && attachments.length > 0;
  const hasBlocks = Array.isArray(blocks) && blocks.length > 0;
  if (!hasText && !hasAttachments && !hasBlocks) return 'no_text';
  let blockCount = 0;
  if (blocks !== undefined) {
    if (!Array.isArray(blocks)) return 'invalid_blocks';
    blockCount += blocks.length;
    const problem = validateBlocks(blocks);
    if (problem) return problem;
  }
  if (attachments !== undefined) {
    if (!Array.isArray(attachments)) return 'invalid_attachments';
    for (const attachment of attachments) {
      if (!isObject(attachment)) return 'invalid_attachments';
      const { fields } = attachment;
      if (fields !== undefined && fields !== null) {
        if (!Array.isArray(fields)) return 'invalid_attachments';
        for (const field of fields) {
          if (!isObject(field) || typeof field['title'] !== 'string' || typeof field['value'] !== 'string') return 'invalid_attachments';
          if (field['short'] !== undefined && typeof field['short'] !== 'boolean') return 'invalid_attachments';
        }
      }
      for (const key of ['fallback', 'color', 'text', 'footer', 'pretext', 'title']) {
        if (attachment[key] !== undefined && typeof attachment[key] !== 'string') return 'invalid_attachments';
      }
      if (attachment['blocks'] !== undefined) {
        if (!Array.isArray(attachment['blocks'])) return 'invalid_blocks';
        blockCount += attachment['blocks'].length;
        const problem = validateBlocks(attachment['blocks']);
        if (problem) return problem;
      }
      if (!attachment['fallback'] && !attachment['text'] && !attachment['blocks'] && !(Array.isArray(fields) && fields.length > 0)) return 'invalid_attachments';
    }
  }
  if (blockCount > SLACK_BLOCK_LIMITS.blocks) return 'invalid_blocks';
  return undefined;
}

function textObject(value: unknown, max: number, plainOnly = false): boolean {
  if (!isObject(value)) return false;
  if (value['type'] !== 'plain_text' && (plainOnly || value['type'] !== 'mrkdwn')) return false;
  const text = value['text'];
  return typeof text === 'string' && text.length > 0 && text.length <= max;
}

function validateBlocks(blocks: unknown[]): string | undefined {
  for (const block of blocks) {
    if (!isObject(block)) return 'invalid_blocks';
    switch (block['type']) {
      case 'header':
        if (!textObject(block['text'], SLACK_BLOCK_LIMITS.header, true)) return 'invalid_blocks';
        break;
      case 'section': {
        const { text, fields } = block;
        if (text === undefined && fields === undefined) return 'invalid_blocks';
        if (text !== undefined && !textObject(text, SLACK_BLOCK_LIMITS.sectionText)) return 'invalid_blocks';
        if (fields !== undefined) {
          if (!Array.isArray(fields) || fields.length === 0 || fields.length > SLACK_BLOCK_LIMITS.fields) return 'invalid_blocks';
          if (!fields.every((f) => textObject(f, SLACK_BLOCK_LIMITS.fieldText))) return 'invalid_blocks';
        }
        break;
      }
      case 'context': {
        const elements = block['elements'];
        if (!Array.isArray(elements) || elements.length === 0 || elements.length > SLACK_BLOCK_LIMITS.contextElements) return 'invalid_blocks';
        if (!elements.every((e) => textObject(e, SLACK_BLOCK_LIMITS.sectionText) || (isObject(e) && e['type'] === 'image'))) return 'invalid_blocks';
        break;
      }
      case 'divider':
        break;
      default:
        return 'invalid_blocks';
    }
  }
  return undefined;
}
