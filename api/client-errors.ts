// What the API answers when the HTTP layer gives up on a client before any route runs: a request not received
// within the request timeout (a body sent byte by byte) gets 408, a request that cannot be parsed 400 (431 for
// headers over Node's limit) — as problem+json like every other answer.
//
// Node (and Fastify's default) write the answer and destroy the socket at once. When the client is still sending
// its body, the unread bytes make the kernel reset the connection, and the client sees ECONNRESET instead of the
// answer. Here the socket is ended (the answer, then FIN) and what the client still sends is read and dropped; it is
// destroyed only if the client has not closed its side after a grace period.
import { randomUUID } from "node:crypto";
import type { Socket } from "node:net";
import { ApiError, PROBLEM_CONTENT_TYPE, problemOf } from "./errors.ts";

/** How long a refused client has to read the answer and close its side before its socket is destroyed. */
export const CLIENT_ERROR_GRACE_MS = 5000;

/** The raw HTTP/1.1 answer for a client error Node reports by its code; pure. */
export function clientErrorResponse(code: string | undefined, requestTimeoutMs: number): string {
  const timedOut = code === "ERR_HTTP_REQUEST_TIMEOUT";
  const error = timedOut
    ? new ApiError(
        "RequestTimeout",
        `The request was not received in full within ${requestTimeoutMs / 1000}s and was dropped; send it again at once, or over a faster connection.`,
      )
    : new ApiError(
        "InvalidRequest",
        code === "HPE_HEADER_OVERFLOW"
          ? "The request's headers are larger than this server accepts; send fewer or shorter headers."
          : "The request could not be read as HTTP; check what the client sends.",
      );
  const status = code === "HPE_HEADER_OVERFLOW" ? 431 : error.statusCode;
  const reason = timedOut ? "Request Timeout" : status === 431 ? "Request Header Fields Too Large" : "Bad Request";
  const body = JSON.stringify({ ...problemOf(error, randomUUID()), status });
  return [
    `HTTP/1.1 ${status} ${reason}`,
    `Content-Type: ${PROBLEM_CONTENT_TYPE}`,
    `Content-Length: ${Buffer.byteLength(body)}`,
    "Connection: close",
    "",
    body,
  ].join("\r\n");
}

/**
 * Ends `socket` as a lingering close does: `last` (if any), then FIN; what the client still sends is left to be read
 * and dropped, and the socket is destroyed only after `graceMs` if the client has not closed its side by then.
 */
export function endGently(socket: Socket, graceMs: number, last?: string): void {
  if (last === undefined) socket.end();
  else socket.end(last);
  setTimeout(() => socket.destroy(), graceMs).unref();
}

/** Fastify's clientErrorHandler: answers, then closes gently (see the header). */
export function answerClientError(requestTimeoutMs: number) {
  return (error: Error & { code?: string }, socket: Socket): void => {
    // A reset connection, or one already gone, has no one to answer.
    if (error.code === "ECONNRESET" || socket.destroyed) return;
    if (!socket.writable) {
      socket.destroy();
      return;
    }
    // Still being sent: read and dropped, so that closing does not reset the connection under the answer.
    socket.on("data", () => {});
    endGently(socket, CLIENT_ERROR_GRACE_MS, clientErrorResponse(error.code, requestTimeoutMs));
  };
}
