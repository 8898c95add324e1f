import { createPortalRefusalRecorder } from '@delta/portal';
import type { Db, Logger, RefusalListener } from '@delta/server-kit';
import { cpAudit } from '../cp-audit.ts';
import { actorOf } from './sessions.ts';

/**
 * CP's refusals on its audit chain, as PP's: no session and a failed anti-forgery check on any route, and every
 * other refused write its route has not recorded itself (sign-up, sign-in, factors and step-up record their own).
 */
export function createCpRefusalRecorder(db: Db, logger: Logger): RefusalListener {
  return createPortalRefusalRecorder({
    db,
    logger,
    audit: cpAudit,
    authReasons: new Set(['login_required', 'csrf_failed']),
    actorOf: (request) => actorOf(request),
    customerOf: (request) => request.cpSession?.customer_id ?? null,
  });
}
