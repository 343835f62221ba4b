/**
 * The live inspector (isoflux/inspector) over every other panel: what they publish, each slow
 * subscriber's buffer, the cross-tab queue group's leader, the outbox's depth and the NATS connection's
 * state. Loaded with a dynamic import, as an app would do behind a dev-only check, so it costs nothing
 * until shown.
 * @module
 */
import { h } from '../components/dom.js';
import { onInspectTarget } from '../components/inspect.js';
import type { DemoPanel } from './types.js';

export const inspectorPanel: DemoPanel = {
  id: 'inspector',
  title: 'Live inspector',
  summary:
    'isoflux/inspector drawing the flow of every panel above: messages per subject, buffers and drops, queue-group leaders, outbox depth, connection state.',
  async mount(root, signal) {
    const { mountInspector } = await import('../../src/inspector/index.js');
    const toggle = h('button', { type: 'button', 'data-testid': 'inspector-toggle', 'aria-expanded': 'true' }, 'Hide inspector');
    const stage = h('div', { class: 'inspector-stage', 'data-testid': 'inspector-stage' });
    root.append(h('div', { class: 'actions' }, toggle), stage);
    const inspector = mountInspector(stage, { signal });
    const stop = onInspectTarget((target) => {
      if (target.kind === 'bus') inspector.add(target.name, target.bus);
      else if (target.kind === 'subscription') inspector.watchSubscription(target.watched);
      else if (target.kind === 'outbox') inspector.watchOutbox(target.outbox);
      else inspector.watchConnection(target.connection);
      inspector.refresh();
    });
    signal.addEventListener('abort', stop, { once: true });
    toggle.addEventListener('click', () => {
      const shown = stage.hidden;
      stage.hidden = !shown;
      toggle.textContent = shown ? 'Hide inspector' : 'Show inspector';
      toggle.setAttribute('aria-expanded', String(shown));
    });
  },
};
