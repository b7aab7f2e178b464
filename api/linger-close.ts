// An answer sent before the client has finished sending its body (413 for a body over the limit, or any error
// while Fastify reads it) closes the connection, since the rest of the body cannot be told from a next request.
// Node then destroys the socket as soon as the answer is written. Bytes the client is still sending make the kernel
// reset the connection, and a reset throws away what the client had not read yet: under load the client gets
// ECONNRESET instead of the answer (56 of 2,392 oversized deploys from 20 clients at once). The connection is closed
// instead as nginx's lingering close does: the answer, then FIN, what still arrives is read and dropped (Node's
// parser discards the rest of the request), and the socket is destroyed only once the client closes its side or
// after a grace period.
import type { Socket } from "node:net";
import type { FastifyInstance } from "fastify";
import { CLIENT_ERROR_GRACE_MS, endGently } from "./client-errors.ts";

const lingering = new WeakSet<Socket>();

/** Makes Node's close after an early answer on `socket` a lingering one (see the header). */
export function lingerOnClose(socket: Socket, graceMs = CLIENT_ERROR_GRACE_MS): void {
  if (lingering.has(socket)) return;
  lingering.add(socket);
  // Node's HTTP server closes a connection after its last answer with destroySoon() (end, then destroy once
  // written): replaced on this socket only, by end now and destroy after the grace period.
  socket.destroySoon = function lingeringClose(this: Socket) {
    if (!this.destroyed) endGently(this, graceMs);
  };
}

/** Every answer given while the request's body is still arriving closes its connection gently. */
export function lingerOnEarlyAnswers(app: FastifyInstance): void {
  app.addHook("onSend", async (request) => {
    if (!request.raw.complete) lingerOnClose(request.raw.socket);
  });
}
