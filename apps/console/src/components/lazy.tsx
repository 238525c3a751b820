import { Skeleton } from 'antd';
import { lazy, Suspense, type ComponentProps } from 'react';

// The editor (CodeMirror) and the charts (ECharts) are chunks of their own, loaded when shown.
const JsonEditorChunk = lazy(() => import('./JsonEditor'));
const ChartChunk = lazy(() => import('./Chart'));

export function JsonEditor(props: ComponentProps<typeof JsonEditorChunk>) {
  return (
    <Suspense fallback={<Skeleton active />}>
      <JsonEditorChunk {...props} />
    </Suspense>
  );
}

export function Chart(props: ComponentProps<typeof ChartChunk>) {
  // Until the chunk is there, a box of the chart's height, so the page does not jump when it draws.
  return (
    <Suspense
      fallback={
        props.height !== undefined && props.height < 120 ? (
          <div style={{ height: props.height }} />
        ) : (
          <Skeleton active />
        )
      }
    >
      <ChartChunk {...props} />
    </Suspense>
  );
}

// The option object of a chart, without importing ECharts into the caller's chunk.
export type ChartOptionOf = Record<string, unknown>;
