// The part of the `ws` package (8.x) loco uses: a WebSocket client (the apiserver's pods/exec, the CLI's terminal)
// and a server without a listener of its own (api/websocket-upgrade.ts hands it the upgraded sockets). The package
// ships no types and @types/ws is not a dependency; these few lines say only what loco's code calls.
declare module "ws" {
  import type { EventEmitter } from "node:events";
  import type { ClientRequest, IncomingMessage, OutgoingHttpHeaders } from "node:http";
  import type { Duplex } from "node:stream";
  import type { SecureContextOptions } from "node:tls";

  export interface ClientOptions extends SecureContextOptions {
    headers?: OutgoingHttpHeaders;
    rejectUnauthorized?: boolean;
    handshakeTimeout?: number;
    maxPayload?: number;
    perMessageDeflate?: boolean;
  }

  export type RawData = Buffer | ArrayBuffer | Buffer[];

  export class WebSocket extends EventEmitter {
    static readonly CONNECTING: 0;
    static readonly OPEN: 1;
    static readonly CLOSING: 2;
    static readonly CLOSED: 3;
    constructor(address: string | URL, protocols?: string | string[], options?: ClientOptions);
    readonly readyState: 0 | 1 | 2 | 3;
    readonly protocol: string;
    readonly bufferedAmount: number;
    send(data: Buffer | string, callback?: (error?: Error) => void): void;
    close(code?: number, reason?: string): void;
    terminate(): void;
    pause(): void;
    resume(): void;
    // The DOM-style listeners client-node's Exec uses on the sockets it returns (kube/pod-exec.ts).
    addEventListener(type: string, listener: (event: unknown) => void, options?: { once?: boolean }): void;
    removeEventListener(type: string, listener: (event: unknown) => void): void;
    on(event: "open", listener: () => void): this;
    on(event: "message", listener: (data: RawData, isBinary: boolean) => void): this;
    on(event: "close", listener: (code: number, reason: Buffer) => void): this;
    on(event: "error", listener: (error: Error) => void): this;
    on(event: "unexpected-response", listener: (request: ClientRequest, response: IncomingMessage) => void): this;
    once(event: "open", listener: () => void): this;
    once(event: "close", listener: (code: number, reason: Buffer) => void): this;
    once(event: "error", listener: (error: Error) => void): this;
    once(event: "unexpected-response", listener: (request: ClientRequest, response: IncomingMessage) => void): this;
  }

  export interface ServerOptions {
    noServer: true;
    maxPayload?: number;
    perMessageDeflate?: boolean;
    handleProtocols?: (protocols: Set<string>, request: IncomingMessage) => string | false;
  }

  export class WebSocketServer extends EventEmitter {
    constructor(options: ServerOptions);
    handleUpgrade(
      request: IncomingMessage,
      socket: Duplex,
      head: Buffer,
      callback: (socket: WebSocket, request: IncomingMessage) => void,
    ): void;
  }

  export default WebSocket;
}
