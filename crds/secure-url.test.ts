import { describe, expect, it } from "vitest";
import { isLoopbackHost, isSecureOrLoopback } from "./secure-url.ts";

describe("isSecureOrLoopback", () => {
  it("accepts https anywhere and http only on loopback", () => {
    expect(isSecureOrLoopback("https://login.example.com")).toBe(true);
    expect(isSecureOrLoopback("http://127.0.0.1:8080")).toBe(true);
    expect(isSecureOrLoopback("http://127.255.0.9/realms/x")).toBe(true);
    expect(isSecureOrLoopback("http://LOCALHOST:5556")).toBe(true);
    expect(isSecureOrLoopback("http://[::1]:8443")).toBe(true);
    // The URL parser normalises these to 127.0.0.1 before the check.
    expect(isSecureOrLoopback("http://127.1")).toBe(true);
    expect(isSecureOrLoopback("http://0x7f000001")).toBe(true);
  });

  it("refuses http elsewhere, other schemes, and names that only look local", () => {
    expect(isSecureOrLoopback("http://login.example.com")).toBe(false);
    expect(isSecureOrLoopback("http://192.168.1.10")).toBe(false);
    expect(isSecureOrLoopback("http://128.0.0.1")).toBe(false);
    expect(isSecureOrLoopback("http://localhost.evil.example")).toBe(false);
    expect(isSecureOrLoopback("http://127.0.0.1.nip.io")).toBe(false);
    expect(isSecureOrLoopback("http://[::2]")).toBe(false);
    expect(isSecureOrLoopback("ftp://127.0.0.1")).toBe(false);
    expect(isSecureOrLoopback("not a url")).toBe(false);
    expect(isLoopbackHost("0.0.0.0")).toBe(false);
  });
});
