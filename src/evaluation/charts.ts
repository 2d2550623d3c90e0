/**
 * Charts rendered server-side to SVG strings with Apache ECharts (SSR mode), so reports are
 * self-contained files that open offline and print cleanly: no script, no network.
 */
import { init, use, type EChartsCoreOption } from 'echarts/core.js';
import { BarChart, LineChart, ScatterChart } from 'echarts/charts.js';
import { GridComponent, LegendComponent, MarkLineComponent, TitleComponent } from 'echarts/components.js';
import { SVGRenderer } from 'echarts/renderers.js';

use([SVGRenderer, LineChart, BarChart, ScatterChart, GridComponent, LegendComponent, TitleComponent, MarkLineComponent]);

export interface LineSeries {
  readonly name: string;
  readonly x: readonly number[];
  readonly y: readonly number[];
  /** Dashed reference line (e.g. the chance diagonal). */
  readonly dashed?: boolean;
  /** Draw points only (scatter). */
  readonly points?: boolean;
}

export interface ChartOptions {
  readonly title: string;
  readonly xName: string;
  readonly yName: string;
  readonly width?: number;
  readonly height?: number;
  readonly xMin?: number;
  readonly xMax?: number;
  readonly yMin?: number;
  readonly yMax?: number;
}

const PALETTE = ['#1f6feb', '#d1242f', '#1a7f37', '#9a6700', '#8250df', '#57606a', '#bf3989', '#0a7ea4'];

function render(option: EChartsCoreOption, width: number, height: number): string {
  const chart = init(null, null, { renderer: 'svg', ssr: true, width, height });
  chart.setOption({ animation: false, color: PALETTE, textStyle: { fontFamily: 'system-ui, sans-serif' }, ...option });
  const svg = chart.renderToSVGString();
  chart.dispose();
  return svg;
}

/** Line (or scatter) chart of numeric x/y series. */
export function lineChart(series: readonly LineSeries[], o: ChartOptions): string {
  return render(
    {
      title: { text: o.title, left: 'center', textStyle: { fontSize: 14 } },
      legend: { bottom: 0, data: series.map((s) => s.name) },
      grid: { left: 60, right: 20, top: 40, bottom: 60 },
      xAxis: { type: 'value', name: o.xName, nameLocation: 'middle', nameGap: 28, min: o.xMin, max: o.xMax },
      yAxis: { type: 'value', name: o.yName, nameLocation: 'middle', nameGap: 42, min: o.yMin, max: o.yMax },
      series: series.map((s) => ({
        name: s.name,
        type: s.points ? 'scatter' : 'line',
        symbol: s.points ? 'circle' : 'none',
        symbolSize: 5,
        lineStyle: s.dashed ? { type: 'dashed', width: 1 } : { width: 2 },
        data: s.x.map((x, i) => [x, s.y[i]]),
      })),
    },
    o.width ?? 460,
    o.height ?? 340,
  );
}

/** Horizontal bar chart (e.g. feature importance), largest first, with optional error bars as text. */
export function barChart(labels: readonly string[], values: readonly number[], o: ChartOptions): string {
  const order = labels.map((_, i) => i).reverse();
  return render(
    {
      title: { text: o.title, left: 'center', textStyle: { fontSize: 14 } },
      grid: { left: 170, right: 40, top: 40, bottom: 40 },
      xAxis: { type: 'value', name: o.xName, nameLocation: 'middle', nameGap: 26 },
      yAxis: { type: 'category', data: order.map((i) => labels[i]), axisLabel: { width: 160, overflow: 'truncate' } },
      series: [{ type: 'bar', data: order.map((i) => values[i]), label: { show: true, position: 'right', formatter: (p: { value: number }) => p.value.toFixed(3) } }],
    },
    o.width ?? 560,
    o.height ?? Math.max(200, 60 + labels.length * 26),
  );
}
