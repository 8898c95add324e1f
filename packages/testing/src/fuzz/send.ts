import http from 'node:http';
import net from 'node:net';
import type { FuzzCase } from './cases.ts';

// ---------------------------------------------------------------------------------------------------------------
// Sending

export interface FuzzAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 8 });

/** Sends exactly what the case says (the URL is not re-encoded). A transport failure is an answer of status 0. */
export function send(
  baseUrl: string,
  c: FuzzCase,
  extraHeaders: Record<string, string> = {},
): Promise<FuzzAnswer> {
  const u = new URL(baseUrl);
  return new Promise((resolve) => {
    const req = http.request(
      {
        host: u.hostname,
        port: u.port,
        method: c.method,
        path: c.url,
        agent,
        headers: { ...extraHeaders, ...c.headers },
        timeout: 30_000,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (d: Buffer) => chunks.push(d));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks).toString('utf8'),
          }),
        );
        res.on('error', (err) => resolve({ status: 0, headers: {}, body: String(err) }));
      },
    );
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', (err) => resolve({ status: 0, headers: {}, body: `transport: ${err.message}` }));
    req.end(c.body);
  });
}

/** Raw bytes over a fresh TCP connection; the answer is whatever came back before the server closed or 5 s passed. */
export function sendRaw(baseUrl: string, bytes: string | Buffer): Promise<FuzzAnswer> {
  const u = new URL(baseUrl);
  return new Promise((resolve) => {
    const socket = net.connect(Number(u.port), u.hostname);
    const chunks: Buffer[] = [];
    const finish = () => {
      socket.destroy();
      resolve(parseRawAnswer(Buffer.concat(chunks).toString('latin1')));
    };
    const timer = setTimeout(finish, 5_000);
    socket.on('data', (d: Buffer) => {
      chunks.push(d);
      const answer = parseRawAnswer(Buffer.concat(chunks).toString('latin1'));
      const length = Number(answer.headers['content-length'] ?? Number.NaN);
      if (Number.isFinite(length) && Buffer.byteLength(answer.body, 'latin1') >= length) {
        clearTimeout(timer);
        finish();
      }
    });
    socket.on('error', () => {});
    socket.on('close', () => {
      clearTimeout(timer);
      finish();
    });
    socket.write(bytes);
  });
}

function parseRawAnswer(text: string): FuzzAnswer {
  const split = text.indexOf('\r\n\r\n');
  const head = split < 0 ? text : text.slice(0, split);
  const body = split < 0 ? '' : text.slice(split + 4);
  const [statusLine = '', ...lines] = head.split('\r\n');
  const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(statusLine)?.[1] ?? 0);
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const i = line.indexOf(':');
    if (i > 0) headers[line.slice(0, i).trim().toLowerCase()] = line.slice(i + 1).trim();
  }
  return { status, headers, body: Buffer.from(body, 'latin1').toString('utf8') };
}

