/** The one error shape of the HTTP API: `{error: {code, message, details}}`. */
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { ShopfloorError, type ErrorCode } from '../../core/errors.js';

/** Codes only the HTTP API uses besides the library's (docs/errors.md, "Live service"). */
export type HttpErrorCode = ErrorCode | 'SF_MODEL_SENSORS' | 'SF_MODEL_TASK';

/** An HTTP-only error (auth, rate limit, deployment checks) with its status and code. */
export class HttpError extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: HttpErrorCode,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

/** Body of an error response. */
export interface ErrorBody {
  error: { code: HttpErrorCode; message: string; details: Record<string, unknown> };
}

const body = (code: HttpErrorCode, message: string, details: Record<string, unknown> = {}): ErrorBody => ({ error: { code, message, details } });

/**
 * Map any thrown value to a status and body. ShopfloorErrors and Fastify's own 4xx errors keep their
 * reason; anything else is a 500 whose body holds only the request id (the details go to the log).
 */
export function toHttpError(err: unknown, requestId: string): { status: number; body: ErrorBody; internal: boolean } {
  if (err instanceof HttpError) return { status: err.statusCode, body: body(err.code, err.message, err.details), internal: false };
  if (err instanceof ShopfloorError) {
    return { status: err.code === 'SF_NOT_FOUND' ? 404 : 400, body: body(err.code, err.message, err.details), internal: false };
  }
  const fe = err as Partial<FastifyError> & { validation?: unknown[]; validationContext?: string };
  if (fe && fe.validation) {
    return { status: 400, body: body('SF_VALIDATION', `Invalid request ${fe.validationContext ?? ''}: ${fe.message ?? ''}`.trim(), { errors: fe.validation }), internal: false };
  }
  const status = typeof fe?.statusCode === 'number' ? fe.statusCode : 500;
  if (status === 413) return { status, body: body('SF_PAYLOAD_TOO_LARGE', 'Request body is too large; send smaller batches.', {}), internal: false };
  if (status === 429) return { status, body: body('SF_RATE_LIMIT', 'Too many requests; slow down and retry later.', {}), internal: false };
  if (status === 415) return { status, body: body('SF_MEDIA_TYPE', 'Unsupported content type; send application/json.', {}), internal: false };
  if (status >= 400 && status < 500) {
    const isJson = fe.code === 'FST_ERR_CTP_INVALID_JSON_BODY' || fe.code === 'FST_ERR_CTP_EMPTY_JSON_BODY' || fe.name === 'SyntaxError';
    return { status: 400, body: body(isJson ? 'SF_BAD_JSON' : 'SF_BAD_REQUEST', isJson ? `Malformed JSON body: ${fe.message ?? ''}` : (fe.message ?? 'Bad request.'), {}), internal: false };
  }
  return { status: 500, body: body('SF_INTERNAL', `Internal error; quote request id ${requestId} to the operator.`, { requestId }), internal: true };
}

/** Fastify error handler using `toHttpError`. */
export function errorHandler(err: unknown, req: FastifyRequest, reply: FastifyReply): void {
  const { status, body: b, internal } = toHttpError(err, String(req.id));
  if (internal) req.log.error({ err, requestId: req.id }, 'internal error');
  void reply.code(status).send(b);
}
