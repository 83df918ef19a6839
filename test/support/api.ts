import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';

/** A small HTTP client for the Loa API, as a browser or a script would use it. */
export class Api {
  token: string | null = null;

  constructor(readonly baseUrl: string) {}

  async login(username: string, password: string): Promise<void> {
    const res = await this.request('POST', '/api/auth/login', { username, password });
    if (res.status !== 200) throw new Error(`login failed: ${res.status} ${JSON.stringify(res.body)}`);
    this.token = (res.body as { accessToken: string }).accessToken;
  }

  async request(method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
    const res = await fetch(this.baseUrl + path, {
      method,
      headers: {
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...(this.token ? { authorization: `Bearer ${this.token}` } : {}),
        ...headers,
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    // Buffer decoding keeps a byte-order mark, which fetch's text() would drop.
    const text = Buffer.from(await res.arrayBuffer()).toString('utf8');
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      // not JSON: keep the text (CSV, errors from proxies)
    }
    return { status: res.status, body: parsed as any, text, headers: res.headers };
  }

  /** Succeeds with the parsed body, or throws with the server's answer. */
  async ok<T = any>(method: string, path: string, body?: unknown): Promise<T> {
    const res = await this.request(method, path, body);
    if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${res.text}`);
    return res.body as T;
  }

  async upload(filePath: string, name = basename(filePath)) {
    const form = new FormData();
    form.append('file', new Blob([await readFile(filePath)]), name);
    const res = await fetch(this.baseUrl + '/api/media', {
      method: 'POST',
      headers: this.token ? { authorization: `Bearer ${this.token}` } : {},
      body: form,
    });
    return { status: res.status, body: (await res.json()) as any };
  }

  /** Waits until the uploaded audio is converted to the broadcast format. */
  async waitReady(assetId: string, timeoutMs = 60_000) {
    const until = Date.now() + timeoutMs;
    for (;;) {
      const asset = await this.ok('GET', `/api/media/assets/${assetId}`);
      if (asset.status === 'ready') return asset;
      if (asset.status === 'failed') throw new Error(`conversion failed: ${asset.error}`);
      if (Date.now() > until) throw new Error(`asset ${assetId} not ready after ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}
