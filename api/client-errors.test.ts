import { describe, expect, it } from "vitest";
import { clientErrorResponse } from "./client-errors.ts";

function parse(raw: string) {
  const [head, body] = raw.split("\r\n\r\n") as [string, string];
  const [status, ...headers] = head.split("\r\n");
  return { status, headers, body: JSON.parse(body) as Record<string, unknown>, length: Buffer.byteLength(body) };
}

describe("clientErrorResponse", () => {
  it("answers a request not received in time with 408 problem+json and closes the connection", () => {
    const answer = parse(clientErrorResponse("ERR_HTTP_REQUEST_TIMEOUT", 5000));
    expect(answer.status).toBe("HTTP/1.1 408 Request Timeout");
    expect(answer.headers).toContain("Content-Type: application/problem+json");
    expect(answer.headers).toContain("Connection: close");
    expect(answer.headers).toContain(`Content-Length: ${answer.length}`);
    expect(answer.body).toMatchObject({ status: 408, code: "RequestTimeout" });
    expect(answer.body.detail).toContain("within 5s");
  });

  it("answers oversized headers 431 and anything else unreadable 400", () => {
    expect(parse(clientErrorResponse("HPE_HEADER_OVERFLOW", 5000)).status).toBe(
      "HTTP/1.1 431 Request Header Fields Too Large",
    );
    const bad = parse(clientErrorResponse("HPE_INVALID_METHOD", 5000));
    expect(bad.status).toBe("HTTP/1.1 400 Bad Request");
    expect(bad.body).toMatchObject({ status: 400, code: "InvalidRequest" });
  });
});
