/**
 * The scoreboard as a chart: a Vega-Lite spec (https://vega.github.io/vega-lite/) rendered to a
 * static SVG by Vega itself, headless (no browser, no canvas), saved beside the JSON. The spec
 * is built from the scoreboard alone, so a test can check it without running anything.
 */
import type { TopLevelSpec } from 'vega-lite';
import type { Scoreboard } from './scoreboard.js';

/** A Vega-Lite spec (kept loose: the library validates it when compiling). */
export type ChartSpec = Record<string, unknown>;

/** Bars of ours ÷ peer per comparison and concurrency, then p99 beside each promise. */
export function chartSpec(board: Scoreboard, title: string): ChartSpec {
  const ratios = board.lines.flatMap((line) =>
    Object.entries(line.ratio).map(([concurrency, ratio]) => ({
      comparison: `${line.feature}: ${line.operation}${line.adapter === 'ioredis' ? '' : ` [${line.adapter}]`} vs ${line.peer}`,
      concurrency: `c=${concurrency}`,
      ratio,
    })),
  );
  const latencies = board.promises.flatMap((p) =>
    Object.entries(p.latencyMs).map(([concurrency, l]) => ({
      promise: `${p.what} < ${p.ms} ms`,
      concurrency: `c=${concurrency}`,
      p99: l.p99,
      p50: l.p50,
      bound: p.ms,
    })),
  );
  const concurrencyColor = { field: 'concurrency', type: 'nominal', title: 'in flight' };
  const comparisonAxis = {
    field: 'comparison',
    type: 'nominal',
    title: null,
    sort: null,
    axis: { labelLimit: 800 },
  };
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title: { text: title, anchor: 'start' },
    config: { font: 'sans-serif', view: { stroke: null } },
    vconcat: [
      {
        title: {
          text: 'Ours ÷ peer, ops/s in the same run (right of 1 = we are faster)',
          anchor: 'start',
          fontSize: 12,
        },
        data: { values: ratios },
        width: 420,
        layer: [
          {
            mark: { type: 'bar' },
            encoding: {
              y: comparisonAxis,
              yOffset: { field: 'concurrency', type: 'nominal' },
              x: { field: 'ratio', type: 'quantitative', title: 'ours ÷ peer (×)' },
              color: concurrencyColor,
              tooltip: [{ field: 'comparison' }, { field: 'concurrency' }, { field: 'ratio', format: '.2f' }],
            },
          },
          {
            mark: { type: 'text', align: 'left', dx: 3, fontSize: 9 },
            encoding: {
              y: comparisonAxis,
              yOffset: { field: 'concurrency', type: 'nominal' },
              x: { field: 'ratio', type: 'quantitative' },
              text: { field: 'ratio', type: 'quantitative', format: '.2f' },
            },
          },
          { mark: { type: 'rule', color: '#333' }, encoding: { x: { datum: 1 } } },
        ],
      },
      {
        title: {
          text: 'p99 latency (ms) beside the old system’s promise (tick)',
          anchor: 'start',
          fontSize: 12,
        },
        data: { values: latencies },
        width: 420,
        layer: [
          {
            mark: { type: 'bar' },
            encoding: {
              y: { field: 'promise', type: 'nominal', title: null, axis: { labelLimit: 800 } },
              yOffset: { field: 'concurrency', type: 'nominal' },
              x: { field: 'p99', type: 'quantitative', title: 'p99 (ms)' },
              color: concurrencyColor,
            },
          },
          {
            mark: { type: 'tick', color: '#c00', thickness: 2 },
            encoding: {
              y: { field: 'promise', type: 'nominal' },
              x: { field: 'bound', type: 'quantitative' },
            },
          },
        ],
      },
    ],
  };
}

/** Render a Vega-Lite spec to SVG text (Vega's headless renderer). */
export async function renderSvg(spec: ChartSpec): Promise<string> {
  const [vega, vegaLite] = await Promise.all([import('vega'), import('vega-lite')]);
  // The spec is checked by vega-lite's compiler, which throws on a bad one.
  const compiled = vegaLite.compile(spec as unknown as TopLevelSpec).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}
