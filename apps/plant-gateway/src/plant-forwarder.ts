import { CORRELATION_HEADER } from '@delta/contracts';
import { AppError, httpFetch } from '@delta/server-kit';
import { IDENTITY_ASSERTION_HEADER } from '@delta/service-auth';

export interface UpstreamRequest {
  method: string;
  /** Path and query exactly as the caller sent them (already checked to stay under /api/). */
  pathWithQuery: string;
  contentType: string | undefined;
  accept: string | undefined;
  body: Buffer | undefined;
  correlationId: string;
  assertion: string;
}

export interface UpstreamResponse {
  status: number;
  contentType: string | undefined;
  retryAfter: string | undefined;
  body: Buffer;
}

/**
 * Sends one request to Plant. Headers are an allowlist, so Authorization, Cookie and any caller-supplied
 * X-Identity-Assertion cannot reach Plant. httpFetch reuses keep-alive node:http connections and never follows
 * redirects; the timeout covers the response body too.
 */
export async function forwardToPlant(
  plantUrl: string,
  timeoutMs: number,
  req: UpstreamRequest,
): Promise<UpstreamResponse> {
  const headers: Record<string, string> = {
    [CORRELATION_HEADER]: req.correlationId,
    [IDENTITY_ASSERTION_HEADER]: req.assertion,
  };
  if (req.body && req.body.length > 0 && req.contentType) headers['content-type'] = req.contentType;
  if (req.accept) headers.accept = req.accept;
  try {
    const res = await httpFetch(`${plantUrl}${req.pathWithQuery}`, {
      method: req.method,
      headers,
      // httpFetch sends the Buffer as is (no copy).
      body: req.body && req.body.length > 0 ? req.body : undefined,
      redirect: 'manual',
      signal: AbortSignal.timeout(timeoutMs),
    });
    const body = Buffer.from(await res.arrayBuffer());
    return {
      status: res.status,
      contentType: res.headers.get('content-type') ?? undefined,
      retryAfter: res.headers.get('retry-after') ?? undefined,
      body,
    };
  } catch (err) {
    if (err instanceof DOMException && (err.name === 'TimeoutError' || err.name === 'AbortError')) {
      throw new AppError(504, 'upstream_timeout', `Plant did not answer within ${timeoutMs} ms.`, {
        cause: err,
      });
    }
    throw new AppError(502, 'upstream_unavailable', 'Plant cannot be reached.', { cause: err });
  }
}
