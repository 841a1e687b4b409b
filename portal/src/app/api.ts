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

export async function request<T>(method: string, path: string, body?: unknown, signal?: AbortSignal): Promise<T> {
  const unsafe = method !== 'GET' && method !== 'HEAD';
  let response: Response;
  try {
    response = await fetch(path, {
      method,
      credentials: 'same-origin',
      headers: {
        accept: 'application/json',
        ...(unsafe ? { [CSRF_HEADER]: '1' } : {}),
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      ...(signal ? { signal } : {}),
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
    const problem = (json ?? {}) as { title?: string; detail?: string; errors?: FieldError[] };
    if (response.status === 401) for (const listener of unauthenticated) listener();
    throw new ApiError(response.status, problem.title ?? response.statusText, problem.detail ?? `the server answered ${response.status}`, problem.errors ?? []);
  }
  return json as T;
}

export const api = {
  get: <T,>(path: string, signal?: AbortSignal) => request<T>('GET', path, undefined, signal),
  post: <T,>(path: string, body?: unknown) => request<T>('POST', path, body),
};

export interface SessionInfo {
  authenticated: boolean;
  user?: { subject: string; name: string };
  expiresAt?: string;
}

export interface Me {
  subject: string;
  name: string;
  roles: string[];
}

/** Roles imply those below them, as the orchestrator decides; the UI only hides what would be refused. */
const RANK: Record<string, number> = { viewer: 1, operator: 2, engineer: 3, admin: 4 };
export function hasRole(me: Me | undefined, role: 'viewer' | 'operator' | 'engineer' | 'admin'): boolean {
  return (me?.roles ?? []).some((r) => (RANK[r] ?? 0) >= RANK[role]!);
}

export const loginUrl = (returnTo: string) => `/bff/login?returnTo=${encodeURIComponent(returnTo)}`;
