import { useAgents } from '../api/queries.ts';

/** The customer's hired trading agent (ops hire it in PP; a customer has one). */
export function useHire() {
  const agents = useAgents();
  return { ...agents, hire: agents.data?.items[0] };
}
