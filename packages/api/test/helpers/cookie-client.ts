import { type Dispatcher, request } from 'undici';

export interface JarResponse<T = unknown> {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: T;
  text: string;
}

/** One browser as the api sees it: its own cookie jar (and, when given, its own X-Forwarded-For). */
export class CookieJarClient {
  readonly cookies = new Map<string, string>();
  /** Every Set-Cookie header this client was sent, in order. */
  readonly setCookies: string[] = [];

  constructor(
    readonly base: string,
    readonly headers: Record<string, string> = {},
  ) {}

  async request<T = unknown>(
    method: Dispatcher.HttpMethod,
    path: string,
    json?: unknown,
  ): Promise<JarResponse<T>> {
    const headers: Record<string, string> = { ...this.headers };
    if (this.cookies.size > 0) {
      headers.cookie = [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; ');
    }
    if (json !== undefined) headers['content-type'] = 'application/json';
    const response = await request(`${this.base}${path}`, {
      method,
      headers,
      body: json === undefined ? undefined : JSON.stringify(json),
    });
    const set = response.headers['set-cookie'];
    for (const line of set === undefined ? [] : Array.isArray(set) ? set : [set]) {
      this.setCookies.push(line);
      const pair = line.split(';')[0];
      const eq = pair.indexOf('=');
      this.cookies.set(pair.slice(0, eq), pair.slice(eq + 1));
    }
    const text = await response.body.text();
    let body: unknown = text;
    if (String(response.headers['content-type'] ?? '').startsWith('application/json') && text !== '') {
      body = JSON.parse(text);
    }
    return { status: response.statusCode, headers: response.headers, body: body as T, text };
  }

  post<T = unknown>(room: string, text: string, author = 'someone'): Promise<JarResponse<T>> {
    return this.request<T>('POST', `/api/rooms/${room}/messages`, { author, text });
  }
}

export function errorCode(response: JarResponse): string | undefined {
  return (response.body as { error?: { code?: string } }).error?.code;
}
