/**
 * Label values that come from alerts (host names, rules, namespaces, clusters) are chosen by
 * whoever can post to the unauthenticated ingest ports. Unbounded, one forged alert with a
 * 3 MB namespace (ingest bounds only the columns the store indexes: a host name to 255 bytes)
 * or a stream of random host names would grow `/metrics` without end. So each value is
 * cut to `maxValueLength` characters, and once a metric holds `maxSeries` label combinations a
 * new combination is counted under one overflow series whose every label is {@link OVERFLOW}.
 */
export const OVERFLOW = '_other_';

export interface LabelBounds {
  maxSeries: number;
  maxValueLength: number;
}

export class BoundedLabels {
  private readonly seen = new Set<string>();

  constructor(private readonly bounds: LabelBounds) {}

  /** The labels to count under: as given where within bounds. */
  bound<L extends string>(labels: Record<L, string>): Record<L, string> {
    let cut: Record<L, string> | undefined;
    for (const name of Object.keys(labels) as L[]) {
      const value = labels[name];
      if (value.length > this.bounds.maxValueLength) {
        cut ??= { ...labels };
        cut[name] = `${value.slice(0, this.bounds.maxValueLength - 1)}…`;
      }
    }
    const result = cut ?? labels;
    // Label values cannot hold U+0000, so it separates them unambiguously.
    const key = Object.values<string>(result).join('\u0000');
    if (this.seen.has(key)) return result;
    if (this.seen.size < this.bounds.maxSeries) {
      this.seen.add(key);
      return result;
    }
    const overflow = { ...result };
    for (const name of Object.keys(overflow) as L[]) overflow[name] = OVERFLOW;
    return overflow;
  }
}
