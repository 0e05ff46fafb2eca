import { isKvError } from '@raptorflow/core';
import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type * as z from 'zod';

/** The one error body of the demo's API: a stable code and a message. */
export function problem(status: ContentfulStatusCode, code: string, message: string): Response {
  return Response.json({ error: { code, message } }, { status });
}

/** Throw an HTTP error with the API's body. */
export function fail(status: ContentfulStatusCode, code: string, message: string): never {
  throw new HTTPException(status, { res: problem(status, code, message) });
}

/** The JSON body, validated: malformed JSON, a wrong content type or a schema failure is a 400. */
export async function readJson<S extends z.ZodType>(c: Context, schema: S): Promise<z.output<S>> {
  const type = c.req.header('content-type') ?? '';
  if (!type.toLowerCase().startsWith('application/json')) {
    fail(415, 'E_UNSUPPORTED_MEDIA_TYPE', 'send the body as application/json');
  }
  let body: unknown;
  try {
    body = JSON.parse(await c.req.text());
  } catch {
    fail(400, 'E_INVALID_JSON', 'the body is not valid JSON');
  }
  const parsed = schema.safeParse(body);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    fail(400, 'E_INVALID_ARGUMENT', `${issue?.path.join('.') || 'body'}: ${issue?.message ?? 'invalid'}`);
  }
  return parsed.data;
}

const STATUS_OF: Readonly<Record<string, ContentfulStatusCode>> = {
  E_INVALID_ARGUMENT: 400,
  E_QUEUE_INVALID_PAYLOAD: 400,
  E_REALTIME_INVALID_MESSAGE: 400,
  E_REALTIME_MESSAGE_TOO_LARGE: 413,
  E_VALUE_TOO_LARGE: 413,
  E_LOCK_HELD: 409,
  E_QUEUE_JOB_NOT_FOUND: 404,
  E_CIRCUIT_OPEN: 503,
  E_CONNECTION: 503,
  E_TIMEOUT: 503,
  E_CLOSED: 503,
};

/** The app's error handler: a KvError keeps its code; anything else is a 500 without details. */
export function onError(error: Error, c: Context): Response {
  if (error instanceof HTTPException) return error.getResponse();
  if (isKvError(error)) {
    const status = STATUS_OF[error.code] ?? 500;
    return problem(status, error.code, status === 500 ? 'internal error' : error.message);
  }
  console.error(`demo: ${c.req.method} ${c.req.path}:`, error);
  return problem(500, 'E_INTERNAL', 'internal error');
}
