import type { TAuditViewPage, TAuditViewRecord } from '@delta/contracts';
import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { parseHash } from '../lib/hash-route.ts';
import { CUSTOMER_ID, renderAs, stubFetch } from '../test-fixtures.tsx';
import { AuditPage } from './Audit.tsx';

const CID = '3f1c2d4e-5b69-4788-92aa-34bc56de78f9';

const record = (
  over: Partial<TAuditViewRecord> & Pick<TAuditViewRecord, 'source' | 'id'>,
): TAuditViewRecord => ({
  correlation_id: CID,
  recorded_at: '2025-01-10T09:30:00.000Z',
  kind: 'pp_audit',
  actor: 'ops:usr_0123456789abcdef01234567(operator)',
  action: 'POST /api/reference-agents/:agent_id/run',
  outcome: 'deny',
  reason: null,
  customer_id: CUSTOMER_ID,
  details: {},
  ...over,
});

/** One request refused along the way in every service. */
const story = [
  record({ source: 'pp', id: '11', kind: 'pp_audit', action: 'approval.mint', outcome: 'allow' }),
  record({
    source: 'gateway',
    id: '4',
    kind: 'gateway_refusal',
    action: 'POST /api/v1/customers',
    reason: 'credential_material_forbidden',
    recorded_at: '2025-01-10T09:30:01.000Z',
  }),
  record({
    source: 'plant',
    id: '87',
    kind: 'policy_decision',
    action: 'place_order',
    reason: 'approval_required',
    recorded_at: '2025-01-10T09:30:02.000Z',
  }),
];

const sources = { pp: 'ok', gateway: 'ok', plant: 'ok' } as const;

/** 60 records newest first, served 50 at a time with a cursor, as PP does. */
const all: TAuditViewRecord[] = Array.from({ length: 60 }, (_, i) =>
  record({
    source: (['pp', 'gateway', 'plant'] as const)[i % 3]!,
    id: String(1000 - i),
    correlation_id: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
    recorded_at: new Date(Date.UTC(2025, 0, 10, 12, 0, 0) - i * 1000).toISOString(),
    reason: i % 2 ? 'role_forbidden' : null,
    action: `action.n${i}`,
  }),
);

function backend() {
  return stubFetch({
    'GET /api/audit/verify': () => [
      200,
      {
        ok: true,
        chains: {
          pp: {
            ok: true,
            records_checked: 12,
            head_seq: '12',
            head_hash: 'a'.repeat(64),
            first_broken: null,
          },
          plant: {
            ok: true,
            records_checked: 90,
            head_seq: '90',
            head_hash: 'b'.repeat(64),
            first_broken: null,
          },
        },
        plant_error: null,
      },
    ],
    'GET /api/audit/trail': () => [
      200,
      { items: story, next_cursor: null, sources } satisfies TAuditViewPage,
    ],
  });
}

describe('Audit page', () => {
  let stub: ReturnType<typeof backend>;
  beforeEach(() => {
    stub = backend();
    vi.stubGlobal('fetch', async (input: RequestInfo | URL, init?: RequestInit) => {
      const url = new URL(String(input), 'http://pp.test');
      if (url.pathname === '/api/audit/records') {
        stub.calls.push({ method: 'GET', path: url.pathname + url.search, body: undefined });
        const correlationId = url.searchParams.get('correlation_id');
        const cursor = url.searchParams.get('cursor');
        const limit = Number(url.searchParams.get('limit'));
        const pool = correlationId ? story.slice().reverse() : all;
        const start = cursor ? Number(cursor) : 0;
        const items = pool.slice(start, start + limit);
        const next = start + limit < pool.length ? String(start + limit) : null;
        return new Response(JSON.stringify({ items, next_cursor: next, sources }), {
          status: 200,
          headers: { 'content-type': 'application/json' },
        });
      }
      return stub.fn(input, init);
    });
  });
  afterEach(() => vi.unstubAllGlobals());

  it('for a correlation id, tells the story across PP, the gateway and Plant', async () => {
    renderAs('viewer', <AuditPage route={parseHash(`#/audit?correlation_id=${CID}`)} />);
    const timeline = await screen.findByRole('list', { name: 'Request story' });
    const steps = within(timeline).getAllByRole('listitem');
    expect(steps.map((s) => within(s).getByText(/^(PP|Gateway|Plant)$/).textContent)).toEqual([
      'PP',
      'Gateway',
      'Plant',
    ]);
    expect(within(timeline).getByText('credential_material_forbidden')).toBeTruthy();
    expect(within(timeline).getByText('approval_required')).toBeTruthy();
    expect(stub.calls.some((c) => c.path === `/api/audit/trail?correlation_id=${CID}`)).toBe(true);
    // The records table is filtered by the same id: the three services' records, newest first.
    const table = await screen.findByRole('table', { name: 'Audit records' });
    const rows = within(table).getAllByRole('row').slice(1);
    expect(rows.map((r) => within(r).getAllByRole('cell')[1]!.textContent)).toEqual([
      'Plant',
      'Gateway',
      'PP',
    ]);
    expect(stub.calls.some((c) => c.path.startsWith(`/api/audit/records?correlation_id=${CID}`))).toBe(true);
    expect(await screen.findByText(/PP audit chain: 12 records, unbroken/)).toBeTruthy();
    expect(screen.getByText(/Plant audit chain: 90 records, unbroken/)).toBeTruthy();
  });

  it('filters by correlation id from the form', async () => {
    window.location.hash = '#/audit';
    renderAs('viewer', <AuditPage route={parseHash('#/audit')} />);
    const u = userEvent.setup();
    await u.type(await screen.findByLabelText('Correlation id'), CID);
    await u.selectOptions(screen.getByLabelText('Service'), 'gateway');
    await u.click(screen.getByRole('button', { name: 'Apply filters' }));
    const route = parseHash(window.location.hash);
    expect(route.params.get('correlation_id')).toBe(CID);
    expect(route.params.get('source')).toBe('gateway');
  });

  it('pages through the records with Load more, newest first, none twice', async () => {
    renderAs('viewer', <AuditPage route={parseHash('#/audit?reason=role_forbidden')} />);
    const table = await screen.findByRole('table', { name: 'Audit records' });
    // Plain DOM queries here: role queries over 60 rows are slow in jsdom.
    const actions = () => [...table.querySelectorAll('tbody tr')].map((r) => r.children[3]!.textContent);
    await waitFor(() => expect(actions()).toHaveLength(50));
    expect(stub.calls.some((c) => c.path.startsWith('/api/audit/records?reason=role_forbidden'))).toBe(true);
    await userEvent.setup().click(screen.getByRole('button', { name: 'Load more' }));
    await waitFor(() => expect(actions()).toHaveLength(60));
    expect(actions()).toEqual(all.map((r) => r.action));
    expect(screen.queryByRole('button', { name: 'Load more' })).toBeNull();
    const second = stub.calls.filter((c) => c.path.startsWith('/api/audit/records')).at(-1)!;
    expect(second.path).toContain('cursor=50');
  }, 20_000);
});
