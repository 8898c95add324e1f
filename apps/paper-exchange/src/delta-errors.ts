/**
 * Errors in Delta's own shapes (not problem+json): the /v2 scope must look like the real exchange to any client.
 */
export class DeltaHttpError extends Error {
  constructor(
    readonly status: number,
    readonly body: Record<string, unknown>,
    readonly headers: Record<string, string> = {},
  ) {
    super(typeof body.error === 'string' ? body.error : JSON.stringify(body.error));
    this.name = 'DeltaHttpError';
  }
}

/** `{"success":false,"error":{"code":…,"context":…}}` */
export function deltaError(status: number, code: string, context?: Record<string, unknown>): DeltaHttpError {
  const error: Record<string, unknown> = { code };
  if (context) error.context = context;
  return new DeltaHttpError(status, { success: false, error });
}

export const orderError = (code: string, context?: Record<string, unknown>) => deltaError(400, code, context);

export const authErrors = {
  cdnBlocked: () => new DeltaHttpError(403, { error: 'Forbidden', message: 'Request blocked by CDN' }),
  invalidApiKey: () => deltaError(401, 'invalid_api_key'),
  invalidSignature: () => deltaError(401, 'invalid_signature'),
  expired: () =>
    new DeltaHttpError(401, { error: 'SignatureExpired', message: 'your signature has expired' }),
  unauthorizedAccess: () =>
    new DeltaHttpError(401, {
      error: 'UnauthorizedApiAccess',
      message: 'Api Key not authorised to access this endpoint',
    }),
};

export function badSchema(errors: { path: string; message: string }[]): DeltaHttpError {
  return deltaError(400, 'bad_schema', {
    schema_errors: errors.map((e) => ({ code: 'invalid', message: e.message, param: e.path })),
  });
}
