import { ZApprovalView, ZCredentialView, ZDraftPlan, ZOpsRole, ZRunResponse } from '@delta/contracts';
import { z } from 'zod';

/**
 * Response shapes of PP's own routes (apps/pp-api/src/routes) that have no shared contract yet. Objects are
 * non-strict on purpose: the server may add fields; the page reads only these.
 */
export const ZMe = z.object({
  user_id: z.string(),
  username: z.string(),
  display_name: z.string(),
  role: ZOpsRole,
});
export type TMe = z.infer<typeof ZMe>;

export const ZLoginResponse = z.object({ user: ZMe, expires_at: z.string() });

export const ZCustomer = z.object({
  customer_id: z.string(),
  display_name: z.string(),
  email: z.string().nullish(),
  created_at: z.string().nullish(),
});
export type TCustomer = z.infer<typeof ZCustomer>;
export const ZCustomerList = z.object({ items: z.array(ZCustomer) });

export {
  APPROVAL_STATES,
  CONSENT_CHANNELS,
  EXCHANGE_ENVIRONMENTS,
  type TApprovalView,
  type TConsentChannel,
  type TCredentialView,
  type TExchangeEnvironment,
} from '@delta/contracts';
export { ZApprovalView, ZCredentialView };
export const ZCredentialList = z.object({ items: z.array(ZCredentialView) });
export const ZApprovalList = z.object({ items: z.array(ZApprovalView), next_cursor: z.string().nullable() });
export const ZMintResponse = z.object({ approval: ZApprovalView, plan: ZDraftPlan });
export type TMintResponse = z.infer<typeof ZMintResponse>;

/** The shared run response, with the fill fields an execution may carry (absent until the order fills). */
const ZExecution = z.object({
  approval_id: z.string(),
  client_order_id: z.string(),
  exchange_order_id: z.string().nullable(),
  state: z.string(),
  average_fill_price: z.string().nullish(),
  filled_size: z.number().nullish(),
  fees: z.string().nullish(),
  size: z.number().nullish(),
  reason: z.string().nullish(),
  replayed: z.boolean().optional(),
});
export const ZRunResult = ZRunResponse.extend({ execution: ZExecution.nullable() });
export type TRunResult = z.infer<typeof ZRunResult>;
export type TExecution = z.infer<typeof ZExecution>;

const ZDec = z.union([z.string(), z.number().transform(String)]);
const ZTime = z.union([z.string(), z.number()]);

export const ZPosition = z.object({
  product_id: z.number(),
  product_symbol: z.string(),
  size: z.number(),
  entry_price: ZDec,
  margin: ZDec.nullish(),
  liquidation_price: ZDec.nullish(),
  realized_pnl: ZDec.nullish(),
  unrealized_pnl: ZDec.nullish(),
  mark_price: ZDec.nullish(),
});
export type TPosition = z.infer<typeof ZPosition>;

export const ZOpenOrder = z.object({
  id: z.number(),
  product_symbol: z.string().nullish(),
  size: z.number(),
  unfilled_size: z.number(),
  side: z.enum(['buy', 'sell']),
  order_type: z.string(),
  limit_price: ZDec.nullish(),
  state: z.string(),
  reduce_only: z.boolean(),
  client_order_id: z.string().nullish(),
  created_at: ZTime,
});
export type TOpenOrder = z.infer<typeof ZOpenOrder>;

export const ZFill = z.object({
  id: z.number(),
  order_id: z.string(),
  client_order_id: z.string().nullish(),
  product_symbol: z.string().nullish(),
  side: z.enum(['buy', 'sell']),
  size: z.number(),
  price: ZDec,
  commission: ZDec,
  realized_pnl: ZDec.optional(),
  created_at: ZTime,
});
export type TFill = z.infer<typeof ZFill>;

export const ZAccount = z.object({
  credential_ref: z.string(),
  customer_id: z.string(),
  positions: z.array(ZPosition),
  open_orders: z.array(ZOpenOrder),
  fills: z.array(ZFill),
  marks: z.array(z.object({ symbol: z.string(), mark_price: ZDec, timestamp: z.number().nullish() })),
  balances: z.array(z.object({ asset_symbol: z.string(), balance: ZDec, available_balance: ZDec }).loose()),
  net_equity: ZDec.nullish(),
});
export type TAccount = z.infer<typeof ZAccount>;
