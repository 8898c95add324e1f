import { DeltaAuthenticationError, DeltaError, type DeltaErrorDetails } from '../errors.ts';

/**
 * The exchange refused `key-auth` on the socket. `code` is Delta's `status` (`invalid_signature`,
 * `api_key_not_found`, `request_expired`, …) and `status` its `status_code`; the key, the signature and the
 * secret never appear. Not retried: a wrong key or secret does not heal by reconnecting.
 */
export class DeltaStreamAuthError extends DeltaAuthenticationError {
  constructor(message: string, d: DeltaErrorDetails = {}) {
    super(message, d);
    this.name = 'DeltaStreamAuthError';
  }
}

/** The exchange refused a subscription (Delta: "subscription forbidden on <channel>. <reason>"). */
export class DeltaStreamSubscriptionError extends DeltaError {
  readonly channel: string;
  constructor(channel: string, reason: string) {
    super('subscription_refused', `Delta refused the subscription to ${channel}: ${reason}`, {
      code: 'subscription_refused',
      context: { channel, reason },
    });
    this.name = 'DeltaStreamSubscriptionError';
    this.channel = channel;
  }
}
