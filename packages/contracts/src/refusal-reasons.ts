/**
 * Every reason a service refuses with: the code a client switches on, the HTTP status it is answered with, and
 * what it means for the person who asked (`title`) and what they can do next (`next`). Plant takes its statuses from
 * here, the portals and the web apps their words; a code that is not here is not an answer (a test in apps/plant
 * checks every reason Plant can give). The words speak to PP's operator; CP's customer reads the same.
 *
 * Statuses, by what the caller should do:
 * - 403 — the policy, the approval or the vault said no; nothing was sent (an approval refused before it was used
 *   stays usable: the hook bus denies before anything is consumed);
 * - 409 — the account or the record is not in a state for this (nothing was sent, or it is already being done);
 * - 429 — a limit on runs, or the exchange's rate limit on the account (nothing was sent); try after `retry-after`;
 * - 503 — a dependency of the service that answered (the exchange, the vault, the audit log, market data) cannot
 *   be used now, and nothing was sent: try again shortly;
 * - 502 / 504 — only a gateway's own answer: the service behind it could not be reached or did not answer in time.
 *   On an execute that outcome is UNKNOWN (the order may be placed): do not approve the same trade again, look.
 *   This is why `exchange_unavailable` is a 503, not a 502: Plant answers it only when nothing was sent (an
 *   unknown outcome is a 200 with state `unknown`), and a 502 would read as "Plant's outcome is unknown".
 */
export interface RefusalReason {
  /** The HTTP status a service answers this refusal with. */
  status: number;
  /**
   * The status when the hook bus denies with this code (before any approval is consumed): 403, or 429 for a limit
   * on runs. Absent: no hook denies with it.
   */
  policy?: 403 | 429;
  title: string;
  next: string;
}

const TRY_AGAIN = 'Nothing was sent. Try again in a moment.';
const BUNDLE = (title: string): RefusalReason => ({
  status: 403,
  title,
  next: 'Nothing was sent, and the approval is used up. Ask the platform team to check the vault; then approve again.',
});
const FRAMEWORK = (status: number, title: string): RefusalReason => ({
  status,
  title,
  next: 'This is a fault in the calling program, not in the trade. Report it with the correlation id.',
});

