// toxstate inspector page: fitting a chart to its panel, zoom and pan, and the compact drawing
// used when a machine does not fit at a readable size.
//
// Labels are drawn 11 px tall in chart units (view.js, inspector/charts.ts), so a scale below 1
// would make them unreadable: "fit" never goes below 1. A machine whose full drawing (every
// stay transition as a row, every edge labelled) does not fit its panel at scale 1 is drawn
// compact instead: each state a box with its name and one line (the stay transition just taken,
// or how many it has), edges unlabelled except the ones that matter at this moment (the
// transition just taken, the tick that passes next, a recording's expected edge). "all labels"
// draws the full chart, panned and zoomed within the panel.

export const ZOOM_MIN = 1; // labels never below 11 px
export const ZOOM_MAX = 3;
const FIT_MAX = 1.5; // fit enlarges a small machine, but not to a poster
const CHAR_W = 6.7; // inspector/charts.ts CHAR_WIDTH_PX
const TITLE_H = 26; // TITLE_HEIGHT_PX
const ROW_LINE = 15; // ROW_HEIGHT_PX
const PAD = 10;
/** Widest one-line row in a compact box, in characters (longer rows are cut, the full text is a tooltip). */
export const COMPACT_ROW_CHARS = 34;

const clamp = (x, lo, hi) => Math.min(hi, Math.max(lo, x));

/** The compact ELK graph of a chart: same states and edges, small boxes, no edge labels. */
export function compactGraph(chart) {
  const states = new Map(chart.states.map((s) => [s.id, s]));
  const g = structuredClone(chart.graph);
  Object.assign(g.layoutOptions, {
    'elk.layered.spacing.nodeNodeBetweenLayers': '24',
    'elk.padding': '[top=6,left=6,bottom=6,right=6]',
    'elk.spacing.nodeNode': '26',
    'elk.spacing.edgeEdge': '10',
    'elk.layered.spacing.edgeNodeBetweenLayers': '10',
  });
  const walk = (node) => {
    for (const e of node.edges ?? []) e.labels = [];
    for (const c of node.children ?? []) {
      const s = states.get(c.id);
      const title = `${s?.initial ? '● ' : ''}${s?.name ?? c.id}`;
      const rows = s?.rows ?? [];
      const rowW = rows.length ? Math.min(COMPACT_ROW_CHARS, Math.max(...rows.map((r) => r.text.length))) * CHAR_W : 0;
      const w = Math.ceil(Math.max(title.length * CHAR_W, rowW) + 2 * PAD);
      const header = TITLE_H + (rows.length ? ROW_LINE : 0);
      if (c.children?.length) {
        c.layoutOptions = { ...c.layoutOptions, 'elk.padding': `[top=${header + 6},left=${PAD},bottom=${PAD},right=${PAD}]`, 'elk.nodeSize.minimum': `(${w}, ${header + 30})` };
        walk(c);
      } else {
        c.width = Math.max(w, 110);
        c.height = header + 4;
      }
    }
  };
  walk(g);
  return g;
}

/** A row's text cut to fit a compact box. */
export const cutRow = (text) => (text.length > COMPACT_ROW_CHARS ? `${text.slice(0, COMPACT_ROW_CHARS - 1)}…` : text);

/** The scale that fits a w × h chart into a vw × vh view (never below ZOOM_MIN). */
export function fitScale(w, h, vw, vh) {
  if (!(vw > 0 && vh > 0)) return ZOOM_MIN;
  return clamp(Math.min(vw / w, vh / h), ZOOM_MIN, FIT_MAX);
}

/** True when a w × h drawing fits a vw × vh view at scale 1. */
export const fitsAtOne = (w, h, vw, vh) => w <= vw && h <= vh;

/** The size a chart view offers its drawing (inside its padding). */
export function viewSize(view) {
  const cs = getComputedStyle(view);
  return {
    w: view.clientWidth - parseFloat(cs.paddingLeft) - parseFloat(cs.paddingRight),
    h: view.clientHeight - parseFloat(cs.paddingTop) - parseFloat(cs.paddingBottom),
  };
}

/**
 * Draws the view's SVG at scale z (its width and height; the viewBox stays the chart's units).
 * `anchor` ({x, y} in view pixels) stays over the same point of the chart; by default the centre.
 */
export function setScale(view, z, anchor) {
  const svg = view.querySelector('svg');
  if (!svg) return;
  const w = Number(svg.dataset.w);
  const h = Number(svg.dataset.h);
  const old = Number(svg.dataset.z || 1);
  const ax = anchor?.x ?? view.clientWidth / 2;
  const ay = anchor?.y ?? view.clientHeight / 2;
  const cx = (view.scrollLeft + ax) / old;
  const cy = (view.scrollTop + ay) / old;
  svg.setAttribute('width', String(Math.round(w * z)));
  svg.setAttribute('height', String(Math.round(h * z)));
  svg.dataset.z = String(z);
  view.scrollLeft = cx * z - ax;
  view.scrollTop = cy * z - ay;
}

/** The next zoom step from z (buttons and keys): ×1.25 in, ÷1.25 out, within the limits. */
export const zoomStep = (z, dir) => clamp(dir > 0 ? z * 1.25 : z / 1.25, ZOOM_MIN, ZOOM_MAX);

/**
 * Ctrl/⌘-wheel zooms about the pointer, dragging pans; `onZoom(z, anchor)` is told the scale
 * the user asked for (the caller remembers it and draws).
 */
export function wirePanZoom(view, current, onZoom) {
  view.addEventListener(
    'wheel',
    (e) => {
      if (!e.ctrlKey && !e.metaKey) return;
      e.preventDefault();
      const r = view.getBoundingClientRect();
      const z = clamp(current() * Math.exp(-e.deltaY * 0.002), ZOOM_MIN, ZOOM_MAX);
      onZoom(z, { x: e.clientX - r.left, y: e.clientY - r.top });
    },
    { passive: false },
  );
  let drag = null;
  view.addEventListener('pointerdown', (e) => {
    if (e.button !== 0) return;
    drag = { x: e.clientX, y: e.clientY, left: view.scrollLeft, top: view.scrollTop, id: e.pointerId };
    view.classList.add('panning');
  });
  view.addEventListener('pointermove', (e) => {
    if (!drag || e.pointerId !== drag.id) return;
    if (Math.abs(e.clientX - drag.x) + Math.abs(e.clientY - drag.y) > 3) view.setPointerCapture?.(e.pointerId);
    view.scrollLeft = drag.left - (e.clientX - drag.x);
    view.scrollTop = drag.top - (e.clientY - drag.y);
  });
  const end = () => {
    drag = null;
    view.classList.remove('panning');
  };
  view.addEventListener('pointerup', end);
  view.addEventListener('pointercancel', end);
}
