import { PORTAL_INTERNAL_ROUTES } from '@delta/contracts';
import { startPlant } from '@delta/plant/test/plant-test-app.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PLANT_RELAYS } from '../src/routes/plant-relay-routes.ts';
import { type PpTestApp, startPp } from './pp-test-app.ts';

/**
 * The calls between services point at routes that exist: every PP relay at a Plant route with the same method,
 * and every portal route Plant calls at PP's internal API. A relay that points nowhere (as /api/audit/records
 * once did) fails here, not in front of an operator.
 */
let plant: Awaited<ReturnType<typeof startPlant>>;
let pp: PpTestApp;

beforeAll(async () => {
  plant = await startPlant();
  pp = await startPp();
}, 120_000);
afterAll(async () => {
  await plant?.close();
  await pp?.close();
});

describe('service-to-service contracts', () => {
  it.each(PLANT_RELAYS.map((r) => [`${r.method} ${r.path} → ${r.plantRoute}`, r] as const))(
    'PP relay %s points at a Plant route',
    (_name, relay) => {
      expect(plant.app.hasRoute({ method: relay.method, url: relay.plantRoute })).toBe(true);
      expect(pp.app.hasRoute({ method: relay.method, url: relay.path })).toBe(true);
    },
  );

  it.each(Object.entries(PORTAL_INTERNAL_ROUTES))(
    'the portal serves what Plant calls: %s (%s)',
    (_name, path) => {
      expect(pp.app.hasRoute({ method: 'POST', url: path })).toBe(true);
    },
  );

  it('a relay that points nowhere would be caught: Plant has no such route', () => {
    expect(plant.app.hasRoute({ method: 'GET', url: '/api/v1/audit/nowhere' })).toBe(false);
  });
});
