import { createPortalRefusalRecorder } from '@delta/portal';
import type { Db, Logger, RefusalListener } from '@delta/server-kit';
import { ppAudit } from '../pp-audit.ts';
import { actorOf } from './session-plugin.ts';

/** PP's refusals on its audit chain: no session, the wrong role or a cross-site write anywhere; refused writes. */
export function createPpRefusalRecorder(db: Db, logger: Logger): RefusalListener {
  return createPortalRefusalRecorder({
    db,
    logger,
    audit: ppAudit,
    authReasons: new Set(['login_required', 'role_forbidden', 'cross_site_request']),
    actorOf: (request) => (request.opsUser ? actorOf(request.opsUser) : `anonymous@${request.ip}`),
  });
}
