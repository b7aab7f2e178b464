import { describe, expect, it } from "vitest";
import { CHANNEL, frame, parseResult, parseSize, readFrame } from "./terminal-protocol.ts";

describe("the terminal wire format", () => {
  it("puts the channel in the first byte and the data after it", () => {
    const message = frame(CHANNEL.stdin, "ls\n");
    expect([...message]).toEqual([0, 0x6c, 0x73, 0x0a]);
    expect(readFrame(message)).toEqual({ channel: 0, data: Buffer.from("ls\n") });
    expect(readFrame(frame(CHANNEL.close, Buffer.from([CHANNEL.stdin])))).toEqual({
      channel: 255,
      data: Buffer.from([0]),
    });
    expect(readFrame(Buffer.alloc(0))).toBeUndefined();
  });

  it("accepts a size of two whole numbers within reason, nothing else", () => {
    expect(parseSize(Buffer.from('{"cols":120,"rows":40}'))).toEqual({ cols: 120, rows: 40 });
    for (const bad of [
      '{"cols":0,"rows":40}',
      '{"cols":1.5,"rows":40}',
      '{"cols":120}',
      '{"cols":99999,"rows":1}',
      "x",
    ]) {
      expect(parseSize(Buffer.from(bad)), bad).toBeUndefined();
    }
  });

  it("reads a result, with or without an exit code, and refuses what is not one", () => {
    expect(parseResult(Buffer.from('{"exitCode":3,"pod":"web-1"}'))).toEqual({ exitCode: 3, pod: "web-1" });
    expect(parseResult(Buffer.from('{"exitCode":null,"pod":"web-1","message":"gone"}'))).toEqual({
      exitCode: null,
      pod: "web-1",
      message: "gone",
    });
    expect(parseResult(Buffer.from('{"exitCode":"3","pod":"web-1"}'))).toBeUndefined();
    expect(parseResult(Buffer.from('{"exitCode":3}'))).toBeUndefined();
    expect(parseResult(Buffer.from("not json"))).toBeUndefined();
  });
});
