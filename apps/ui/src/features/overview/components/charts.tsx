import { Bar, BarChart, CartesianGrid, Cell, Legend, Pie, PieChart, Tooltip, XAxis, YAxis } from 'recharts';
import type { AlertStats } from '../../../lib/api/types';
import { fillTimeline, type TimelinePoint } from '../api/stats';

const CHART_HEIGHT = 240;

function formatBucket(ms: number, bucketMs: number): string {
  const date = new Date(ms);
  const pad = (n: number): string => String(n).padStart(2, '0');
  const clock = `${pad(date.getHours())}:${pad(date.getMinutes())}${bucketMs < 60_000 ? `:${pad(date.getSeconds())}` : ''}`;
  if (bucketMs >= 86_400_000) return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
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
        <Tooltip labelFormatter={(ms) => formatBucket(Number(ms), bucketMs)} cursor={{ fillOpacity: 0.15 }} />
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

interface TopChartProps {
  label: string;
  results: Record<string, number>;
  color: string;
  onPick: (value: string) => void;
}

/** The largest values of a field as horizontal bars, largest on top. */
export function TopChart({ label, results, color, onPick }: TopChartProps) {
  const data = Object.entries(results).map(([name, count]) => ({ name, count }));
  if (data.length === 0) return <p className="muted chart-empty">Nothing to count.</p>;
  return (
    <div className="chart" role="img" aria-label={label}>
      <BarChart responsive layout="vertical" style={{ width: '100%', height: Math.max(120, data.length * 28 + 24) }} data={data} margin={{ top: 0, right: 40, bottom: 0, left: 0 }}>
        <XAxis type="number" allowDecimals={false} hide />
        <YAxis type="category" dataKey="name" width={190} tick={SingleLineTick} />
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

/** Axis labels on one line, shortened with an ellipsis (the default wraps long names over the bars). */
function SingleLineTick({ x, y, payload }: { x?: number | string; y?: number | string; payload?: { value?: string | number } }) {
  const name = String(payload?.value ?? '');
  return (
    <text x={Number(x)} y={Number(y)} dy="0.35em" textAnchor="end" className="recharts-cartesian-axis-tick-value">
      <title>{name}</title>
      {name.length > 30 ? `${name.slice(0, 29)}…` : name}
    </text>
  );
}
