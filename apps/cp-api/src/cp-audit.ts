import { createPortalAudit } from '@delta/portal';

/** CP's audit log (`cp_audit`, hash-chained): the portal core's, for the customer portal. */
export const cpAudit = createPortalAudit('cp');
