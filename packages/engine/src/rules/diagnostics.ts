import type { ErrorCode, RuleIssue, RuleItemType, WarningCode } from '../errors';
import type { ComposedText, Location } from './source-map';
import { locationPosition } from './source-map';

/** The item a problem belongs to, and where that item starts. */
export interface ItemContext {
  type: RuleItemType;
  name?: string;
  location: Location;
}

/** Collects coded errors and warnings; loading never stops at the first one. */
export class Diagnostics {
  readonly errors: RuleIssue[] = [];
  readonly warnings: RuleIssue[] = [];

  error(code: ErrorCode, message: string, context: ItemContext, at?: Location): void {
    this.errors.push(issue(code, message, context, at));
  }

  warn(code: WarningCode, message: string, context: ItemContext, at?: Location): void {
    this.warnings.push(issue(code, message, context, at));
  }

  /** A problem inside a condition or output: positioned at the exact characters. */
  inText(severity: 'error' | 'warning', code: ErrorCode | WarningCode, message: string, context: ItemContext, text: ComposedText, start: number, end: number): void {
    const located = text.locate(start, end);
    const base = issue(code, message, context);
    if (located !== undefined) {
      const { file, ...position } = located;
      base.file = file;
      base.position = position;
    }
    (severity === 'error' ? this.errors : this.warnings).push(base);
  }
}

function issue(code: ErrorCode | WarningCode, message: string, context: ItemContext, at?: Location): RuleIssue {
  const location = at ?? context.location;
  const result: RuleIssue = {
    code,
    message,
    file: location.file.name,
    item: context.name === undefined ? { type: context.type } : { type: context.type, name: context.name },
    position: locationPosition(location),
  };
  return result;
}
