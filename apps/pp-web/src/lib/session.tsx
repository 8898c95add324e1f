import type { TOpsRole } from '@delta/contracts';
import { createContext, type ReactNode, useContext } from 'react';
import type { TMe } from '../api/schemas.ts';

const RANK: Record<TOpsRole, number> = { viewer: 0, operator: 1, admin: 2 };

const SessionContext = createContext<TMe | null>(null);

export function SessionProvider({ user, children }: { user: TMe; children: ReactNode }) {
  return <SessionContext.Provider value={user}>{children}</SessionContext.Provider>;
}

export function useSession(): TMe | null {
  return useContext(SessionContext);
}

/**
 * Whether the signed-in user may act (`operator` or above by default), and if not, why — shown next to the
 * disabled control. The server enforces the same rule; this only keeps viewers from buttons that would fail.
 */
export function useCan(role: TOpsRole = 'operator'): { allowed: boolean; why: string } {
  const user = useSession();
  if (!user) return { allowed: false, why: 'Sign in to act.' };
  if (RANK[user.role] >= RANK[role]) return { allowed: true, why: '' };
  return {
    allowed: false,
    why: `Your role (${user.role}) can view but not act; this needs ${role} or admin.`,
  };
}
