import { describe, expect, it } from "vitest";
import { addressClass, refusalOf } from "./address-class.ts";

describe("addressClass", () => {
  it.each([
    ["127.0.0.1", "loopback"],
    ["127.255.0.9", "loopback"],
    ["::1", "loopback"],
    ["10.0.0.1", "private"],
    ["172.16.5.4", "private"],
    ["172.31.255.255", "private"],
    ["192.168.1.1", "private"],
    ["100.64.0.1", "private"],
    ["169.254.169.254", "link-local"],
    ["fe80::1", "link-local"],
    ["fe80::1%eth0", "link-local"],
    ["fd00::1", "unique-local"],
    ["fc12:3456::1", "unique-local"],
    ["224.0.0.1", "multicast"],
    ["ff02::1", "multicast"],
    ["0.0.0.0", "unspecified"],
    ["::", "unspecified"],
    ["255.255.255.255", "reserved"],
    ["::ffff:127.0.0.1", "loopback"],
    ["::ffff:7f00:1", "loopback"],
    ["::ffff:169.254.169.254", "link-local"],
    ["64:ff9b::10.0.0.1", "private"],
    ["8.8.8.8", "public"],
    ["172.32.0.1", "public"],
    ["2606:4700::1111", "public"],
  ])("%s is %s", (address, expected) => {
    expect(addressClass(address)).toBe(expected);
  });

  it("throws on something that is not an IP address", () => {
    expect(() => addressClass("example.com")).toThrow(/not an IP address/);
  });
});

describe("refusalOf", () => {
  it("refuses non-public addresses unless their class is allowed, and never multicast or unspecified", () => {
    expect(refusalOf("127.0.0.1", new Set())).toBe("loopback");
    expect(refusalOf("127.0.0.1", new Set(["loopback"]))).toBeUndefined();
    expect(refusalOf("10.0.0.1", new Set(["loopback"]))).toBe("private");
    expect(refusalOf("0.0.0.0", new Set(["loopback", "private", "link-local", "unique-local"]))).toBe("unspecified");
    expect(refusalOf("8.8.8.8", new Set())).toBeUndefined();
  });
});