/** Requests no HTTP client will send: each must still get a problem body (or a closed connection, never a 5xx). */
export function rawCases(
  host: string,
  samplePath = '/healthz',
): { label: string; bytes: string | Buffer; routed?: boolean }[] {
  const h = `Host: ${host}\r\n`;
  const base = samplePath.split('?')[0]!.replace(/\/[^/]*$/, '');
  return [
    { label: 'malformed request line', bytes: 'GARBAGE\r\n\r\n' },
    { label: 'unknown HTTP version', bytes: `GET / HTTP/9.9\r\n${h}\r\n` },
    {
      label: 'oversized header',
      bytes: `GET ${samplePath} HTTP/1.1\r\n${h}X-Big: ${'b'.repeat(20_000)}\r\n\r\n`,
    },
    {
      label: 'many headers',
      bytes: `GET ${samplePath} HTTP/1.1\r\n${h}${Array.from({ length: 3_000 }, (_, i) => `X-H${i}: v\r\n`).join('')}\r\n`,
    },
    { label: 'NUL in a header value', bytes: `GET ${samplePath} HTTP/1.1\r\n${h}X-Fuzz: a\u0000b\r\n\r\n` },
    { label: 'invalid header name', bytes: `GET ${samplePath} HTTP/1.1\r\n${h}Bad Header: x\r\n\r\n` },
    {
      label: 'bad Content-Length',
      bytes: `POST ${samplePath} HTTP/1.1\r\n${h}Content-Type: application/json\r\nContent-Length: abc\r\n\r\n{}`,
    },
    {
      label: 'two Content-Lengths',
      bytes: `POST ${samplePath} HTTP/1.1\r\n${h}Content-Type: application/json\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n{}`,
    },
    {
      label: 'bad chunked encoding',
      bytes: `POST ${samplePath} HTTP/1.1\r\n${h}Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\nZZ\r\n{}\r\n0\r\n\r\n`,
    },
    { label: 'bad URL encoding %ZZ', routed: true, bytes: `GET ${base}/%ZZ HTTP/1.1\r\n${h}\r\n` },
    { label: 'overlong UTF-8 %C0%80', routed: true, bytes: `GET ${base}/%C0%80 HTTP/1.1\r\n${h}\r\n` },
    { label: 'encoded surrogate', routed: true, bytes: `GET ${base}/%ED%A0%80 HTTP/1.1\r\n${h}\r\n` },
    {
      label: 'raw non-ASCII in the URL',
      bytes: Buffer.concat([
        Buffer.from(`GET ${base}/`),
        Buffer.from([0xc3, 0xa9, 0xff]),
        Buffer.from(` HTTP/1.1\r\n${h}\r\n`),
      ]),
    },
    {
      label: 'absolute-form URL',
      routed: true,
      bytes: `GET http://evil.example${samplePath} HTTP/1.1\r\n${h}\r\n`,
    },
    { label: 'asterisk-form URL', bytes: `OPTIONS * HTTP/1.1\r\n${h}\r\n` },
    { label: 'no Host header', routed: true, bytes: `GET ${samplePath} HTTP/1.1\r\n\r\n` },
  ];
}

// ---------------------------------------------------------------------------------------------------------------
// Checking

export type ErrorShape = 'problem' | 'delta';

/** Why an answer breaks the rules, or undefined when it keeps them. Status 0 (no answer) is judged by the caller. */
export function checkAnswer(answer: FuzzAnswer, shape: ErrorShape = 'problem'): string | undefined {
  if (answer.status >= 500) return `answered ${answer.status}: ${answer.body.slice(0, 300)}`;
  if (answer.status < 400) return undefined;
  if (/\bat .+:\d+:\d+\)?/.test(answer.body)) return `stack trace in a ${answer.status} body`;
  let body: unknown;
  try {
    body = JSON.parse(answer.body);
  } catch {
    if (shape === 'delta' && answer.status === 404 && answer.body === 'Not Found') return undefined;
    return `${answer.status} body is not JSON: ${answer.body.slice(0, 200)}`;
  }
  const b = (body ?? {}) as Record<string, unknown>;
  if (shape === 'delta') {
    const deltaShape =
      (b.success === false &&
        typeof b.error === 'object' &&
        b.error !== null &&
        typeof (b.error as { code?: unknown }).code === 'string') ||
      (typeof b.error === 'string' && typeof b.message === 'string');
    return deltaShape
      ? undefined
      : `${answer.status} body is not Delta's error shape: ${answer.body.slice(0, 200)}`;
  }
  const contentType = String(answer.headers['content-type'] ?? '');
  if (!contentType.startsWith('application/problem+json'))
    return `${answer.status} content-type is ${contentType || '(none)'}: ${answer.body.slice(0, 200)}`;
  if (typeof b.reason !== 'string' || typeof b.correlation_id !== 'string')
    return `${answer.status} problem body without reason/correlation_id: ${answer.body.slice(0, 200)}`;
  if (b.status !== answer.status)
    return `problem status ${String(b.status)} differs from HTTP ${answer.status}`;
  return undefined;
}

// ---------------------------------------------------------------------------------------------------------------
// Running
