/**
 * Peregrine's version (`peregrine --version`, the About page, the OpenAPI document). Its own
 * module so that anything may import it without pulling in the CLI: app.module.ts importing it
 * from cli/program.ts closed the loop program → app/server → app.module → program.
 * version.spec.ts keeps it equal to apps/server/package.json's `version`.
 */
export const VERSION = '0.1.0';
