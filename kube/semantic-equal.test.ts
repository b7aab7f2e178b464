import { describe, expect, it } from "vitest";
import { isSubset, jsonEqual, parseQuantity } from "./semantic-equal.ts";

describe("parseQuantity", () => {
  it.each([
    ["250m", 0.25],
    ["1", 1],
    [2, 2],
    ["1Gi", 2 ** 30],
    ["512Mi", 512 * 2 ** 20],
    ["1k", 1000],
    ["1e3", 1000],
  ])("parses %s", (input, expected) => {
    expect(parseQuantity(input)).toBeCloseTo(expected);
  });

  it("refuses what is not a quantity", () => {
    expect(parseQuantity("fast")).toBeUndefined();
    expect(parseQuantity("1Zi")).toBeUndefined();
    expect(parseQuantity(null)).toBeUndefined();
  });
});

describe("isSubset", () => {
  const live = {
    metadata: { name: "web", labels: { a: "1", extra: "server" }, uid: "u1" },
    spec: {
      replicas: 2,
      template: {
        spec: {
          containers: [
            {
              name: "web",
              image: "x:1",
              resources: { requests: { cpu: "1", memory: "1Gi" } },
              terminationMessagePath: "/dev/termination-log",
            },
          ],
        },
      },
    },
  };

  it("accepts server-added fields and canonicalised quantities", () => {
    const desired = {
      metadata: { name: "web", labels: { a: "1" } },
      spec: {
        replicas: 2,
        template: {
          spec: {
            containers: [{ name: "web", image: "x:1", resources: { requests: { cpu: "1000m", memory: "1024Mi" } } }],
          },
        },
      },
    };
    expect(isSubset(desired, live)).toBe(true);
  });

  it("notices a changed value, a missing field and a different list length", () => {
    expect(isSubset({ spec: { replicas: 3 } }, live)).toBe(false);
    expect(isSubset({ metadata: { annotations: { b: "2" } } }, live)).toBe(false);
    expect(isSubset({ spec: { template: { spec: { containers: [] } } } }, live)).toBe(false);
    expect(isSubset({ spec: { template: { spec: { containers: [{ name: "web", image: "x:2" }] } } } }, live)).toBe(
      false,
    );
  });

  it("compares non-resource strings exactly, even if they look like quantities", () => {
    expect(isSubset({ env: [{ name: "N", value: "1000m" }] }, { env: [{ name: "N", value: "1" }] })).toBe(false);
  });
});

describe("jsonEqual", () => {
  it("ignores key order and undefined members", () => {
    expect(jsonEqual({ a: 1, b: [1, { c: 2 }] }, { b: [1, { c: 2 }], a: 1, d: undefined })).toBe(true);
    expect(jsonEqual({ a: 1 }, { a: 2 })).toBe(false);
    expect(jsonEqual([1, 2], [2, 1])).toBe(false);
  });
});
