/** Characters a middle-ellipsized label keeps at its end (about one DNS label and its dot). */
const TAIL_LENGTH = 12;
/** How far the cut may move to land on a separator, so the tail starts at a word (`.internal`). */
const SEPARATOR_REACH = 5;
const SEPARATORS = new Set(['.', '-', '_', '/', ':', ' ', '@']);

/**
 * A label split for an ellipsis in its middle: the head shrinks (and ends in "…" when the
 * column is too narrow), the tail always shows, so `ip-10-0-12-34.worker-2.eu-west-1.compute.internal`
 * reads `ip-10-0-12-34.work….internal` rather than losing its end. Labels that are short anyway
 * are not split. Counts in code points, so no emoji or CJK character is cut in half.
 */
export function middleEllipsisParts(text: string, tailLength = TAIL_LENGTH): { head: string; tail: string } {
  const chars = Array.from(text);
  if (chars.length <= tailLength * 2) return { head: text, tail: '' };
  let cut = chars.length - tailLength;
  for (let reach = 1; reach <= SEPARATOR_REACH; reach++) {
    if (SEPARATORS.has(chars[cut + reach] ?? '')) {
      cut += reach;
      break;
    }
    if (SEPARATORS.has(chars[cut - reach] ?? '')) {
      cut -= reach;
      break;
    }
  }
  return { head: chars.slice(0, cut).join(''), tail: chars.slice(cut).join('') };
}

export interface TooltipRow {
  name: string;
  value: number;
  color: string;
}

/**
 * The lines of a stacked timeline's tooltip: only the series that counted something in the
 * bucket, top of the stack first (as the eye reads the bar). An empty bucket has none, and the
 * tooltip says "No alerts" instead of listing zeros.
 */
export function tooltipRows(stackedBottomFirst: readonly TooltipRow[]): TooltipRow[] {
  return stackedBottomFirst.filter((row) => Number.isFinite(row.value) && row.value > 0).reverse();
}
