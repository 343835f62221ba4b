/// <reference types="vite/client" />
/**
 * The demo page: mounts every panel of `panels/index.ts` in its own section. A panel that fails to mount
 * shows its error in place; the others keep working.
 * @module
 */
import { exposeBuses } from '../src/testing/page/index.js';
import { describeError, h } from './components/dom.js';
import { onInspectTarget } from './components/inspect.js';
import { panels, type DemoPanel } from './panels/index.js';

const page = new AbortController();
addEventListener('pagehide', () => page.abort(), { once: true });
// dev only (gone from a production build): the e2e tests reach every panel's bus through isoflux/playwright
if (import.meta.env.DEV) onInspectTarget((target) => void (target.kind === 'bus' && exposeBuses({ [target.name]: target.bus })));

async function mount(panel: DemoPanel, container: HTMLElement): Promise<void> {
  const body = h('div', { class: 'panel-body' });
  const section = h(
    'section',
    { class: 'panel', 'data-panel': panel.id, 'aria-labelledby': `panel-${panel.id}` },
    h('h2', { id: `panel-${panel.id}` }, panel.title),
    h('p', { class: 'summary' }, panel.summary),
    body,
  );
  container.append(section);
  try {
    await panel.mount(body, page.signal);
    section.dataset['ready'] = 'true';
  } catch (error) {
    const view = describeError(error);
    body.replaceChildren(h('p', { class: 'error', role: 'alert' }, h('code', {}, view.code), ' ', view.message));
    section.dataset['ready'] = 'failed';
  }
}

const container = document.getElementById('panels');
if (container === null) throw new Error('demo/index.html lost its #panels element');
await Promise.all(panels.map((panel) => mount(panel, container)));
