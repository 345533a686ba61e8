import { adaptiveCardProblems } from '../adaptive-cards';
import { type Answer, FakeSink, isObject, jsonAnswer, mediaType, parseJsonText, type RecordedRequest } from './base';

/**
 * A Teams webhook. Accepts what the two kinds of Teams webhooks accept:
 * - the legacy O365 connector (`@type: MessageCard`, needs `summary` or `text`, sections with
 *   `{name, value}` facts) → `200` with body `1`;
 * - a Workflows webhook (`type: message` with an Adaptive Card attachment, validated with the
 *   `adaptivecards` parser) → `202` with no body.
 * Anything else gets Teams' `400 Bad payload received by generic incoming webhook.`
 */

export class FakeTeams extends FakeSink {
  readonly cards: Array<Record<string, unknown>> = [];

  constructor(readonly path = '/webhookb2/00000000-0000-0000-0000-000000000000/IncomingWebhook/abc/def') {
    super();
  }

  get webhookUrl(): string {
    return `${this.url}${this.path}`;
  }

  protected async handle(request: RecordedRequest): Promise<Answer> {
    if (request.url !== this.path) return { status: 404, body: 'Not Found' };
    if (request.method !== 'POST') return { status: 405, body: 'Method Not Allowed' };
    if (mediaType(request.headers) !== 'application/json') return { status: 415, body: 'Unsupported Media Type' };
    const parsed = parseJsonText(request.text);
    if (!parsed.ok || !isObject(parsed.value)) return { status: 400, body: 'Bad payload received by generic incoming webhook.' };
    const body = parsed.value;
    if (body['@type'] === 'MessageCard') {
      const problem = messageCardProblem(body);
      if (problem) return { status: 400, body: problem };
      this.cards.push(body);
      return { status: 200, body: '1' };
    }
    if (body['type'] === 'message') {
      const attachment = Array.isArray(body['attachments']) ? (body['attachments'][0] as unknown) : undefined;
      if (!isObject(attachment) || attachment['contentType'] !== 'application/vnd.microsoft.card.adaptive' || !isObject(attachment['content'])) {
        return jsonAnswer(400, { error: { code: 'InvalidRequestContent', message: 'The request content is not an Adaptive Card message.' } });
      }
      // Workflows accept first and fail the flow later; refusing here makes a bad card fail the test.
      const problems = await adaptiveCardProblems(attachment['content']);
      if (problems.length > 0) return jsonAnswer(400, { error: { code: 'InvalidAdaptiveCard', message: problems.join('; ') } });
      this.cards.push(body);
      return { status: 202 };
    }
    return { status: 400, body: 'Bad payload received by generic incoming webhook.' };
  }
}

function messageCardProblem(card: Record<string, unknown>): string | undefined {
  const hasSummary = typeof card['summary'] === 'string' && card['summary'] !== '';
  const hasText = typeof card['text'] === 'string' && card['text'] !== '';
  if (!hasSummary && !hasText) return 'Summary or Text is required.';
  if (card['themeColor'] !== undefined && !(typeof card['themeColor'] === 'string' && /^[0-9a-fA-F]{6}$/.test(card['themeColor']))) return 'Invalid themeColor.';
  const sections = card['sections'];
  if (sections !== undefined && sections !== null) {
    if (!Array.isArray(sections) || sections.length > 10) return 'Bad payload received by generic incoming webhook.';
    for (const section of sections) {
      if (!isObject(section)) return 'Bad payload received by generic incoming webhook.';
      const facts = section['facts'];
      if (facts !== undefined && !(Array.isArray(facts) && facts.every((f) => isObject(f) && typeof f['name'] === 'string' && typeof f['value'] === 'string'))) {
        return 'Bad payload received by generic incoming webhook.';
      }
    }
  }
  return undefined;
}
