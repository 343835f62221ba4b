/**
 * The inspector's stylesheet, scoped to its shadow root so it neither takes nor leaks the app's styles.
 * @module
 */

/** CSS of the inspector. Colours come in pairs of fill and text that read on white and in forced colours. */
export const INSPECTOR_CSS = `
:host { all: initial; display: block; font: 12px/1.4 system-ui, sans-serif; color: #1f2933; }
.if-root { border: 1px solid #cbd2d9; border-radius: 8px; background: #fff; padding: 10px 12px; max-width: 800px; }
.if-head { display: flex; flex-wrap: wrap; gap: 4px 12px; align-items: baseline; margin: 0 0 6px; }
.if-head h2 { font-size: 14px; margin: 0; }
.if-kinds { color: #52606d; }
.if-untapped { color: #b54708; }
.if-section { margin: 8px 0 4px; overflow-x: auto; }
.if-section h3 { font-size: 12px; margin: 0 0 2px; color: #323f4b; }
.if-note { margin: 0 0 2px; color: #616e7c; }
/* full size, scrolled sideways in a narrow page: shrunk, the labels would be unreadable */
svg { display: block; overflow: visible; }
text { font: 11px system-ui, sans-serif; fill: #323f4b; }
.if-muted { fill: #7b8794; }
.if-figure { fill: #1f2933; font-variant-numeric: tabular-nums; }
.if-warn { fill: #b42318; font-variant-numeric: tabular-nums; }
.if-track { fill: #f0f4f8; }
.if-bars rect { fill: #2f80ed; }
.if-fill { fill: #27ae60; }
.if-fill.if-hot { fill: #eb5757; }
.if-peak { stroke: #b42318; stroke-width: 2; }
.if-closed text { fill: #9aa5b1; text-decoration: line-through; }
.if-dot { fill: #9aa5b1; }
.if-dot.if-here { fill: #27ae60; }
.if-depth { fill: rgba(47, 128, 237, 0.35); stroke: #2f80ed; stroke-width: 1; }
.if-age { fill: none; stroke: #f2994a; stroke-width: 2; }
.if-key-depth { fill: rgba(47, 128, 237, 0.6); }
.if-key-age { fill: #f2994a; }
.if-state-connected { fill: #27ae60; }
.if-state-connecting { fill: #f2c94c; }
.if-state-reconnecting { fill: #f2994a; }
.if-state-offline { fill: #9b51e0; }
.if-state-closed { fill: #4f4f4f; }
.if-state-unknown { fill: #bdbdbd; }
.if-legend { display: flex; gap: 10px; flex-wrap: wrap; margin: 2px 0 0; color: #52606d; }
.if-legend i { display: inline-block; width: 10px; height: 10px; border-radius: 2px; margin-right: 3px; vertical-align: -1px; }
`;
