import type { Labels, MetricFamily } from './families.js';

/** The content type of {@link toPrometheusText}: the Prometheus text format 0.0.4. */
export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

const escapeLabel = (v: string): string =>
  v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
const escapeHelp = (v: string): string => v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');

/** A sample value as the format spells it (`+Inf`, `-Inf`, `NaN`). */
export function formatValue(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Number.POSITIVE_INFINITY) return '+Inf';
  if (value === Number.NEGATIVE_INFINITY) return '-Inf';
  return String(value);
}

function labelText(labels: Labels, extra?: [string, string]): string {
  const parts: string[] = [];
  for (const name in labels) parts.push(`${name}="${escapeLabel(labels[name] as string)}"`);
  if (extra) parts.push(`${extra[0]}="${escapeLabel(extra[1])}"`);
  return parts.length === 0 ? '' : `{${parts.join(',')}}`;
}

/**
 * The Prometheus text exposition (format 0.0.4) of `families`: `# HELP` and `# TYPE` lines,
 * escaped label values, histograms as cumulative `_bucket{le}` (ending with `+Inf`), `_sum` and
 * `_count`. Plain string building: it runs on every runtime (Node, Deno, Bun, edge workers).
 */
export function toPrometheusText(families: readonly MetricFamily[]): string {
  let out = '';
  for (const family of families) {
    out += `# HELP ${family.name} ${escapeHelp(family.help)}\n# TYPE ${family.name} ${family.type}\n`;
    if (family.type === 'histogram') {
      for (const s of family.samples) {
        for (let i = 0; i < s.bounds.length; i++) {
          out += `${family.name}_bucket${labelText(s.labels, ['le', formatValue(s.bounds[i] as number)])} ${s.cumulative[i]}\n`;
        }
        out += `${family.name}_bucket${labelText(s.labels, ['le', '+Inf'])} ${s.count}\n`;
        out += `${family.name}_sum${labelText(s.labels)} ${formatValue(s.sum)}\n`;
        out += `${family.name}_count${labelText(s.labels)} ${s.count}\n`;
      }
    } else {
      for (const s of family.samples) out += `${family.name}${labelText(s.labels)} ${formatValue(s.value)}\n`;
    }
  }
  return out;
}
