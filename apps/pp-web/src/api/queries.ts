import {
  type TAgentSetup,
  type THireRequest,
  type TTradeRunRequest,
  ZAuditChainsVerifyResult,
  ZAuditViewPage,
  ZCandleList,
  ZHiredAgent,
  ZHiredAgentList,
  ZReferenceAgentList,
  ZUsageEventPage,
} from '@delta/contracts';
import { useInfiniteQuery, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { z } from 'zod';
import { api, type QueryParams, withQuery } from './http.ts';
import {
  type TConsentChannel,
  type TExchangeEnvironment,
  ZAccount,
  ZApprovalList,
  ZApprovalView,
  ZCredentialList,
  ZCredentialView,
  ZCustomer,
  ZCustomerList,
  ZLoginResponse,
  ZMe,
  ZMintResponse,
  ZRunResult,
} from './schemas.ts';

export const TRADING_AGENT_ID = 'AGT-TRD-DELTA-001';
const enc = encodeURIComponent;

export const keys = {
  me: ['me'] as const,
  customers: ['customers'] as const,
  hired: (customerId: string) => ['hired-agents', customerId] as const,
  credentials: (customerId: string) => ['credentials', customerId] as const,
  approvals: (filter: QueryParams) => ['approvals', filter] as const,
  account: (ref: string) => ['account', ref] as const,
};

// ---- session ----
export function useMe() {
  return useQuery({ queryKey: keys.me, queryFn: () => api('GET', '/api/auth/me', ZMe), retry: false });
}

export function useLogin() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (body: { username: string; password: string }) =>
      api('POST', '/api/auth/login', ZLoginResponse, body),
    onSuccess: (r) => qc.setQueryData(keys.me, r.user),
  });
}

export function useLogout() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: () => api('POST', '/api/auth/logout', z.undefined(), {}),
    onSettled: () => {
      qc.clear();
      qc.setQueryData(keys.me, null);
    },
  });
}

// ---- customers and hired agents ----
export function useCustomers() {
  return useQuery({
    queryKey: keys.customers,
    queryFn: () => api('GET', withQuery('/api/customers', { limit: 200 }), ZCustomerList),
  });
}

export function useCreateCustomer() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (body: { display_name: string; email?: string }) =>
      api('POST', '/api/customers', ZCustomer, body),
    onSuccess: () => qc.invalidateQueries({ queryKey: keys.customers }),
  });
}

export function useHiredAgents(customerId: string | undefined) {
  return useQuery({
    queryKey: keys.hired(customerId ?? ''),
    queryFn: () => api('GET', withQuery('/api/hired-agents', { customer_id: customerId }), ZHiredAgentList),
    enabled: Boolean(customerId),
  });
}

/** Every hired agent (Plant caps the list at 500): enough to mark which customers hired which agent. */
export function useAllHiredAgents() {
  return useQuery({
    queryKey: ['hired-agents', '*'],
    queryFn: () => api('GET', '/api/hired-agents', ZHiredAgentList),
  });
}

export function useHireAgent() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (body: THireRequest) => api('POST', '/api/hired-agents', ZHiredAgent, body),
    onSuccess: () => qc.invalidateQueries({ queryKey: ['hired-agents'] }),
  });
}

export function useUpdateSetup() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (v: { hiredAgentId: string; setup: TAgentSetup }) =>
      api('PUT', `/api/hired-agents/${enc(v.hiredAgentId)}/setup`, ZHiredAgent, { setup: v.setup }),
    onSuccess: () => qc.invalidateQueries({ queryKey: ['hired-agents'] }),
  });
}

// ---- credentials (write-only secrets) ----
export function useCredentials(customerId: string | undefined) {
  return useQuery({
    queryKey: keys.credentials(customerId ?? ''),
    queryFn: () => api('GET', `/api/customers/${enc(customerId ?? '')}/credentials`, ZCredentialList),
    enabled: Boolean(customerId),
  });
}

export interface NewCredential {
  api_key: string;
  api_secret: string;
  label: string;
  environment: TExchangeEnvironment;
}

export function useStoreCredential(customerId: string) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (body: NewCredential) =>
      api('POST', `/api/customers/${enc(customerId)}/credentials`, ZCredentialView, body),
    onSuccess: () => qc.invalidateQueries({ queryKey: keys.credentials(customerId) }),
  });
}

export function useRotateCredential(customerId: string) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (v: { ref: string; api_key: string; api_secret: string }) =>
      api('POST', `/api/credentials/${enc(v.ref)}/rotate`, ZCredentialView, {
        api_key: v.api_key,
        api_secret: v.api_secret,
      }),
    onSuccess: () => qc.invalidateQueries({ queryKey: keys.credentials(customerId) }),
  });
}

export function useRevokeCredential(customerId: string) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (ref: string) => api('POST', `/api/credentials/${enc(ref)}/revoke`, ZCredentialView, {}),
    onSuccess: () => qc.invalidateQueries({ queryKey: keys.credentials(customerId) }),
  });
}