export const REFUSAL_REASONS = {
  // The approval (hook bus, then the ledger's own reasons).
  approval_required: {
    status: 403,
    policy: 403,
    title: 'This trade needs the customer’s approval first.',
    next: 'Record the customer’s consent for this draft plan (Customer approval), then execute with the approval id it mints.',
  },
  approval_invalid: {
    status: 403,
    policy: 403,
    title: 'The approval could not be used for this trade.',
    next: 'It may be expired, revoked, already used, or for a different trade. Draft the plan again and mint a new approval.',
  },
  not_found: {
    // The ledger has no such approval (a policy denial); as a route's answer: no such resource.
    status: 404,
    policy: 403,
    title: 'The approval (or what was asked for) was not found.',
    next: 'Check the id. An approval is known only to the portal that minted it, for its customer.',
  },
  intent_mismatch: {
    status: 403,
    policy: 403,
    title: 'The approval was given for a different trade.',
    next: 'Something changed since the approval (coin, side, units, price or account). Draft the exact trade again and ask the customer to approve it.',
  },
  expired: {
    status: 403,
    policy: 403,
    title: 'The approval has expired.',
    next: 'Approvals last a few minutes. Confirm with the customer again and mint a new approval.',
  },
  revoked: {
    status: 403,
    policy: 403,
    title: 'The approval was revoked.',
    next: 'A revoked approval can never be used. Mint a new one if the customer still wants this trade.',
  },
  already_consumed: {
    status: 403,
    policy: 403,
    title: 'This approval was already used for a trade.',
    next: 'Each approval places at most one order. Check the Audit page for the order it placed before trading again.',
  },
  customer_mismatch: {
    status: 403,
    policy: 403,
    title: 'The approval belongs to another customer.',
    next: 'Use an approval minted for this customer’s draft plan.',
  },
  credential_mismatch: {
    status: 403,
    policy: 403,
    title: 'The approval was given for a different exchange account.',
    next: 'Pick the account the approval was minted for, or mint a new approval.',
  },
  // The rest of the hook bus.
  intent_action_required: {
    status: 403,
    policy: 403,
    title: 'An execution must say what it does.',
    next: 'Use Execute (it sends place_order for enter, close_position for exit).',
  },
  intent_action_mismatch: {
    status: 403,
    policy: 403,
    title: 'The action and the intent do not match.',
    next: 'Enter places an order; exit closes a position. Draft again with the right action.',
  },
  proposal_not_found: {
    status: 404,
    title: 'No such proposed trade.',
    next: 'Check the id, or open the inbox of proposed trades.',
  },
  proposal_expired: {
    status: 409,
    title: 'The proposed trade expired before it was answered.',
    next: 'Nothing was sent. Re-quote it at the current price to answer it, or let it go.',
  },
  proposal_not_open: {
    status: 409,
    title: 'The proposed trade was already answered.',
    next: 'The first answer stands (another tap or device gave it): reload to see it.',
  },
  flatten_not_possible: {
    status: 409,
    title: 'The flatten could not be quoted.',
    next: 'Nothing was approved or sent. The reason of the step that failed is in the details; try again, or close the positions one by one.',
  },
  intent_changed: {
    status: 409,
    title: 'The trade changed since it was reviewed.',
    next: 'Nothing was approved. Re-quote it, review it again and approve the new quote.',
  },
  price_moved: {
    // Denied before the approval is used (403: it stays pending), or found moved again after it was used (409).
    status: 409,
    policy: 403,
    title: 'The price moved past the band the approval allows.',
    next: 'Nothing was sent and the approval was not used. Re-quote at the current price and approve the new quote, or let this approval expire.',
  },
  risk_check_failed: {
    // Denied before the approval is used (403: it stays pending), or found failing again after it was used (409).
    status: 409,
    policy: 403,
    title: 'The plan fails a risk check, so it cannot be executed.',
    next: 'Nothing was sent. Draft again to see which check fails now (the setup or the price may have changed), or change the risk limits in Agent setup.',
  },
  action_not_allowlisted: {
    status: 403,
    policy: 403,
    title: 'This action is not one the agent may take.',
    next: 'Only drafts and the approved trade actions run. Report it with the correlation id if it came from the portal.',
  },
  no_hook_covers_action: {
    status: 403,
    policy: 403,
    title: 'No policy covers this action, so it is refused.',
    next: 'Report it to the platform team with the correlation id.',
  },
  hook_error: {
    status: 403,
    policy: 403,
    title: 'A policy check could not decide, so the trade was refused.',
    next: 'Nothing was sent. Try again in a moment; if it keeps failing, report it with the correlation id.',
  },
  agent_paused: {
    status: 409,
    policy: 403,
    title: 'The agent is paused.',
    next: 'Nothing was sent. Exits and cancels still run; resume the agent to enter new trades.',
  },
  trial_expired: {
    status: 429,
    policy: 429,
    title: 'The customer’s trial has ended.',
    next: 'Move the hired agent to a paid plan before running it again.',
  },
  trial_runs_exhausted: {
    status: 429,
    policy: 429,
    title: 'The trial’s runs are used up.',
    next: 'Move the hired agent to a paid plan before running it again.',
  },
  budget_exceeded: {
    status: 429,
    policy: 429,
    title: 'Today’s run budget for this agent is used up.',
    next: 'Wait until the budget resets (UTC midnight) and try again.',
  },
  // Who and what a run is about.
  agent_not_found: {
    status: 404,
    policy: 403,
    title: 'There is no such agent.',
    next: 'Pick an agent from the Reference Agents page.',
  },
  hired_agent_not_found: {
    status: 404,
    policy: 403,
    title: 'This customer has not hired the trading agent.',
    next: 'Hire it from the Customers page and complete its setup first.',
  },
  unsupported_agent_type: {
    status: 400,
    title: 'This agent does not take trades.',
    next: 'Run a trading agent for trade intents.',
  },
  customer_not_found: {
    status: 404,
    title: 'There is no such customer.',
    next: 'Pick the customer from the Customers page.',
  },
  already_hired: {
    status: 409,
    title: 'The customer already hired this agent.',
    next: 'Change the existing hire’s setup instead.',
  },
  email_taken: {
    status: 409,
    title: 'Another customer already uses this email.',
    next: 'Use another email, or open the existing customer.',
  },
  plan_not_approvable: {
    status: 409,
    title: 'This plan fails a risk check and cannot be approved.',
    next: 'Change the trade so every risk check passes, then draft it again.',
  },
  order_not_found: {
    status: 404,
    title: 'The exchange account has no order with this id.',
    next: 'Pick the order from the Open orders list on Positions (each has a Cancel… link).',
  },
  // The account and the exchange.
  account_unavailable: {
    status: 503,
    title: 'The exchange account could not be read just now.',
    next: 'Try again in a moment; nothing was sent.',
  },
  market_data_unavailable: {
    status: 503,
    title: 'The exchange’s prices could not be read just now.',
    next: 'Nothing was sent. Draft again in a moment.',
  },
  no_open_position: {
    status: 409,
    title: 'There is no open position to exit.',
    next: 'Nothing was sent. Positions shows what the account holds.',
  },
  order_not_open: {
    status: 409,
    title: 'The order is no longer open: it filled or was cancelled.',
    next: 'Nothing was cancelled. Positions shows what the order became.',
  },
  insufficient_margin: {
    status: 409,
    title: 'The exchange account does not have enough margin for this order.',
    next: 'Nothing was traded. Add margin or trade fewer contracts, then approve again.',
  },
  order_rejected: {
    status: 409,
    title: 'The exchange rejected the order.',
    next: 'Nothing was traded. The exchange’s code is in the details; change the trade and approve again.',
  },
  exchange_key_rejected: {
    status: 409,
    title: 'The exchange refused the stored API key.',
    next: 'Nothing was traded. The key may be revoked, for another environment, or lack Trading permission: rotate it on the Credentials page.',
  },
  exchange_rate_limited: {
    status: 429,
    title: 'The exchange is rate limiting this account.',
    next: TRY_AGAIN,
  },
  exchange_unavailable: {
    status: 503,
    title: 'The exchange could not be reached, so nothing was sent.',
    next: 'Try again in a moment. If it keeps failing, check the exchange status, or ask the platform team whether Plant’s exchange integration is configured.',
  },
  exchange_error: {
    status: 503,
    title: 'The exchange did not answer.',
    next: 'Try again in a moment. If it keeps failing, check the exchange status.',
  },
  stream_limit_reached: {
    status: 503,
    title: 'This portal is already following as many exchange accounts live as it may.',
    next: 'The page falls back to reading the account every few seconds. Try the live view again in a minute.',
  },
  unknown_product: {
    status: 404,
    title: 'The exchange lists no such product.',
    next: 'Check the symbol (e.g. BTCUSD, or MARK:BTCUSD for mark prices).',
  },
  // The execution.
  execution_in_progress: {
    status: 409,
    title: 'This approval is being executed by another request.',
    next: 'Wait a moment and look at the executions on the Audit page; do not approve the same trade again.',
  },
  audit_unavailable: {
    status: 503,
    title: 'The decision could not be put on record, so nothing was sent.',
    next: 'Try again shortly. If it keeps failing, ask the platform team to check Plant’s database.',
  },
  policy_misconfigured: {
    status: 500,
    title: 'The policy allowed a trade it should not have, so it was refused.',
    next: 'Nothing was sent. Report it to the platform team with the correlation id.',
  },
  // The keys (the vault's credential bundle).
  vault_unavailable: {
    status: 503,
    title: 'The credential vault could not be reached.',
    next: TRY_AGAIN,
  },
  credential_unknown: {
    status: 403,
    title: 'The exchange account is not a credential in any vault.',
    next: 'Pick an account from the Credentials page.',
  },
  credential_revoked: {
    status: 403,
    title: 'The exchange key was revoked.',
    next: 'Nothing was sent. Store a new key on the Credentials page, then approve again.',
  },
  credential_not_found: {
    status: 404,
    title: 'The vault has no such exchange key for this customer.',
    next: 'Nothing was sent. Pick the customer’s account from the Credentials page, then approve again.',
  },
  exchange_account_in_use: {
    status: 409,
    title: 'This exchange account is already connected for another customer.',
    next: 'One exchange account belongs to one customer. Use a key of the customer’s own Delta account.',
  },
  exchange_account_changed: {
    status: 409,
    title: 'The new key belongs to a different exchange account.',
    next: 'A rotation keeps the same Delta account (approvals were given for it). Connect the other account as a new one.',
  },
  vault_master_key_unknown: {
    status: 500,
    title: 'The vault cannot open a stored key: its master key version is unknown.',
    next: 'Nothing was sent. Ask the platform team to check the vault’s master keys.',
  },
  vault_decryption_failed: {
    status: 500,
    title: 'The vault could not open a stored key.',
    next: 'Nothing was sent. Ask the platform team to check the vault; rotate the key if it persists.',
  },
  vault_payload_invalid: {
    status: 500,
    title: 'A stored key is damaged.',
    next: 'Nothing was sent. Store the customer’s key again.',
  },
  // The exchange's check of a key being stored (reads only).
  exchange_key_unknown: {
    status: 400,
    title: 'The exchange does not know this API key.',
    next: 'Check that it was created for Delta Exchange India in the environment chosen (keys of Delta Global or another environment do not work here).',
  },
  exchange_secret_rejected: {
    status: 400,
    title: 'The API secret does not belong to this key.',
    next: 'Copy the secret again from Delta’s API-key page (it is shown once, when the key is created).',
  },
  exchange_key_not_permitted: {
    status: 400,
    title: 'The exchange refused this key for the check.',
    next: 'On Delta’s API-key page, give the key Read Data permission and allow this platform’s IP address.',
  },
  exchange_check_failed: {
    status: 502,
    title: 'The exchange gave an unexpected answer while the keys were checked.',
    next: 'Nothing was stored. Try again; if it persists, check the exchange status.',
  },
  bundle_unavailable: BUNDLE('The vault did not hand over the keys for this approval.'),
  bundle_replayed: BUNDLE('The keys for this approval were already used once.'),
  bundle_not_found: BUNDLE('The vault knows no such approval.'),
  bundle_customer_mismatch: BUNDLE('The approval belongs to another customer.'),
  bundle_credential_mismatch: BUNDLE('The approval is for another exchange account.'),
  bundle_not_consumed: BUNDLE('The approval was not used, so the vault keeps the keys.'),
  bundle_consumed_too_long_ago: BUNDLE(
    'The approval was used too long ago for the vault to hand over the keys.',
  ),
  bundle_expired: BUNDLE('The keys’ envelope expired before it was opened.'),
  bundle_not_yet_valid: BUNDLE('The keys’ envelope is dated in the future.'),
  bundle_ttl_too_long: BUNDLE('The keys’ envelope claims too long a life.'),
  bundle_wrong_audience: BUNDLE('The keys’ envelope is for another service.'),
  bundle_wrong_issuer: BUNDLE('The keys’ envelope comes from the wrong portal.'),
  bundle_wrong_approval: BUNDLE('The keys’ envelope is for another approval.'),
  bundle_wrong_credential: BUNDLE('The keys’ envelope is for another exchange account.'),
  bundle_signature_invalid: BUNDLE('The keys’ envelope is not signed by the portal that keeps them.'),
  bundle_undecryptable: BUNDLE('The keys’ envelope cannot be opened with Plant’s key.'),
  bundle_invalid: BUNDLE('The keys’ envelope is malformed.'),
  // Who is asking.
  login_required: { status: 401, title: 'Your session has ended.', next: 'Sign in again.' },
  role_forbidden: {
    status: 403,
    title: 'Your role cannot do this.',
    next: 'Ask an operator or admin to do it.',
  },
  identity_required: FRAMEWORK(401, 'The request did not say who is asking.'),
  identity_invalid: FRAMEWORK(401, 'The request’s identity could not be verified.'),
  identity_unavailable: {
    status: 503,
    title: 'Who is asking could not be checked just now.',
    next: TRY_AGAIN,
  },
  invalid_credentials: {
    status: 401,
    title: 'Wrong user name or password.',
    next: 'Check both and sign in again.',
  },
  login_throttled: {
    status: 429,
    title: 'Too many failed sign-ins for this user.',
    next: 'Wait a few minutes (the answer says how long), then sign in again.',
  },
  cross_site_request: FRAMEWORK(403, 'The request came from another site.'),
  service_auth_failed: FRAMEWORK(401, 'The calling service’s token was not accepted.'),
  service_auth_unavailable: {
    status: 503,
    title: 'The calling service’s keys could not be fetched to check its token.',
    next: TRY_AGAIN,
  },
  principal_not_allowed: FRAMEWORK(403, 'The calling service may not act for this principal.'),
  issuer_not_allowed: FRAMEWORK(403, 'This service may not read this.'),
  credential_material_forbidden: {
    status: 400,
    title: 'The request carried key material, which only the portals’ key forms accept.',
    next: 'Nothing was passed on. Enter exchange keys only on the Credentials page.',
  },
  invalid_path: FRAMEWORK(400, 'The request path is not one the gateway forwards.'),
  path_not_canonical: FRAMEWORK(400, 'The request path has dot segments or is not canonical.'),
  rate_limited: {
    status: 429,
    title: 'Too many requests from this caller.',
    next: 'Wait the seconds the answer names (retry-after), then try again.',
  },
  approval_not_found: {
    status: 404,
    title: 'No such approval.',
    next: 'Check the approval id on the Approvals page.',
  },
  invalid_cursor: FRAMEWORK(422, 'The page cursor is not one this list returned.'),
  revoked_by_required: FRAMEWORK(400, 'A revocation must say who revokes.'),
  invalid_window: FRAMEWORK(500, 'A bundle window outside 1…3600 seconds was asked for.'),
  // A portal asked to issue a bundle it must not (its own fault, never the caller's): answered 500.
  bundle_ttl_invalid: FRAMEWORK(500, 'A credential bundle was asked for with a lifetime out of bounds.'),
  bundle_bad_approval_id: FRAMEWORK(500, 'A credential bundle was asked for with a malformed approval id.'),
  bundle_bad_credential: FRAMEWORK(500, 'A credential bundle was asked for without a key.'),
  bundle_tolerance_invalid: FRAMEWORK(
    500,
    'A credential bundle was opened with a clock tolerance out of bounds.',
  ),
  // CP: customer accounts, invitations, sessions and step-up.
  invite_invalid: {
    status: 403,
    title: 'This invitation link is not valid.',
    next: 'Open the link exactly as it was sent, or ask the platform team for a new invitation.',
  },
  invite_expired: {
    status: 403,
    title: 'This invitation has expired.',
    next: 'Invitations last 72 hours. Ask the platform team for a new one.',
  },
  invite_used: {
    status: 409,
    title: 'This invitation was already used to create an account.',
    next: 'Sign in with the account it created, or ask the platform team for a new invitation.',
  },
  invite_keys_unavailable: {
    status: 503,
    title: 'The invitation could not be checked just now.',
    next: 'Nothing was created. Try again in a moment.',
  },
  password_too_weak: {
    status: 422,
    title: 'The password does not meet the policy.',
    next: 'Use at least 12 characters, and not your e-mail address.',
  },
  csrf_failed: {
    status: 403,
    title: 'The request did not carry this session’s anti-forgery token.',
    next: 'Reload the page and try again.',
  },
  challenge_invalid: {
    status: 400,
    title: 'The sign-in or registration step is unknown, used or expired.',
    next: 'Start the step again: each challenge is used once and lasts a few minutes.',
  },
  second_factor_not_enrolled: {
    status: 403,
    title: 'This account has no second factor yet.',
    next: 'Sign in with the session you signed up with and add a passkey or an authenticator app, or ask the platform team.',
  },
  second_factor_failed: {
    status: 401,
    title: 'The second factor was not accepted.',
    next: 'Enter the current code from your authenticator app, or use your passkey, and sign in again.',
  },
  passkey_registration_failed: {
    status: 400,
    title: 'The passkey could not be registered.',
    next: 'Try again with the same device; nothing was saved.',
  },
  passkey_login_failed: {
    status: 401,
    title: 'The passkey was not accepted.',
    next: 'Use a passkey registered for this account, or sign in with your password and code.',
  },
  passkey_already_registered: {
    status: 409,
    title: 'This passkey is already registered.',
    next: 'Nothing changed. Use it to sign in.',
  },
  totp_already_enrolled: {
    status: 409,
    title: 'An authenticator app is already set up for this account.',
    next: 'Nothing changed. Use the codes it shows.',
  },
  totp_not_enrolled: {
    status: 409,
    title: 'No authenticator app set-up is waiting for a code.',
    next: 'Start the set-up again to get a new secret.',
  },
  totp_code_invalid: {
    status: 400,
    title: 'The code does not match the authenticator app’s secret.',
    next: 'Enter the code the app shows now (codes change every 30 seconds).',
  },
  reauthentication_required: {
    status: 403,
    title: 'Sign in again to change how you sign in.',
    next: 'Adding a passkey or an authenticator app needs a sign-in from the last 10 minutes. Sign out, sign in, and try again.',
  },
  session_not_found: {
    status: 404,
    title: 'This account has no such session.',
    next: 'Reload the list of sessions.',
  },
  step_up_required: {
    status: 403,
    title: 'This approval needs you to confirm it with your passkey or code.',
    next: 'Confirm with your passkey (or your authenticator app’s code), then approve again.',
  },
  step_up_stale: {
    status: 403,
    title: 'The confirmation took too long.',
    next: 'Confirmations last two minutes. Confirm again.',
  },
  step_up_mismatch: {
    status: 403,
    title: 'The confirmation was given for a different trade.',
    next: 'Confirm the trade shown now.',
  },
  step_up_replayed: {
    status: 403,
    title: 'This confirmation was already used.',
    next: 'Each confirmation approves one trade once. Confirm again (a new code, or your passkey).',
  },
  step_up_failed: {
    status: 403,
    title: 'The confirmation was not accepted.',
    next: 'Use a passkey of this account, or the code your authenticator app shows now.',
  },
  step_up_throttled: {
    status: 429,
    title: 'Too many failed confirmations.',
    next: 'Wait the time shown, then confirm again.',
  },
  // Between services: a gateway's own answers (see 502 above).
  plant_unavailable: {
    status: 502,
    title: 'Plant could not be reached.',
    next: 'If this was an execute, its outcome is unknown: look at the Audit page before trading again.',
  },
  upstream_unavailable: {
    status: 502,
    title: 'Plant could not be reached.',
    next: 'If this was an execute, its outcome is unknown: look at the Audit page before trading again.',
  },
  plant_bad_response: {
    status: 502,
    title: 'Plant answered with something its contract does not allow.',
    next: 'Nothing was done with the answer. If this was an execute, look at the Audit page before trading again.',
  },
  upstream_timeout: {
    status: 504,
    title: 'Plant did not answer in time.',
    next: 'If this was an execute, its outcome is unknown: look at the Audit page before trading again; retry only with the same approval.',
  },
  // The request itself (every service's framework).
  validation_failed: {
    status: 422,
    title: 'Some fields are not valid.',
    next: 'Fix the fields listed below and try again.',
  },
  bad_request: FRAMEWORK(400, 'The request was not understood.'),
  malformed_json: FRAMEWORK(400, 'The request body is not valid JSON.'),
  empty_json_body: FRAMEWORK(400, 'The request body is empty.'),
  bad_content_length: FRAMEWORK(400, 'The request body’s length is wrong.'),
  host_required: FRAMEWORK(400, 'The request names no host.'),
  nesting_too_deep: FRAMEWORK(400, 'The request body nests too deeply.'),
  bad_url_encoding: FRAMEWORK(400, 'The request path is not valid.'),
  malformed_request: FRAMEWORK(400, 'The request is not well-formed HTTP.'),
  request_timeout: FRAMEWORK(408, 'The request did not arrive in time.'),
  body_too_large: FRAMEWORK(413, 'The request body is too large.'),
  path_parameter_too_long: FRAMEWORK(414, 'A path parameter is too long.'),
  unsupported_media_type: FRAMEWORK(415, 'The request body is not JSON.'),
  headers_too_large: FRAMEWORK(431, 'The request headers are too large.'),
  internal_error: {
    status: 500,
    title: 'Something went wrong on our side.',
    next: 'Nothing was sent unless the Audit page shows an order. Report it with the correlation id.',
  },
} as const satisfies Record<string, RefusalReason>;

export type TRefusalCode = keyof typeof REFUSAL_REASONS;
/** The codes the hook bus may deny with (those with a `policy` status). */
export type TPolicyRefusalCode = {
  [K in TRefusalCode]: (typeof REFUSAL_REASONS)[K] extends { policy: number } ? K : never;
}[TRefusalCode];

export function isRefusalCode(code: string): code is TRefusalCode {
  return Object.hasOwn(REFUSAL_REASONS, code);
}

export function isPolicyRefusalCode(code: string): code is TPolicyRefusalCode {
  return isRefusalCode(code) && (REFUSAL_REASONS[code] as RefusalReason).policy !== undefined;
}

/** The status of a refusal: the catalogue's, or its policy status when the hook bus denied. */
export function refusalStatus(code: TRefusalCode, deniedByPolicy = false): number {
  const entry: RefusalReason = REFUSAL_REASONS[code];
  return deniedByPolicy ? (entry.policy ?? 403) : entry.status;
}
