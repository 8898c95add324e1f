import { createPortalAudit } from '@delta/portal';

/** PP's audit log (`pp_audit`, hash-chained): the portal core's, for the ops portal. */
export const ppAudit = createPortalAudit('pp');
