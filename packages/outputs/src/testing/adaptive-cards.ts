import type * as AdaptiveCardsApi from 'adaptivecards';

/**
 * Validates an Adaptive Card with Microsoft's own parser (the `adaptivecards` package Teams
 * clients are built on): unknown element types, invalid enum values, unsupported versions and
 * a missing card type are reported the way the renderer sees them. A few rules the parser only
 * hints at (empty FactSets, TextBlocks without text) are checked too, because Teams drops
 * such cards.
 *
 * The package's `lib/` build is ESM with extension-less imports Node cannot load, so this
 * loads its UMD bundle instead; the type-only import above gives the API its types.
 */

type AdaptiveCardsModule = typeof AdaptiveCardsApi;

let loading: Promise<AdaptiveCardsModule> | undefined;

/** A variable specifier: the bundle ships no module typings of its own. */
const BUNDLE = 'adaptivecards/dist/adaptivecards.js';

async function load(): Promise<AdaptiveCardsModule> {
  loading ??= (import(BUNDLE) as Promise<{ default?: unknown }>).then((mod) => (mod.default ?? mod) as AdaptiveCardsModule);
  return loading;
}

/** Teams' newest supported schema (Workflows and desktop render up to 1.5). */
export const TEAMS_MAX_CARD_VERSION = 1.5;

export async function adaptiveCardProblems(card: unknown): Promise<string[]> {
  const ac = await load();
  const problems: string[] = [];
  if (card === null || typeof card !== 'object') return ['the card must be a JSON object'];
  const version = Number((card as { version?: unknown }).version);
  if (!(version > 0 && version <= TEAMS_MAX_CARD_VERSION)) problems.push(`version ${String((card as { version?: unknown }).version)} is not one Teams renders (≤ ${TEAMS_MAX_CARD_VERSION})`);
  const parsed = new ac.AdaptiveCard();
  const context = new ac.SerializationContext();
  parsed.parse(card, context);
  for (let i = 0; i < context.eventCount; i++) {
    const event = context.getEventAt(i);
    if (event.event !== ac.ValidationEvent.Hint) problems.push(event.message);
  }
  for (const event of parsed.validateProperties().validationEvents) {
    if (event.event !== ac.ValidationEvent.Hint) problems.push(event.message);
  }
  walk(card, (element) => {
    if (element['type'] === 'FactSet') {
      const facts = element['facts'];
      if (!Array.isArray(facts) || facts.length === 0) problems.push('a FactSet needs at least one fact');
      else if (!facts.every((f: unknown) => isRecord(f) && typeof f['title'] === 'string' && typeof f['value'] === 'string')) problems.push('every fact needs a text title and value');
    }
    if (element['type'] === 'TextBlock' && (typeof element['text'] !== 'string' || element['text'] === '')) problems.push('a TextBlock needs text');
  });
  return problems;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function walk(value: unknown, visit: (element: Record<string, unknown>) => void): void {
  if (Array.isArray(value)) value.forEach((v) => walk(v, visit));
  else if (isRecord(value)) {
    visit(value);
    Object.values(value).forEach((v) => walk(v, visit));
  }
}
