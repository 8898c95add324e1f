import { httpFetch as sharedHttpFetch } from '@delta/server-kit';

/**
 * The Delta transport's default `fetch`: the shared keep-alive node:http(s) client from server-kit. The transport
 * sends string bodies and reads status, headers and text(), all of which it provides.
 */
export const httpFetch = sharedHttpFetch as typeof fetch;
