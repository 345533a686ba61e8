import { Bar, BarChart, CartesianGrid, Cell, Legend, Pie, PieChart, Tooltip, type TooltipContentProps, XAxis, YAxis } from 'recharts';
import type { AlertStats } from '../../../lib/api/types';
import { fillTimeline, type TimelinePoint } from '../api/stats';
import { middleEllipsisParts, tooltipRows } from './chart-text';

const CHART_HEIGHT = 240;
/** One row of a top-N chart: its label (HTML, beside the chart) and its bar share this height. */
const TOP_ROW_PX = 28;
/** Room right of the longest bar for its count. */
const COUNT_LABEL_PX = 48;

/** A bucket's start for an axis tick (short), or with its date for a tooltip (`withDate`). */
function formatBucket(ms: number, bucketMs: number, withDate = false): string {
  const date = new Date(ms);
  const pad = (n: number): string => String(n).padStart(2, '0');
  const clock = `${pad(date.getHours())}:${pad(date.getMinutes())}${bucketMs < 60_000 ? `:${pad(date.getSeconds())}` : ''}`;
  const day = `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
  if (bucketMs >= 86_400_000) return day;
  if (withDate) return `${day} ${clock}`;
  return bucketMs >= 3_600_000 ? `${pad(date.getMonth() + 1)}-${pad(date.getDate())} ${clock}` : clock;
}

export function describeBucket(bucketMs: number): string {
  if (bucketMs % 86_400_000 === 0) return `${bucketMs / 86_400_000} d`;
  if (bucketMs % 3_600_000 === 0) return `${bucketMs / 3_600_000} h`;
  if (bucketMs % 60_000 === 0) return `${bucketMs / 60_000} min`;
  return `${bucketMs / 1000} s`;
}

interface TimelineChartProps {
  label: string;
  stats: AlertStats;
  /** Series in stacking order (bottom first); others follow in the order they appear. */
  order?: readonly string[];
  colorOf: (series: string) => string;
  /** A click on one segment: its series and its bucket. */
  onPick: (series: string, startMs: number, endMs: number) => void;
}

/** Counts per bucket stacked by a field, bucketed by the server. */
export function TimelineChart({ label, stats, order, colorOf, onPick }: TimelineChartProps) {
  const { points, series } = fillTimeline(stats);
  const bucketMs = stats.bucketMs ?? 60_000;
  // Stacked bottom-up: the least severe at the bottom, the most severe on top and first in the legend.
  const stacked = order ? [...order.filter((s) => series.includes(s)).reverse(), ...series.filter((s) => !order.includes(s))] : series;
  if (points.length === 0) return <p className="muted chart-empty">No alerts in this range.</p>;
  return (
    <div className="chart" role="img" aria-label={label}>
      <BarChart responsive style={{ width: '100%', height: CHART_HEIGHT }} data={points} margin={{ top: 8, right: 8, bottom: 0, left: -16 }}>
        <CartesianGrid vertical={false} strokeDasharray="3 3" />
        <XAxis dataKey="startMs" tickFormatter={(ms: number) => formatBucket(ms, bucketMs)} minTickGap={24} />
        <YAxis allowDecimals={false} />
        <Tooltip content={(props) => <TimelineTooltip {...props} bucketMs={bucketMs} />} cursor={{ fillOpacity: 0.15 }} />
        {/* Legend in the given order (most severe first), not alphabetical. */}
        <Legend itemSorter={null} />
        {[...stacked].map((name) => (
          <Bar
            key={name}
            dataKey={name}
            stackId="all"
            fill={colorOf(name)}
            isAnimationActive={false}
            cursor="pointer"
            onClick={(item) => {
              const point = item.payload as TimelinePoint | undefined;
              if (point) onPick(name, point.startMs, point.startMs + bucketMs - 1);
            }}
          />
        ))}
      </BarChart>
    </div>
  );
}

/** A stacked bucket's tooltip: its time, then only the series it holds (an empty bucket says so). */
function TimelineTooltip({ active, payload, label, bucketMs }: Pick<TooltipContentProps, 'active' | 'payload' | 'label'> & { bucketMs: number }) {
  if (!active || payload.length === 0) return null;
  const rows = tooltipRows(payload.map((entry) => ({ name: String(entry.name ?? entry.dataKey ?? ''), value: Number(entry.value ?? 0), color: entry.color ?? entry.fill ?? 'currentColor' })));
  return (
    <div className="chart-tooltip">
      <p className="chart-tooltip-time">{formatBucket(Number(label), bucketMs, true)}</p>
      {rows.length === 0 ? (
        <p className="muted">No alerts</p>
      ) : (
        <ul>
          {rows.map((row) => (
            <li key={row.name}>
              <span className="swatch" style={{ background: row.color }} />
              <span className="chart-tooltip-name">{row.name}</span>
              <span className="chart-tooltip-count">{row.value.toLocaleString('en')}</span>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

interface TopChartProps {
  label: string;
  results: Record<string, number>;
  color: string;
  onPick: (value: string) => void;
  /**
   * Where a label too long for its column loses characters: `end` for names read from the
   * start (rules, namespaces), `middle` for names told apart by both ends (host names).
   */
  truncate?: 'end' | 'middle';
}

/**
 * The largest values of a field as horizontal bars, largest on top. The labels are HTML in a
 * column of their own (as wide as the longest, up to a share of the panel; each with its full
 * value as a tooltip), so no label is clipped by the chart's edge; the bars scale to the
 * largest count across the rest of the width.
 */
export function TopChart({ label, results, color, onPick, truncate = 'end' }: TopChartProps) {
  const data = Object.entries(results).map(([name, count]) => ({ name, count }));
  if (data.length === 0) return <p className="muted chart-empty">Nothing to count.</p>;
  const largest = Math.max(...data.map((row) => row.count));
  return (
    <div className="chart top-chart" role="img" aria-label={label}>
      <ol className="top-labels">
        {data.map((row) => (
          <li key={row.name} title={row.name} style={{ height: TOP_ROW_PX }} onClick={() => onPick(row.name)}>
            <ChartLabel text={row.name} truncate={truncate} />
          </li>
        ))}
      </ol>
      <BarChart responsive layout="vertical" style={{ width: '100%', height: data.length * TOP_ROW_PX }} data={data} margin={{ top: 0, right: COUNT_LABEL_PX, bottom: 0, left: 0 }}>
        <XAxis type="number" allowDecimals={false} domain={[0, largest]} hide />
        <YAxis type="category" dataKey="name" hide />
        <Tooltip cursor={{ fillOpacity: 0.15 }} />
        <Bar
          dataKey="count"
          name="Alerts"
          fill={color}
          isAnimationActive={false}
          cursor="pointer"
          label={{ position: 'right', className: 'bar-label' }}
          onClick={(item) => {
            const row = item.payload as { name: string } | undefined;
            if (row) onPick(row.name);
          }}
        />
      </BarChart>
    </div>
  );
}

/** Shares of a whole (sources), clickable. */
export function ShareChart({ label, results, colorOf, onPick }: { label: string; results: Record<string, number>; colorOf: (value: string) => string; onPick: (value: string) => void }) {
  const data = Object.entries(results).map(([name, count]) => ({ name, count }));
  if (data.length === 0) return <p className="muted chart-empty">Nothing to count.</p>;
  return (
    <div className="chart" role="img" aria-label={label}>
      <PieChart responsive style={{ width: '100%', height: CHART_HEIGHT }}>
        <Pie
          data={data}
          dataKey="count"
          nameKey="name"
          innerRadius="45%"
          outerRadius="80%"
          isAnimationActive={false}
          cursor="pointer"
          onClick={(entry: { name?: string }) => {
            if (entry.name) onPick(entry.name);
          }}
        >
          {data.map((entry) => (
            <Cell key={entry.name} fill={colorOf(entry.name)} />
          ))}
        </Pie>
        <Tooltip />
        <Legend />
      </PieChart>
    </div>
  );
}

/** A label on one line, shortened by CSS only when its column is too narrow. */
function ChartLabel({ text, truncate }: { text: string; truncate: 'end' | 'middle' }) {
  if (truncate === 'end') return <span className="chart-label">{text}</span>;
  const { head, tail } = middleEllipsisParts(text);
  return (
    <span className="chart-label middle">
      <span className="chart-label-head">{head}</span>
      {tail ? <span className="chart-label-tail">{tail}</span> : null}
    </span>
  );
}