// ---- reference agents, runs and approvals ----
export function useReferenceAgents() {
  return useQuery({
    queryKey: ['reference-agents'],
    queryFn: () => api('GET', '/api/reference-agents', ZReferenceAgentList),
    staleTime: 5 * 60_000,
  });
}

export function useRun(agentId: string) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (body: TTradeRunRequest) =>
      api('POST', `/api/reference-agents/${enc(agentId)}/run`, ZRunResult, body),
    onSettled: () => {
      qc.invalidateQueries({ queryKey: ['approvals'] });
      qc.invalidateQueries({ queryKey: ['account'] });
    },
  });
}

export interface MintApproval {
  agent_id: string;
  run: TTradeRunRequest;
  consent: { channel: TConsentChannel; reference: string; note?: string };
}

export function useMintApproval() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (body: MintApproval) => api('POST', '/api/approvals', ZMintResponse, body),
    onSuccess: () => qc.invalidateQueries({ queryKey: ['approvals'] }),
  });
}

export function useApprovals(filter: { customer_id?: string; state?: string }) {
  return useQuery({
    queryKey: keys.approvals(filter),
    queryFn: () => api('GET', withQuery('/api/approvals', filter), ZApprovalList),
    refetchInterval: 15_000,
  });
}

export function useRevokeApproval() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (id: string) => api('POST', `/api/approvals/${enc(id)}/revoke`, ZApprovalView, {}),
    onSettled: () => qc.invalidateQueries({ queryKey: ['approvals'] }),
  });
}

// ---- audit ----
/** The Audit view's filters (PP merges its own records with the gateway's refusals and Plant's records). */
export interface AuditFilter {
  correlation_id?: string;
  customer_id?: string;
  actor?: string;
  action?: string;
  reason?: string;
  source?: 'pp' | 'gateway' | 'plant';
  from?: string;
  to?: string;
}

// Plant lists usage events oldest first with a cursor; "Load more" walks the pages.
export function useUsageEvents(filter: Pick<AuditFilter, 'customer_id' | 'correlation_id' | 'from' | 'to'>) {
  return useInfiniteQuery({
    queryKey: ['usage-events', filter],
    initialPageParam: '',
    queryFn: ({ pageParam }) =>
      api(
        'GET',
        withQuery('/api/usage-events', { ...filter, cursor: pageParam, limit: 100 }),
        ZUsageEventPage,
      ),
    getNextPageParam: (last) => last.next_cursor ?? undefined,
  });
}

export const AUDIT_PAGE_SIZE = 50;

/** Every service's records, newest first; "Load more" walks back in time. */
export function useAuditRecords(filter: AuditFilter) {
  return useInfiniteQuery({
    queryKey: ['audit-records', filter],
    initialPageParam: '',
    queryFn: ({ pageParam }) =>
      api(
        'GET',
        withQuery('/api/audit/records', { ...filter, cursor: pageParam, limit: AUDIT_PAGE_SIZE }),
        ZAuditViewPage,
      ),
    getNextPageParam: (last) => last.next_cursor ?? undefined,
  });
}

/** One request's whole story across PP, the gateway and Plant, oldest first. */
export function useAuditTrail(correlationId: string | undefined) {
  return useQuery({
    queryKey: ['audit-trail', correlationId],
    queryFn: () =>
      api('GET', withQuery('/api/audit/trail', { correlation_id: correlationId }), ZAuditViewPage),
    enabled: Boolean(correlationId),
  });
}

export function useAuditVerify() {
  return useQuery({
    queryKey: ['audit-verify'],
    queryFn: () => api('GET', '/api/audit/verify', ZAuditChainsVerifyResult),
  });
}

// ---- positions ----
/** The REST account read: the first load, and — with `poll` — the fallback while the live stream is down. */
export function useAccount(ref: string | undefined, opts: { poll?: boolean } = {}) {
  return useQuery({
    queryKey: keys.account(ref ?? ''),
    queryFn: () => api('GET', `/api/credentials/${enc(ref ?? '')}/account`, ZAccount),
    enabled: Boolean(ref),
    refetchInterval: opts.poll ? 5_000 : false,
  });
}

/** The last hours of a product's mark-price candles (1 minute): where the mark chart starts. */
export function useMarkCandles(symbol: string | undefined, credentialRef: string | undefined, hours = 6) {
  return useQuery({
    queryKey: ['mark-candles', symbol ?? '', credentialRef ?? '', hours],
    queryFn: () => {
      const end = Math.floor(Date.now() / 1000);
      const path = `/api/markets/${enc(`MARK:${symbol ?? ''}`)}/candles`;
      // The market of the account's own exchange (paper, testnet or live).
      const query = { resolution: '1m', start: end - hours * 3600, end, credential_ref: credentialRef };
      return api('GET', withQuery(path, query), ZCandleList);
    },
    enabled: Boolean(symbol && credentialRef),
    staleTime: 5 * 60_000,
  });
}
