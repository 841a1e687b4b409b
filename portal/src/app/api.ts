/** The console's only way to the server: same-origin requests through the BFF, which holds the tokens. */
export const CSRF_HEADER = 'X-Crosswire-CSRF';

export interface FieldError {
  path: string;
  message: string;
}

export class ApiError extends Error {
  override name = 'ApiError';
  constructor(
    readonly status: number,
    readonly title: string,
    readonly detail: string,
    readonly errors: FieldError[] = [],
    /** The whole problem document, for extra members such as `currentRevision` or `referencedBy`. */
    readonly body: Record<string, unknown> = {},
  ) {
    super(detail || title);
  }
}

/** Listeners told when the server says the session is gone, so the app can show the sign-in screen. */
const unauthenticated = new Set<() => void>();
export function onUnauthenticated(listener: () => void): () => void {
  unauthenticated.add(listener);
  return () => unauthenticated.delete(listener);
}

export interface RequestOptions {
  signal?: AbortSignal;
  headers?: Record<string, string>;
  /** Sent as is (a file upload) instead of JSON. */
  raw?: Blob;
}

export async function request<T>(method: string, path: string, body?: unknown, signalOrOptions?: AbortSignal | RequestOptions): Promise<T> {
  const options: RequestOptions = signalOrOptions instanceof AbortSignal ? { signal: signalOrOptions } : (signalOrOptions ?? {});
  const unsafe = method !== 'GET' && method !== 'HEAD';
  let response: Response;
  try {
    response = await fetch(path, {
      method,
      credentials: 'same-origin',
      // Never from the browser's cache: statuses change without the adapter's ETag (its revision) changing.
      cache: 'no-store',
      headers: {
        accept: 'application/json',
        ...(unsafe ? { [CSRF_HEADER]: '1' } : {}),
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...(options.raw ? { 'content-type': options.raw.type || 'application/octet-stream' } : {}),
        ...options.headers,
      },
      ...(body !== undefined ? { body: JSON.stringify(body) } : options.raw ? { body: options.raw } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
    });
  } catch (error) {
    if ((error as Error).name === 'AbortError') throw error;
    throw new ApiError(0, 'Network error', 'the portal cannot be reached: check your connection');
  }
  const text = await response.text();
  let json: unknown;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  if (!response.ok) {
    const problem = (json ?? {}) as { title?: string; detail?: string; errors?: FieldError[] } & Record<string, unknown>;
    if (response.status === 401) for (const listener of unauthenticated) listener();
    throw new ApiError(response.status, problem.title ?? response.statusText, problem.detail ?? `the server answered ${response.status}`, problem.errors ?? [], problem);
  }
  return json as T;
}

export const api = {
  get: <T,>(path: string, signal?: AbortSignal) => request<T>('GET', path, undefined, signal),
  post: <T,>(path: string, body?: unknown, options?: RequestOptions) => request<T>('POST', path, body, options),
  put: <T,>(path: string, body: unknown, options?: RequestOptions) => request<T>('PUT', path, body, options),
  del: <T,>(path: string, options?: RequestOptions) => request<T>('DELETE', path, undefined, options),
};

/** `/api/v1/adapters/<name>`: every path segment encoded. */
export const apiPath = (...segments: Array<string | number>) => `/api/v1/${segments.map((s) => encodeURIComponent(String(s))).join('/')}`;

export interface SessionInfo {
  authenticated: boolean;
  user?: { subject: string; name: string };
  expiresAt?: string;
}

export interface Me {
  subject: string;
  name: string;
  roles: string[];
  /** The values of the token's roles claim the roles came from. */
  claimValues?: string[];
}

/** Roles imply those below them, as the orchestrator decides; the UI only hides what would be refused. */
const RANK: Record<string, number> = { viewer: 1, operator: 2, engineer: 3, admin: 4 };
export function hasRole(me: Me | undefined, role: 'viewer' | 'operator' | 'engineer' | 'admin'): boolean {
  return (me?.roles ?? []).some((r) => (RANK[r] ?? 0) >= RANK[role]!);
}

export const loginUrl = (returnTo: string) => `/bff/login?returnTo=${encodeURIComponent(returnTo)}`;
