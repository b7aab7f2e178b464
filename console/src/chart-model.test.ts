import { describe, expect, it } from "vitest";
import { chartModel, formatValue, niceCeil } from "./chart-model.ts";

const base = {
  start: 1000,
  end: 1100,
  width: 220,
  height: 120,
  margin: { left: 20, right: 0, top: 0, bottom: 20 },
};

describe("chartModel", () => {
  it("scales time across the plot and values from 0 to a nice maximum", () => {
    const model = chartModel({
      ...base,
      series: [
        {
          name: "rate",
          points: [
            { t: 1000, v: 0 },
            { t: 1050, v: 40 },
            { t: 1100, v: 80 },
          ],
        },
      ],
      markers: [1025, 2000],
    });
    // yMax 100 (niceCeil of 80); the plot is x 20…220, y 0…100.
    expect(model.paths).toEqual([{ name: "rate", d: "M20,100L120,60L220,20" }]);
    expect(model.yTicks.map((t) => t.value)).toEqual([0, 25, 50, 75, 100]);
    expect(model.yTicks.at(-1)?.y).toBe(0);
    // Markers outside the range are left out.
    expect(model.markers).toEqual([{ t: 1025, x: 70 }]);
  });

  it("breaks the line where a value is missing instead of drawing it to zero", () => {
    const model = chartModel({
      ...base,
      series: [
        {
          name: "p95",
          points: [
            { t: 1000, v: 1 },
            { t: 1050, v: null },
            { t: 1100, v: 1 },
          ],
        },
      ],
      markers: [],
    });
    expect(model.paths[0]?.d).toBe("M20,0M220,0");
  });

  it("keeps a floor for the axis of an all-zero chart", () => {
    const model = chartModel({
      ...base,
      series: [{ name: "e", points: [{ t: 1000, v: 0 }] }],
      markers: [],
      minMax: 0.01,
    });
    expect(model.yTicks.at(-1)?.value).toBe(0.01);
  });
});

describe("niceCeil and formatValue", () => {
  it("rounds up to 1, 2 or 5 times a power of ten", () => {
    expect([0, 0.3, 1, 1.2, 3, 7, 80, 101].map(niceCeil)).toEqual([0, 0.5, 1, 2, 5, 10, 100, 200]);
  });

  it("writes values in their unit", () => {
    expect(formatValue(0.05, "ratio")).toBe("5.00%");
    expect(formatValue(0.19375, "s")).toBe("193.8 ms");
    expect(formatValue(2.5, "s")).toBe("2.50 s");
    expect(formatValue(100, "requests/s")).toBe("100.0/s");
    expect(formatValue(null, "s")).toBe("no data");
  });
});
