import { PeregrineError } from '../common/errors';
import type { RulesTestInput } from './rules.service';

const MAX_RULES_TEXT = 1024 * 1024;

/** Validates the body of `POST /api/v1/rules/test`. */
export function parseRulesTestInput(body: unknown): RulesTestInput {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new PeregrineError('BODY_NOT_OBJECT', 'send a JSON object with "rules" (a rules file text) and/or "event" (an audit Event or EventList)');
  const { rules, event, withStockRules } = body as Record<string, unknown>;
  if (rules !== undefined && typeof rules !== 'string') throw new PeregrineError('INVALID_FIELD', '"rules" must be the text of a rules file (a string)');
  if (typeof rules === 'string' && rules.length > MAX_RULES_TEXT) throw new PeregrineError('INVALID_FIELD', `"rules" is longer than ${MAX_RULES_TEXT} characters`);
  if (withStockRules !== undefined && typeof withStockRules !== 'boolean') throw new PeregrineError('INVALID_FIELD', '"withStockRules" must be true or false');
  if (rules === undefined && event === undefined) throw new PeregrineError('MISSING_FIELD', 'send "rules", "event", or both');
  if (event !== undefined && (typeof event !== 'object' || event === null)) throw new PeregrineError('INVALID_FIELD', '"event" must be an audit Event or EventList object');
  return { rules, event, withStockRules };
}
