import {
  type TAgentSetup,
  type TCustomerMe,
  type TProposalCreate,
  type TStepUpEvidence,
  ZApprovalView,
  ZChallengeOptions,
  ZCpSession,
  ZCredentialView,
  ZCustomerMe,
  ZExecutionList,
  ZHiredAgent,
  ZHiredAgentList,
  ZPasswordLoginAnswer,
  ZProposal,
  ZProposalExecuted,
  ZProposalList,
  ZStepUpOptions,
  ZTotpEnrolment,
} from '@delta/contracts';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { z } from 'zod';
import { api, setCsrfToken } from './http.ts';
import { createPasskey, getPasskeyAssertion } from './webauthn.ts';

export const keys = {
  me: ['me'] as const,
  sessions: ['sessions'] as const,
  credentials: ['credentials'] as const,
  agents: ['agents'] as const,
  proposals: ['proposals'] as const,
  proposal: (id: string) => ['proposals', id] as const,
  approvals: ['approvals'] as const,
  executions: ['executions'] as const,
};

// ── Session and sign-in ────────────────────────────────────────────────────────────────────────────────────
export function useMe() {
  return useQuery({
    queryKey: keys.me,
    queryFn: async () => {
      const me = await api('GET', '/api/auth/me', ZCustomerMe);
      setCsrfToken(me.csrf_token);
      return me;
    },
    retry: false,
  });
}

/** Every way of signing in ends with the customer: keep its anti-forgery token and show the app. */
function useSignedIn() {
  const qc = useQueryClient();
  return (me: TCustomerMe) => {
    setCsrfToken(me.csrf_token);
    qc.setQueryData(keys.me, me);
  };
}

/** Sign-up; `then` runs even though the sign-up page itself is replaced by the signed-in app at that moment. */
export function useSignup(then: () => void = () => {}) {
  const signedIn = useSignedIn();
  return useMutation({
    mutationFn: (body: { invite: string; email: string; password: string }) =>
      api('POST', '/api/auth/signup', ZCustomerMe, body),
    onSuccess: (me) => {
      then();
      signedIn(me);
    },
  });
}

export function usePasskeyLogin() {
  const signedIn = useSignedIn();
  return useMutation({
    mutationFn: async () => {
      const o = await api('POST', '/api/auth/login/passkey/options', ZChallengeOptions, {});
      const response = await getPasskeyAssertion(o.options);
      return api('POST', '/api/auth/login/passkey/verify', ZCustomerMe, {
        challenge_id: o.challenge_id,
        response,
      });
    },
    onSuccess: signedIn,
  });
}

export function usePasswordLogin() {
  return useMutation({
    mutationFn: (body: { email: string; password: string }) =>
      api('POST', '/api/auth/login/password', ZPasswordLoginAnswer, body),
  });
}

export function useSecondFactor() {
  const signedIn = useSignedIn();
  return useMutation({
    mutationFn: async (
      a: { login_challenge_id: string; totp_code: string } | { login_challenge_id: string; options: object },
    ) => {
      if ('totp_code' in a) return api('POST', '/api/auth/login/second-factor', ZCustomerMe, a);
      const passkey = await getPasskeyAssertion(a.options as { challenge: string });
      return api('POST', '/api/auth/login/second-factor', ZCustomerMe, {
        login_challenge_id: a.login_challenge_id,
        passkey,
      });
    },
    onSuccess: signedIn,
  });
}

export function useLogout() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: () => api('POST', '/api/auth/logout', z.unknown(), {}),
    onSettled: () => {
      setCsrfToken(null);
      qc.clear();
      qc.setQueryData(keys.me, null);
    },
  });
}

// ── Factors ────────────────────────────────────────────────────────────────────────────────────────────────
export function useAddPasskey() {
  const signedIn = useSignedIn();
  return useMutation({
    mutationFn: async (name: string) => {
      const o = await api('POST', '/api/auth/passkeys/registration/options', ZChallengeOptions, {});
      const response = await createPasskey(o.options);
      return api('POST', '/api/auth/passkeys/registration/verify', ZCustomerMe, {
        challenge_id: o.challenge_id,
        response,
        ...(name.trim() ? { name: name.trim() } : {}),
      });
    },
    onSuccess: signedIn,
  });
}

export function useBeginTotp() {
  return useMutation({ mutationFn: () => api('POST', '/api/auth/totp/enrolment', ZTotpEnrolment, {}) });
}

export function useConfirmTotp() {
  const signedIn = useSignedIn();
  return useMutation({
    mutationFn: (code: string) => api('POST', '/api/auth/totp/enrolment/confirm', ZCustomerMe, { code }),
    onSuccess: signedIn,
  });
}

// ── Sessions ───────────────────────────────────────────────────────────────────────────────────────────────
export function useSessions() {
  return useQuery({
    queryKey: keys.sessions,
    queryFn: () => api('GET', '/api/auth/sessions', z.object({ items: z.array(ZCpSession) })),
  });
}

export function useRevokeSession() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (id: string) => api('DELETE', `/api/auth/sessions/${encodeURIComponent(id)}`, z.unknown()),
    onSuccess: () => qc.invalidateQueries({ queryKey: keys.sessions }),
  });
}

export function useSignOutEverywhere() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: () =>
      api('POST', '/api/auth/sessions/revoke-all', z.object({ revoked: z.number().int() }), {}),
    onSuccess: () => {
      setCsrfToken(null);
      qc.clear();
      qc.setQueryData(keys.me, null);
    },
  });
}

