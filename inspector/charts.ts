/**
 * The inputs of the statechart drawings: every machine read back as data (machines/describe.ts)
 * and turned into an ELK graph (elkjs JSON) that the page lays out and draws as SVG.
 *
 * Drawing rules:
 * - a state is a box titled with its name; a compound state (dhtkeyShare's `Active`) is a box
 *   holding its children;
 * - transitions with a target are edges, one per (source, target) pair, labelled with one
 *   `event [guard]` line per transition (a re-entering transition is a self-loop);
 * - a transition without a target (it stays, its actions run) is a row inside its state's box,
 *   as Stately draws them; this keeps the charts readable (15 of friendSession's 37 stay).
 * Sizes are computed here from a fixed-width font (the page draws with the same metrics), so
 * the layout needs no text measuring.
 */
import { describeMachine, type MachineDescription, type TransitionRow } from '../machines/describe.js';
import { machineSpecs, type MachineName } from '../machines/index.js';

/** The page draws labels in an 11 px monospace font: this is its advance per character. */
export const CHAR_WIDTH_PX = 6.7;
export const ROW_HEIGHT_PX = 15;
export const TITLE_HEIGHT_PX = 26;
const BOX_PAD_PX = 10;

export interface ElkLabel {
  text: string;
  width: number;
  height: number;
}

export interface ElkEdge {
  id: string;
  sources: string[];
  targets: string[];
  labels: ElkLabel[];
}

export interface ElkNode {
  id: string;
  width?: number;
  height?: number;
  layoutOptions?: Record<string, string>;
  children?: ElkNode[];
  edges?: ElkEdge[];
}

/** One transition drawn as a row inside its state (it has no target). */
export interface InternalRow {
  readonly transition: string;
  readonly text: string;
}

export interface ChartState {
  readonly id: string;
  readonly name: string;
  readonly description: string | null;
  readonly initial: boolean;
  readonly parent: string | null;
  readonly compound: boolean;
  readonly rows: readonly InternalRow[];
}

/** One drawn edge: every transition from `source` to `target`, one label line each. */
export interface ChartEdge {
  readonly id: string;
  readonly source: string;
  readonly target: string;
  readonly lines: readonly InternalRow[];
}

export interface MachineChart {
  readonly name: MachineName;
  readonly description: string | null;
  readonly states: readonly ChartState[];
  readonly transitions: readonly TransitionRow[];
  /** Transitions of the machine's root (drawn as rows under the chart's title). */
  readonly rootRows: readonly InternalRow[];
  readonly edges: readonly ChartEdge[];
  /** The ELK graph to lay out; edge ids are `<source>-><target>` (see `edges`). */
  readonly graph: ElkNode;
}

export function transitionLabel(t: Pick<TransitionRow, 'event' | 'guard'>): string {
  return t.guard ? `${t.event} [${t.guard}]` : t.event;
}

function rowText(t: TransitionRow): string {
  return t.outputs.length > 0 ? `${transitionLabel(t)} / ${t.outputs.join(', ')}` : transitionLabel(t);
}

const textWidth = (s: string): number => Math.ceil(s.length * CHAR_WIDTH_PX);

function parentOf(id: string): string | null {
  const i = id.lastIndexOf('.');
  return i < 0 ? null : id.slice(0, i);
}

/** The container of an edge: the deepest state that is a proper ancestor of both ends (null = root). */
function edgeContainer(source: string, target: string): string | null {
  const ancestors = (id: string): string[] => {
    const out: string[] = [];
    for (let p = parentOf(id); p !== null; p = parentOf(p)) out.push(p);
    return out;
  };
  const a = ancestors(source);
  const b = new Set(ancestors(target));
  return a.find((x) => b.has(x)) ?? null;
}

