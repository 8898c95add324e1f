import { z } from 'zod';
import { ZExecutionState } from './execution-states.ts';
import { TRADE_ACTIONS } from './trade-intent.ts';

/** An execution (one per approved trade action) as Plant's API shows it. */
export const ZExecutionView = z.object({
  execution_id: z.string(),
  approval_id: z.string(),
  client_order_id: z.string(),
  customer_id: z.string(),
  hired_agent_id: z.string(),
  agent_id: z.string(),
  credential_ref: z.string(),
  intent_hash: z.string(),
  action: z.enum(TRADE_ACTIONS),
  product_symbol: z.string(),
  side: z.enum(['buy', 'sell']),
  size: z.number().nullable(),
  state: ZExecutionState,
  reason: z.string().nullable(),
  exchange_order_id: z.string().nullable(),
  filled_size: z.number().nullable(),
  average_fill_price: z.string().nullable(),
  fees: z.string().nullable(),
  correlation_id: z.string(),
  created_at: z.string(),
  updated_at: z.string(),
});
export type TExecutionView = z.infer<typeof ZExecutionView>;
export const ZExecutionList = z.object({ items: z.array(ZExecutionView) });
