import type { Registry } from 'prom-client';
import { Counter, Gauge } from 'prom-client';

export function createFilestashMetrics(registry: Registry) {
  const renders = new Counter({
    name: 'filestash_renders_total',
    help: 'renders by outcome',
    labelNames: ['outcome'],
    registers: [registry],
  });
  const shares = new Gauge({
    name: 'filestash_shares',
    help: 'shares in the rendered config by access (ro, rw) and disabled ones',
    labelNames: ['state'],
    registers: [registry],
  });
  const restarts = new Counter({
    name: 'filestash_restarts_total',
    help: 'filestash restarts after a changed render',
    registers: [registry],
  });
  return {
    render(outcome: 'ok' | 'failed') {
      renders.inc({ outcome });
    },
    setShares(ro: number, rw: number, disabled: number) {
      shares.set({ state: 'ro' }, ro);
      shares.set({ state: 'rw' }, rw);
      shares.set({ state: 'disabled' }, disabled);
    },
    restarted() {
      restarts.inc();
    },
  };
}