export function machineChart(name: MachineName): MachineChart {
  const d: MachineDescription = describeMachine(machineSpecs[name]);
  const rowsBySource = new Map<string, InternalRow[]>();
  for (const t of d.transitions) {
    if (t.targets.length > 0) continue;
    const list = rowsBySource.get(t.source) ?? [];
    list.push({ transition: t.id, text: rowText(t) });
    rowsBySource.set(t.source, list);
  }
  const states: ChartState[] = d.states.map((s) => ({
    id: s.id,
    name: s.id.slice(s.id.lastIndexOf('.') + 1),
    description: s.description,
    initial: s.initial,
    parent: parentOf(s.id),
    compound: s.children.length > 0,
    rows: rowsBySource.get(s.id) ?? [],
  }));
  const byId = new Map(states.map((s) => [s.id, s]));
  const nodes = new Map<string, ElkNode>();
  const root: ElkNode = {
    id: '__root',
    layoutOptions: {
      'elk.algorithm': 'layered',
      'elk.direction': 'DOWN',
      'elk.hierarchyHandling': 'INCLUDE_CHILDREN',
      'elk.json.edgeCoords': 'ROOT',
      'elk.json.shapeCoords': 'ROOT',
      'elk.layered.spacing.nodeNodeBetweenLayers': '56',
      'elk.spacing.nodeNode': '36',
      'elk.spacing.edgeLabel': '3',
      'elk.spacing.edgeEdge': '14',
      'elk.layered.spacing.edgeNodeBetweenLayers': '14',
      'elk.edgeRouting': 'ORTHOGONAL',
      // Keep the states in definition order: the friend session reads top-down in ToxProgress order.
      'elk.layered.considerModelOrder.strategy': 'NODES_AND_EDGES',
      'elk.layered.crossingMinimization.forceNodeModelOrder': 'true',
      'elk.layered.cycleBreaking.strategy': 'MODEL_ORDER',
      'elk.padding': '[top=12,left=12,bottom=12,right=12]',
    },
    children: [],
    edges: [],
  };
  for (const s of states) {
    const title = `${s.initial ? '● ' : ''}${s.name}`;
    const rowsWidth = Math.max(0, ...s.rows.map((r) => textWidth(r.text)));
    const header = TITLE_HEIGHT_PX + s.rows.length * ROW_HEIGHT_PX;
    const node: ElkNode = { id: s.id };
    if (s.compound) {
      node.layoutOptions = {
        'elk.padding': `[top=${header + 8},left=${BOX_PAD_PX},bottom=${BOX_PAD_PX},right=${BOX_PAD_PX}]`,
        'elk.nodeSize.constraints': 'MINIMUM_SIZE',
        'elk.nodeSize.minimum': `(${Math.max(textWidth(title), rowsWidth) + 2 * BOX_PAD_PX}, ${header + 40})`,
      };
      node.children = [];
      node.edges = [];
    } else {
      node.width = Math.max(textWidth(title) + 2 * BOX_PAD_PX, rowsWidth + 2 * BOX_PAD_PX, 120);
      node.height = header + (s.rows.length > 0 ? 6 : 4);
    }
    nodes.set(s.id, node);
  }
  for (const s of states) {
    const container = s.parent === null ? root : nodes.get(s.parent)!;
    container.children!.push(nodes.get(s.id)!);
  }
  // One edge per (source, target) pair, labelled with one line per transition, in definition order.
  const edges = new Map<string, ChartEdge & { lines: InternalRow[] }>();
  for (const t of d.transitions) {
    if (t.source === '' || !byId.has(t.source)) continue;
    for (const target of t.targets) {
      const id = `${t.source}->${target}`;
      let e = edges.get(id);
      if (!e) edges.set(id, (e = { id, source: t.source, target, lines: [] }));
      e.lines.push({ transition: t.id, text: transitionLabel(t) });
    }
  }
  for (const e of edges.values()) {
    const container = edgeContainer(e.source, e.target);
    const holder = container === null ? root : nodes.get(container)!;
    holder.edges!.push({
      id: e.id,
      sources: [e.source],
      targets: [e.target],
      labels: [{ text: e.lines.map((l) => l.text).join('\n'), width: Math.max(...e.lines.map((l) => textWidth(l.text))), height: e.lines.length * ROW_HEIGHT_PX }],
    });
  }
  const rootRows = d.transitions.filter((t) => t.source === '').map((t) => ({ transition: t.id, text: rowText(t) }));
  return { name, description: d.description, states, transitions: d.transitions, edges: [...edges.values()], rootRows, graph: root };
}

let cache: Record<MachineName, MachineChart> | null = null;

/** Charts of every machine (built once). */
export function allCharts(): Record<MachineName, MachineChart> {
  if (cache) return cache;
  const out = {} as Record<MachineName, MachineChart>;
  for (const name of Object.keys(machineSpecs) as MachineName[]) out[name] = machineChart(name);
  return (cache = out);
}

/** Transition rows by id, per machine (for journal rows: source → target and guard). */
export function transitionById(machine: MachineName, id: string): TransitionRow | undefined {
  return transitionIndex()[machine].get(id);
}

let index: Record<MachineName, Map<string, TransitionRow>> | null = null;
function transitionIndex(): Record<MachineName, Map<string, TransitionRow>> {
  if (index) return index;
  const out = {} as Record<MachineName, Map<string, TransitionRow>>;
  for (const [name, chart] of Object.entries(allCharts()) as Array<[MachineName, MachineChart]>)
    out[name] = new Map(chart.transitions.map((t) => [t.id, t]));
  return (index = out);
}
