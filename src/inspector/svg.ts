/**
 * The few SVG and HTML primitives the inspector draws with: no UI framework, just elements.
 * @module
 */

const SVG = 'http://www.w3.org/2000/svg';

/** Attribute values; `undefined` leaves the attribute out. */
export type Attrs = Record<string, string | number | undefined>;

function set(node: Element, attrs: Attrs): void {
  for (const [name, value] of Object.entries(attrs)) if (value !== undefined) node.setAttribute(name, String(value));
}

/** An SVG element. */
export function svg(tag: string, attrs: Attrs = {}, ...children: Array<Node | string>): SVGElement {
  const node = document.createElementNS(SVG, tag) as SVGElement;
  set(node, attrs);
  node.append(...children);
  return node;
}

/** An HTML element. */
export function html(tag: string, attrs: Attrs = {}, ...children: Array<Node | string>): HTMLElement {
  const node = document.createElement(tag);
  set(node, attrs);
  node.append(...children);
  return node;
}

/** A text label in SVG, cut to `max` characters (the whole text in its tooltip). */
export function label(x: number, y: number, text: string, attrs: Attrs = {}, max = 48): SVGElement {
  const shown = text.length > max ? `${text.slice(0, max - 1)}…` : text;
  return svg('text', { x, y, ...attrs }, svg('title', {}, text), shown);
}

/** Vertical bars, one per count, scaled to `max`, in a box of `width` × `height` at (x, y). */
export function bars(counts: readonly number[], x: number, y: number, width: number, height: number, max: number, cls: string): SVGElement {
  const group = svg('g', { class: cls });
  const step = width / Math.max(1, counts.length);
  counts.forEach((count, i) => {
    if (count <= 0) return;
    const h = Math.max(1, (count / Math.max(1, max)) * height);
    group.append(
      svg(
        'rect',
        { x: (x + i * step).toFixed(1), y: (y + height - h).toFixed(1), width: Math.max(1, step - 1).toFixed(1), height: h.toFixed(1) },
        svg('title', {}, String(count)),
      ),
    );
  });
  return group;
}

/** A step line through (time, value) points over [from, to], scaled to `max`, as an SVG path. */
export function stepPath(
  points: ReadonlyArray<{ at: number; value: number }>,
  from: number,
  to: number,
  x: number,
  y: number,
  width: number,
  height: number,
  max: number,
): string {
  const px = (at: number): string => (x + ((Math.max(at, from) - from) / Math.max(1, to - from)) * width).toFixed(1);
  const py = (value: number): string => (y + height - (value / Math.max(1, max)) * height).toFixed(1);
  if (points.length === 0) return '';
  let d = `M${px(from)},${py((points[0] as { value: number }).value)}`;
  for (const point of points) d += ` H${px(point.at)} V${py(point.value)}`;
  return `${d} H${px(to)}`;
}

/** The width of every chart. */
export const WIDTH = 760;
/** The height of one row. */
export const ROW = 22;
/** The width of a row's label column. */
export const LABEL_W = 250;

/** A titled section of the inspector. */
export function section(name: string, title: string, body: Node, note?: string): HTMLElement {
  return html(
    'section',
    { class: 'if-section', 'data-section': name },
    html('h3', {}, title),
    ...(note === undefined ? [] : [html('p', { class: 'if-note' }, note)]),
    body,
  );
}

/** A one-line picture saying there is nothing to draw yet. */
export function empty(text: string): SVGElement {
  return svg('svg', { width: WIDTH, height: ROW + 6, viewBox: `0 0 ${WIDTH} ${ROW + 6}`, role: 'img' }, label(8, 18, text, { class: 'if-muted' }, 90));
}

/** An empty chart of `rows` rows (each row a `<g>` appended by the caller). */
export function rowsChart(rows: number, ariaLabel: string): SVGElement {
  const height = rows * ROW + 4;
  return svg('svg', { width: WIDTH, height, viewBox: `0 0 ${WIDTH} ${height}`, role: 'img', 'aria-label': ariaLabel });
}
