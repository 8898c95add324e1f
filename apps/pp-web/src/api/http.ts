import { createApiClient } from '@delta/web-ui';

export { ApiError, isApiError, type QueryParams, withQuery } from '@delta/web-ui';

/** PP's client (see @delta/web-ui): a failed sign-in is also a 401 but must not bounce the login page. */
const client = createApiClient({ service: 'PP', signInFailures: ['invalid_credentials'] });
export const api = client.api;
/** Called on any 401 so the app can drop its session and show the login page. */
export const setUnauthorizedHandler = client.setUnauthorizedHandler;
