import { useEffect, useState } from 'react';

/** The app's pages; `#/proposal/<id>` and `#/invite/<token>` carry an argument. */
export const PAGES = [
  'inbox',
  'proposal',
  'new',
  'keys',
  'settings',
  'history',
  'account',
  'secure',
  'invite',
  'signin',
] as const;
export type PageName = (typeof PAGES)[number];

export interface Route {
  page: PageName;
  arg: string;
}

/** `#/proposal/abc` → { page: 'proposal', arg: 'abc' }. Unknown pages land on the inbox. */
export function parseHash(hash: string): Route {
  const raw = hash.replace(/^#\/?/, '').split('?')[0] ?? '';
  const [head = '', ...rest] = raw.split('/');
  const page = (PAGES as readonly string[]).includes(head) ? (head as PageName) : 'inbox';
  return { page, arg: decodeURIComponent(rest.join('/')) };
}

export function href(page: PageName, arg?: string): string {
  return `#/${page}${arg ? `/${encodeURIComponent(arg)}` : ''}`;
}

export function navigate(page: PageName, arg?: string): void {
  window.location.hash = href(page, arg);
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
