import { t } from './i18n';

/** An error to show people: the server's own Vietnamese sentence, or a plain one of ours. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
  }
}

const TOKEN_KEY = 'loa.token';
let token: string | null = sessionStorage.getItem(TOKEN_KEY);
let onUnauthorized: () => void = () => undefined;

export function setToken(next: string | null): void {
  token = next;
  if (next) sessionStorage.setItem(TOKEN_KEY, next);
  else sessionStorage.removeItem(TOKEN_KEY);
}

export function getToken(): string | null {
  return token;
}

/** Called when the server says the sign-in is no longer valid. */
export function whenUnauthorized(handler: () => void): void {
  onUnauthorized = handler;
}

function authHeaders(): Record<string, string> {
  return token ? { authorization: `Bearer ${token}` } : {};
}

async function errorFrom(res: Response): Promise<ApiError> {
  let body: { code?: unknown; message?: unknown; details?: unknown } = {};
  try {
    body = (await res.json()) as typeof body;
  } catch {
    // A proxy's HTML page or an empty body: fall back to our own sentence below.
  }
  const message = typeof body.message === 'string' && body.message ? body.message : t('unexpectedAnswer');
  const err = new ApiError(res.status, typeof body.code === 'string' ? body.code : 'unknown', message, body.details);
  if (res.status === 401 && token) onUnauthorized();
  return err;
}

async function send(method: string, path: string, body?: unknown): Promise<Response> {
  try {
    return await fetch(path, {
      method,
      headers: { ...authHeaders(), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch {
    throw new ApiError(0, 'network', t('networkError'));
  }
}

export async function api<T>(method: string, path: string, body?: unknown): Promise<T> {
  const res = await send(method, path, body);
  if (!res.ok) throw await errorFrom(res);
  try {
    return (await res.json()) as T;
  } catch {
    throw new ApiError(res.status, 'bad_answer', t('unexpectedAnswer'));
  }
}

export const get = <T>(path: string) => api<T>('GET', path);

/** Ends this user's sign-in on the server; an expired token or an unreachable server changes nothing here. */
export async function endSession(): Promise<void> {
  if (!token) return;
  try {
    await fetch('/api/auth/logout', { method: 'POST', headers: authHeaders() });
  } catch {
    // The page forgets the token anyway.
  }
}

/** A file from the API (audio, exports) with the sign-in header, and the name the server gave it. */
export async function fetchBlob(path: string): Promise<{ blob: Blob; filename: string | null }> {
  const res = await send('GET', path);
  if (!res.ok) throw await errorFrom(res);
  const disposition = res.headers.get('content-disposition') ?? '';
  const match = /filename\*?=(?:UTF-8'')?"?([^";]+)"?/i.exec(disposition);
  return { blob: await res.blob(), filename: match ? decodeURIComponent(match[1]) : null };
}

/** Fetches a file from the API and saves it under the name the server gave it, or `fallbackName`. */
export async function downloadFile(path: string, fallbackName: string): Promise<void> {
  const { blob, filename } = await fetchBlob(path);
  saveBlob(blob, filename ?? fallbackName);
}

/** Saves a blob through the browser's own download. */
export function saveBlob(blob: Blob, filename: string): void {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = filename;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

/**
 * Uploads one file as multipart `file`, reporting the bytes sent: XHR, because fetch cannot
 * report upload progress.
 */
export function uploadFile<T>(path: string, file: File, onProgress: (percent: number) => void): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', path);
    if (token) xhr.setRequestHeader('authorization', `Bearer ${token}`);
    xhr.upload.onprogress = (e) => {
      if (e.lengthComputable) onProgress(Math.round((e.loaded / e.total) * 100));
    };
    xhr.onerror = () => reject(new ApiError(0, 'network', t('networkError')));
    xhr.onload = () => {
      let body: { code?: string; message?: string; details?: unknown } | undefined;
      try {
        body = JSON.parse(xhr.responseText) as typeof body;
      } catch {
        body = undefined;
      }
      if (xhr.status >= 200 && xhr.status < 300 && body) {
        onProgress(100);
        resolve(body as T);
        return;
      }
      if (xhr.status === 401 && token) onUnauthorized();
      reject(new ApiError(xhr.status, body?.code ?? 'unknown', body?.message || t('unexpectedAnswer'), body?.details));
    };
    const form = new FormData();
    form.append('file', file, file.name);
    xhr.send(form);
  });
}

/**
 * Follows a server-sent event stream of the API, with the sign-in header (which EventSource cannot send),
 * and hands each event's data to `onData`. Reconnects after a pause when the stream breaks, telling
 * `onState` whether it is live. Returns the function that stops it.
 */
export function followStream(path: string, onData: (data: string) => void, onState: (live: boolean, err?: ApiError) => void, retryMs = 3000): () => void {
  const abort = new AbortController();
  const run = async () => {
    while (!abort.signal.aborted) {
      try {
        const res = await fetch(path, { headers: { ...authHeaders(), accept: 'text/event-stream' }, signal: abort.signal });
        if (!res.ok || !res.body) throw await errorFrom(res);
        onState(true);
        const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
        let buffer = '';
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          buffer += value;
          let end: number;
          while ((end = buffer.indexOf('\n\n')) >= 0) {
            const event = buffer.slice(0, end);
            buffer = buffer.slice(end + 2);
            const data = event
              .split('\n')
              .filter((l) => l.startsWith('data:'))
              .map((l) => l.slice(5).replace(/^ /, ''))
              .join('\n');
            if (data) onData(data);
          }
        }
        if (!abort.signal.aborted) onState(false, new ApiError(0, 'network', t('networkError')));
      } catch (err) {
        if (abort.signal.aborted) return;
        const apiErr = err instanceof ApiError ? err : new ApiError(0, 'network', t('networkError'));
        onState(false, apiErr);
        if (apiErr.status === 401 || apiErr.status === 403) return;
      }
      await new Promise((r) => setTimeout(r, retryMs));
    }
  };
  void run();
  return () => abort.abort();
}

let routes: Promise<Set<string>> | null = null;

/**
 * The API routes this server has, read from its OpenAPI document, so screens offer a capability
 * (an export format, say) exactly when the server has it.
 */
export function serverRoutes(): Promise<Set<string>> {
  routes ??= fetch('/api/docs-json')
    .then((r) => (r.ok ? (r.json() as Promise<{ paths?: Record<string, unknown> }>) : { paths: {} }))
    .then((doc) => new Set(Object.keys(doc.paths ?? {})))
    .catch(() => {
      routes = null;
      return new Set<string>();
    });
  return routes;
}

/** Any thrown thing as a sentence for people. */
export function messageOf(err: unknown): string {
  if (err instanceof ApiError) return err.message;
  return t('unexpectedAnswer');
}
