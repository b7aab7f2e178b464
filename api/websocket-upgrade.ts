// WebSocket answers through the ordinary routes. An upgrade request is routed by Fastify like any other request —
// request id, rate limits, authentication, the one preflight and the audit record of api/server.ts — so a refusal
// is an ordinary problem+json answer, after which the connection closes. A handler that accepts takes the socket
// over with acceptWebSocket(). Open sessions are closed when the server shuts down, or they would hold it open.
import { type IncomingMessage, ServerResponse } from "node:http";
import type { Socket } from "node:net";
import type { Duplex } from "node:stream";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { type WebSocket, WebSocketServer } from "ws";

/** The raw request of an upgrade, carrying how to accept it. */
type UpgradeRequest = IncomingMessage & { [ACCEPT]?: (protocol: string) => Promise<WebSocket> };
const ACCEPT = Symbol("loco.websocket-accept");

/** The largest message a client may send (stdin chunks and resizes are small; this only stops abuse). */
const MAX_PAYLOAD = 1024 * 1024;
/** Close code for "the server is going away" (RFC 6455). */
const GOING_AWAY = 1001;

export function routeWebSocketUpgrades(app: FastifyInstance): void {
  const live = new Set<WebSocket>();
  app.server.on("upgrade", (request: UpgradeRequest, socket: Duplex, head: Buffer) => {
    let taken = false;
    request[ACCEPT] = (protocol) => {
      taken = true;
      return new Promise<WebSocket>((resolve) => {
        const server = new WebSocketServer({
          noServer: true,
          maxPayload: MAX_PAYLOAD,
          perMessageDeflate: false,
          handleProtocols: (offered) => (offered.has(protocol) ? protocol : false),
        });
        // A quiet terminal may rightly stay silent for long: no idle timeout; dead peers go by TCP keep-alive.
        (socket as Socket).setTimeout?.(0);
        (socket as Socket).setKeepAlive?.(true, 30_000);
        server.handleUpgrade(request, socket, head, (ws) => {
          live.add(ws);
          ws.once("close", () => live.delete(ws));
          resolve(ws);
        });
      });
    };
    const response = new ServerResponse(request);
    response.assignSocket(socket as Socket);
    // An answer other than the upgrade (a refusal) ends the connection: no HTTP parser reads this socket any more.
    response.once("finish", () => {
      if (!taken) socket.end();
    });
    socket.on("error", () => socket.destroy());
    app.routing(request, response);
  });
  app.addHook("preClose", async () => {
    for (const ws of live) ws.close(GOING_AWAY, "The server is shutting down; reconnect.");
  });
}

/** Whether the request asks for a WebSocket (and came through routeWebSocketUpgrades). */
export function isWebSocketRequest(request: FastifyRequest): boolean {
  return typeof (request.raw as UpgradeRequest)[ACCEPT] === "function";
}

/** Whether the client offered this subprotocol. */
export function offersProtocol(request: FastifyRequest, protocol: string): boolean {
  const offered = request.headers["sec-websocket-protocol"];
  return (typeof offered === "string" ? offered.split(",") : []).some((p) => p.trim() === protocol);
}

/**
 * Answers 101 and hands over the WebSocket: the reply is hijacked (nothing more is sent through Fastify). Call it
 * only after isWebSocketRequest() and offersProtocol(); the server speaks `protocol`.
 */
export function acceptWebSocket(request: FastifyRequest, reply: FastifyReply, protocol: string): Promise<WebSocket> {
  const accept = (request.raw as UpgradeRequest)[ACCEPT];
  if (!accept) throw new Error("acceptWebSocket: the request is not a WebSocket upgrade");
  reply.hijack();
  return accept(protocol);
}
