/**
 * The page's chart sizing (inspector/page/zoom.js, plain browser JS without DOM at import): the
 * compact drawing keeps every state and every edge of each machine (only the edge labels go, and
 * the boxes shrink), and "fit" never scales below 1 — labels are 11 px in chart units, so a
 * smaller scale would make them unreadable — nor enlarges past 1.5.
 */
import { describe, expect, it } from 'vitest';
import { allCharts, type ElkNode } from '../../inspector/charts.js';

interface ZoomModule {
  compactGraph(chart: unknown): ElkNode;
  fitScale(w: number, h: number, vw: number, vh: number): number;
  zoomStep(z: number, dir: number): number;
  cutRow(text: string): string;
  COMPACT_ROW_CHARS: number;
  ZOOM_MIN: number;
}
const zoom = (await import('../../inspector/page/zoom.js' as string)) as ZoomModule;

function nodes(n: ElkNode, out: ElkNode[] = []): ElkNode[] {
  for (const c of n.children ?? []) {
    out.push(c);
    nodes(c, out);
  }
  return out;
}
function edges(n: ElkNode, out: NonNullable<ElkNode['edges']> = []): NonNullable<ElkNode['edges']> {
  out.push(...(n.edges ?? []));
  for (const c of n.children ?? []) edges(c, out);
  return out;
}

describe('page/zoom.js', () => {
  it('draws every machine compact with the same states and edges, smaller boxes and no edge labels', () => {
    for (const [name, chart] of Object.entries(allCharts())) {
      const full = chart.graph;
      const compact = zoom.compactGraph(chart);
      expect(nodes(compact).map((n) => n.id), name).toEqual(nodes(full).map((n) => n.id));
      expect(edges(compact).map((e) => e.id), name).toEqual(edges(full).map((e) => e.id));
      for (const e of edges(compact)) expect(e.labels, e.id).toEqual([]);
      const fullById = new Map(nodes(full).map((n) => [n.id, n]));
      for (const n of nodes(compact)) {
        if (n.width === undefined) continue; // a compound state: sized by its children
        expect(n.height!, n.id).toBeLessThanOrEqual(fullById.get(n.id)!.height!);
        expect(n.height!, n.id).toBeGreaterThanOrEqual(26 + 4); // the title fits
      }
      // The chart's own input is not changed (it is shared by every view).
      expect(edges(full).every((e) => e.labels.length === 1)).toBe(true);
    }
  });

  it('fits never below scale 1 (11 px labels) and never past 1.5', () => {
    expect(zoom.ZOOM_MIN).toBe(1);
    expect(zoom.fitScale(1806, 1330, 600, 450)).toBe(1);
    expect(zoom.fitScale(300, 200, 600, 500)).toBe(1.5);
    expect(zoom.fitScale(500, 400, 600, 440)).toBeCloseTo(1.1, 5);
    expect(zoom.fitScale(500, 400, 0, 0)).toBe(1); // not laid out yet
    expect(zoom.zoomStep(1, -1)).toBe(1);
    expect(zoom.zoomStep(1, 1)).toBe(1.25);
    expect(zoom.zoomStep(2.9, 1)).toBe(3);
  });

  it('cuts a long stay-transition row to one compact line', () => {
    const long = 'tick [isResendDue] / send.handshake, send.confirm';
    expect(zoom.cutRow(long)).toHaveLength(zoom.COMPACT_ROW_CHARS);
    expect(zoom.cutRow(long).endsWith('…')).toBe(true);
    expect(zoom.cutRow('relay.route')).toBe('relay.route');
  });
});
