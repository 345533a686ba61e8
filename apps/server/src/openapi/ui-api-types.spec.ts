import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { renderApiTypes, UI_API_SCHEMA_PATH } from '../../../../scripts/openapi-types.mjs';
import { buildApiDocument } from './api-document';

const repositoryRoot = join(__dirname, '../../../..');

describe('the UI’s wire types', () => {
  it(`are checked in as npm run openapi:types generates them from the document now (${UI_API_SCHEMA_PATH})`, async () => {
    const generated = await renderApiTypes(buildApiDocument);
    const checkedIn = readFileSync(join(repositoryRoot, UI_API_SCHEMA_PATH), 'utf8');
    // Sanity: the generator saw the schemas (an empty document would make both sides trivially equal).
    expect(generated).toContain('StoredAlert: {');
    expect(checkedIn, `${UI_API_SCHEMA_PATH} differs from the OpenAPI document: run npm run openapi:types`).toBe(generated);
  });
});
