import { useEffect, useState } from 'react';

export const PAGES = ['reference-agents', 'customers', 'setup', 'approvals', 'audit', 'positions'] as const;
export type PageName = (typeof PAGES)[number];

export interface Route {
  page: PageName;
  params: URLSearchParams;
}

/** `#/audit?correlation_id=…` → { page: 'audit', params }. Unknown pages land on the Reference Agents runner. */
export function parseHash(hash: string): Route {
  const raw = hash.replace(/^#\/?/, '');
  const [path = '', query = ''] = raw.split('?');
  const page = (PAGES as readonly string[]).includes(path) ? (path as PageName) : 'reference-agents';
  return { page, params: new URLSearchParams(query) };
}

export function href(page: PageName, params: Record<string, string | undefined> = {}): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v) q.set(k, v);
  const s = q.toString();
  return `#/${page}${s ? `?${s}` : ''}`;
}

export function navigate(page: PageName, params: Record<string, string | undefined> = {}): void {
  window.location.hash = href(page, params);
}

export function useHashRoute(): Route {
  const [route, setRoute] = useState(() => parseHash(window.location.hash));
  useEffect(() => {
    const on = () => setRoute(parseHash(window.location.hash));
    window.addEventListener('hashchange', on);
    return () => window.removeEventListener('hashchange', on);
  }, []);
  return route;
}
