import Fastify from "fastify";
import pino from "pino";
import { describe, expect, it } from "vitest";
import { noteRefusal, RequestLog } from "./request-log.ts";

async function serverWithLog() {
  const lines: Record<string, unknown>[] = [];
  const log = pino({ level: "info" }, { write: (line: string) => lines.push(JSON.parse(line)) });
  const app = Fastify({ loggerInstance: log, logController: new RequestLog(), genReqId: () => "req-1" });
  app.get("/ok", async () => ({ ok: true }));
  app.get("/refused", async () => {
    throw Object.assign(new Error("no"), { statusCode: 404 });
  });
  app.setErrorHandler((_error, request, reply) => {
    noteRefusal(request, "NotFound");
    reply.status(404).send({ code: "NotFound" });
  });
  await app.ready();
  return { app, lines };
}

describe("RequestLog", () => {
  it("writes one line per answered request, with what the request and its answer were", async () => {
    const { app, lines } = await serverWithLog();
    await app.inject({ method: "GET", url: "/ok?cursor=secret" });
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      msg: "Answered the request",
      method: "GET",
      path: "/ok",
      statusCode: 200,
      requestId: "req-1",
    });
    expect(typeof lines[0]!.responseTime).toBe("number");
    expect(JSON.stringify(lines[0])).not.toContain("secret");
  });

  it("names a refused request's code in its one line", async () => {
    const { app, lines } = await serverWithLog();
    await app.inject({ method: "GET", url: "/refused" });
    expect(lines).toEqual([expect.objectContaining({ statusCode: 404, code: "NotFound", path: "/refused" })]);
  });
});
