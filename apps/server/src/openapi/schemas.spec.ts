import { PRIORITIES } from '@peregrine/engine';
import { describe, expect, it } from 'vitest';
import { PRIORITY_NAMES, SCHEMAS } from './schemas';

describe('the OpenAPI schemas', () => {
  it('list the engine’s priorities, highest first', () => {
    expect(PRIORITY_NAMES).toEqual([...PRIORITIES].reverse());
  });

  it('use JSON Schema’s null type, never OpenAPI 3.0’s nullable flag (the document is 3.1)', () => {
    expect(JSON.stringify(SCHEMAS)).not.toContain('"nullable"');
    expect(SCHEMAS.AlertPage.properties?.['nextCursor']).toMatchObject({ type: ['string', 'null'] });
    expect(SCHEMAS.OutputStatus.properties?.['minimumPriority']).toMatchObject({ type: ['string', 'null'], enum: [...PRIORITY_NAMES, null] });
  });
});
