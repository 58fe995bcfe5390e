/**
 * The access token lives in sessionStorage only: it ends with the tab, is never written to localStorage, a cookie
 * or a URL, and is sent only in the Authorization header (HTTP) and the connection parameters (WebSocket).
 */
const KEY = 'jobout.accessToken';

export const readToken = (): string | null => sessionStorage.getItem(KEY);
export const saveToken = (token: string): void => sessionStorage.setItem(KEY, token);
export const forgetToken = (): void => sessionStorage.removeItem(KEY);
