import { connect } from "node:net";
import Fastify, { type FastifyInstance } from "fastify";
import { afterEach, describe, expect, it } from "vitest";
import { lingerOnEarlyAnswers } from "./linger-close.ts";

let app: FastifyInstance | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

async function serve(linger: boolean): Promise<number> {
  app = Fastify({ bodyLimit: 1024 });
  if (linger) lingerOnEarlyAnswers(app);
  app.post("/deploy", async () => ({ ok: true }));
  await app.listen({ host: "127.0.0.1", port: 0 });
  return (app.server.address() as { port: number }).port;
}

/**
 * A client that announces 4 MiB, sends all of it before reading anything (as a busy client does), then reads the
 * answer: what it got, and the error its socket ended with.
 */
function oversizedDeploy(port: number): Promise<{ answer: string; error: string | undefined }> {
  return new Promise((resolve) => {
    const body = Buffer.alloc(4 * 1024 * 1024, "x");
    const socket = connect(port, "127.0.0.1");
    let answer = "";
    let error: string | undefined;
    socket.pause();
    socket.on("data", (chunk) => {
      answer += chunk.toString("latin1");
    });
    socket.on("error", (e: NodeJS.ErrnoException) => {
      error = e.code ?? e.message;
    });
    socket.on("close", () => resolve({ answer, error }));
    socket.write(
      `POST /deploy HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n`,
    );
    // In pieces, with a pause between them, so the answer and the server's close come while the body is being sent.
    let sent = 0;
    const next = () => {
      if (socket.destroyed) return;
      if (sent >= body.length) {
        socket.end();
        socket.resume();
        return;
      }
      const piece = body.subarray(sent, sent + 256 * 1024);
      sent += piece.length;
      socket.write(piece, () => setTimeout(next, 5));
    };
    setTimeout(next, 50);
  });
}

describe("lingerOnEarlyAnswers", () => {
  it("lets a client still sending an oversized body read its 413, with no reset", async () => {
    const result = await oversizedDeploy(await serve(true));
    expect(result.error).toBeUndefined();
    expect(result.answer).toMatch(/^HTTP\/1\.1 413 /);
    expect(result.answer.toLowerCase()).toContain("connection: close");
  });

  it("is needed: without it, the same client's connection is reset and the answer lost", async () => {
    const result = await oversizedDeploy(await serve(false));
    // The reset reaches the client as EPIPE on its next write, or as ECONNRESET.
    expect(["EPIPE", "ECONNRESET"]).toContain(result.error);
    expect(result.answer).toBe("");
  });
});
