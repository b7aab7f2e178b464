// One log line per request: Fastify's default writes two ("incoming request" when it arrives, "request completed"
// when it is answered), and a refused request wrote a third (its error code). At a thousand requests a second that
// was a seventh of the API's CPU (docs/performance.md). This writes one line when the request is answered, with
// what both said: method, path, status, duration, the request id (Fastify's child logger adds it) and, for a
// refused request, its error code. A failure of the API itself (5xx) still gets its own line with the cause.
import { type FastifyReply, type FastifyRequest, LogController } from "fastify";

const refusals = new WeakMap<FastifyRequest, string>();

/** Remembers the error code a request was answered with, for its one log line (the error handler calls it). */
export function noteRefusal(request: FastifyRequest, code: string): void {
  refusals.set(request, code);
}

export class RequestLog extends LogController {
  constructor() {
    super({ requestIdLogLabel: "requestId" });
  }

  override incomingRequest(): void {}

  override requestCompleted(error: Error | null | undefined, request: FastifyRequest, reply: FastifyReply): void {
    const fields = {
      method: request.method,
      // The path only: a query may carry a cursor or a search a tenant would not want in a shared log.
      path: request.url.split("?")[0],
      statusCode: reply.statusCode,
      responseTime: Math.round(reply.elapsedTime * 10) / 10,
      ...(refusals.has(request) ? { code: refusals.get(request) } : {}),
    };
    if (error) reply.log.error({ ...fields, err: error }, "Failed to answer the request");
    else reply.log.info(fields, "Answered the request");
  }
}
