// A request body must arrive within the request timeout. Node's own requestTimeout only covers a request until its
// headers are in (a body sent byte by byte kept its connection and a handler waiting for as long as the client
// liked); this hook answers 408 once the body is late, closes the connection, and tells Fastify the answer is sent.
import type { FastifyInstance } from "fastify";
import { ApiError, PROBLEM_CONTENT_TYPE, problemOf } from "./errors.ts";
import { lingerOnClose } from "./linger-close.ts";

/** Whether the request announces a body (a length above 0, or chunks). */
function hasBody(headers: Record<string, string | string[] | undefined>): boolean {
  const length = Number(headers["content-length"] ?? 0);
  return length > 0 || headers["transfer-encoding"] !== undefined;
}

export function enforceBodyDeadline(app: FastifyInstance, timeoutMs: number): void {
  app.addHook("onRequest", async (request, reply) => {
    const raw = request.raw;
    if (raw.complete || !hasBody(raw.headers)) return;
    const timer = setTimeout(() => {
      if (raw.complete || reply.sent || reply.raw.headersSent) return;
      reply.hijack();
      const error = new ApiError(
        "RequestTimeout",
        `The request body was not received in full within ${timeoutMs / 1000}s and was dropped; send it again at once, or over a faster connection.`,
      );
      request.log.info({ code: error.code }, "Refused a request whose body came too slowly");
      // The client is still sending: closed gently, or the reset would take the answer with it.
      lingerOnClose(raw.socket);
      reply.raw.writeHead(408, {
        "content-type": PROBLEM_CONTENT_TYPE,
        connection: "close",
        "x-request-id": request.id,
      });
      reply.raw.end(JSON.stringify(problemOf(error, request.id, request.url.split("?")[0])));
    }, timeoutMs);
    timer.unref();
    const clear = () => clearTimeout(timer);
    raw.once("end", clear);
    raw.once("close", clear);
    reply.raw.once("close", clear);
  });
}