// ── Exchange keys ──────────────────────────────────────────────────────────────────────────────────────────
export function useCredentials() {
  return useQuery({
    queryKey: keys.credentials,
    queryFn: () => api('GET', '/api/credentials', z.object({ items: z.array(ZCredentialView) })),
  });
}

function useCredentialMutation<A>(run: (a: A) => Promise<unknown>) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: run,
    onSuccess: () => qc.invalidateQueries({ queryKey: keys.credentials }),
  });
}

export const useAddCredential = () =>
  useCredentialMutation(
    (b: { api_key: string; api_secret: string; label: string; environment: 'paper' | 'live' }) =>
      api('POST', '/api/credentials', ZCredentialView, b),
  );
export const useRotateCredential = () =>
  useCredentialMutation((b: { ref: string; api_key: string; api_secret: string }) =>
    api('POST', `/api/credentials/${encodeURIComponent(b.ref)}/rotate`, ZCredentialView, {
      api_key: b.api_key,
      api_secret: b.api_secret,
    }),
  );
export const useRevokeCredential = () =>
  useCredentialMutation((ref: string) =>
    api('POST', `/api/credentials/${encodeURIComponent(ref)}/revoke`, ZCredentialView, {}),
  );

// ── The agent ──────────────────────────────────────────────────────────────────────────────────────────────
export function useAgents() {
  return useQuery({ queryKey: keys.agents, queryFn: () => api('GET', '/api/agents', ZHiredAgentList) });
}

export function useSaveSetup() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (b: { hiredAgentId: string; setup: TAgentSetup }) =>
      api('PUT', `/api/agents/${encodeURIComponent(b.hiredAgentId)}/setup`, ZHiredAgent, { setup: b.setup }),
    onSuccess: () => qc.invalidateQueries({ queryKey: keys.agents }),
  });
}

export function useBrake() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (b: { hiredAgentId: string; pause: boolean; reason?: string }) =>
      api(
        'POST',
        `/api/agents/${encodeURIComponent(b.hiredAgentId)}/${b.pause ? 'pause' : 'resume'}`,
        ZHiredAgent,
        b.pause ? { reason: b.reason } : {},
      ),
    onSuccess: () => qc.invalidateQueries({ queryKey: keys.agents }),
  });
}

// ── Proposals ──────────────────────────────────────────────────────────────────────────────────────────────
export function useProposals() {
  return useQuery({
    queryKey: keys.proposals,
    queryFn: () => api('GET', '/api/proposals', ZProposalList),
    refetchInterval: 15_000,
  });
}

export function useProposal(id: string) {
  return useQuery({
    queryKey: keys.proposal(id),
    queryFn: () => api('GET', `/api/proposals/${encodeURIComponent(id)}`, ZProposal),
  });
}

export function useCreateProposal() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (b: TProposalCreate) => api('POST', '/api/proposals', ZProposal, b),
    onSuccess: (p) => {
      qc.setQueryData(keys.proposal(p.proposal_id), p);
      void qc.invalidateQueries({ queryKey: keys.proposals, exact: true });
    },
  });
}

/** Reject or re-quote: the answer is the proposal as it now stands. */
export function useProposalAction(id: string) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (a: { verb: 'reject'; reason: string } | { verb: 'requote' }) =>
      api(
        'POST',
        `/api/proposals/${encodeURIComponent(id)}/${a.verb}`,
        ZProposal,
        a.verb === 'reject' ? { reason: a.reason } : {},
      ),
    onSuccess: (p) => {
      qc.setQueryData(keys.proposal(id), p);
      void qc.invalidateQueries({ queryKey: keys.proposals, exact: true });
    },
  });
}

/** Step-up bound to the plan's intent hash: a passkey assertion, or a code of the authenticator app. */
export async function stepUpWithPasskey(intentHash: string): Promise<TStepUpEvidence> {
  const o = await api('POST', '/api/step-up/options', ZStepUpOptions, { intent_hash: intentHash });
  const response = await getPasskeyAssertion(o.options);
  return { kind: 'webauthn', nonce_id: o.nonce_id, response } as TStepUpEvidence;
}

export function useApprove(id: string) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: async (a: { intentHash: string; code?: string }) => {
      const stepUp: TStepUpEvidence = a.code
        ? { kind: 'totp', code: a.code }
        : await stepUpWithPasskey(a.intentHash);
      return api('POST', `/api/proposals/${encodeURIComponent(id)}/approve`, ZProposalExecuted, {
        step_up: stepUp,
      });
    },
    onSuccess: (r) => qc.setQueryData(keys.proposal(id), r.proposal),
    // Whatever happened (a refusal, a lost answer), what the server holds now is the truth: ask again.
    onSettled: () => {
      void qc.invalidateQueries({ queryKey: keys.proposals });
      void qc.invalidateQueries({ queryKey: keys.executions });
      void qc.invalidateQueries({ queryKey: keys.approvals });
    },
  });
}

// ── History ────────────────────────────────────────────────────────────────────────────────────────────────
export function useApprovals() {
  return useQuery({
    queryKey: keys.approvals,
    queryFn: () =>
      api(
        'GET',
        '/api/approvals',
        z.object({ items: z.array(ZApprovalView), next_cursor: z.string().nullable() }),
      ),
  });
}

export function useExecutions() {
  return useQuery({
    queryKey: keys.executions,
    queryFn: () => api('GET', '/api/executions', ZExecutionList),
  });
}
