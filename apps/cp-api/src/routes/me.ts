import type { TCustomerMe } from '@delta/contracts';
import type { Queryable } from '@delta/server-kit';
import { csrfTokenOf } from '../auth/sessions.ts';
import { factorsOf } from '../auth/users.ts';

/** The signed-in customer as the web app sees it, with the anti-forgery token of this session. */
export async function meOf(
  db: Queryable,
  user: { user_id: string; customer_id: string; email: string },
  session: { session_id: string } & ({ token: string } | { csrf_token: string }),
): Promise<TCustomerMe> {
  return {
    user_id: user.user_id,
    customer_id: user.customer_id,
    email: user.email,
    factors: await factorsOf(db, user.user_id),
    session_id: session.session_id,
    csrf_token: 'token' in session ? csrfTokenOf(session.token) : session.csrf_token,
  };
}
