import { compileOutputFieldsTemplate, TemplateError } from '@peregrine/outputs';

/** A configured `templatedfields` entry, compiled once at start-up. */
export interface TemplatedField {
  readonly name: string;
  render(outputFields: Readonly<Record<string, unknown>>): string;
}

/**
 * falcosidekick evaluates `templatedfields` as Go `text/template`s over the output-fields map;
 * the subset we run (and why only a subset) is described in @peregrine/outputs' go/template.ts,
 * the one implementation the chat outputs' `messageformat` uses too.
 */
export function compileTemplatedFields(fields: Readonly<Record<string, string>>): TemplatedField[] {
  return Object.entries(fields).map(([name, source]) => {
    const template = compileOutputFieldsTemplate(source);
    return { name, render: (outputFields) => template.render(outputFields) };
  });
}

/** Every problem of every templated field, for the configuration error message. */
export function templateProblems(fields: Readonly<Record<string, string>>): string[] {
  const problems: string[] = [];
  for (const [name, source] of Object.entries(fields)) {
    try {
      compileOutputFieldsTemplate(source);
    } catch (error) {
      if (!(error instanceof TemplateError)) throw error;
      problems.push(`templatedfields.${name}: ${error.message}`);
    }
  }
  return problems;
}
