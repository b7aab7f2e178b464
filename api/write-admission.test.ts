import { describe, expect, it } from "vitest";
import { WriteAdmission } from "./write-admission.ts";

const admitted = async (admission: WriteAdmission) => {
  const answer = await admission.admit();
  if (!answer.ok) throw new Error(`refused: ${JSON.stringify(answer)}`);
  return answer.release;
};

describe("WriteAdmission", () => {
  it("admits up to its concurrency at once and the next in line as a slot frees", async () => {
    const admission = new WriteAdmission({ concurrency: 2, maxWaitMs: 10_000 });
    const first = await admitted(admission);
    await admitted(admission);
    let third = false;
    const waiting = admission.admit().then((a) => {
      third = a.ok;
      return a;
    });
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(third).toBe(false);
    expect(admission.state()).toMatchObject({ running: 2, queued: 1 });
    first();
    first(); // a second release changes nothing
    expect((await waiting).ok).toBe(true);
    expect(admission.state()).toMatchObject({ running: 2, queued: 0 });
  });

  it("refuses at once, with Retry-After, when the line ahead would take longer than the wait allowed", async () => {
    let now = 0;
    const admission = new WriteAdmission({ concurrency: 1, maxWaitMs: 5_000 }, () => now);
    // One request held its slot 4 s: the average service time is 4 s.
    const release = await admitted(admission);
    now += 4_000;
    release();
    await admitted(admission);
    // Next in line: one slot's worth (4 s) ≤ 5 s, so it waits.
    const second = admission.admit();
    // Behind it: 8 s > 5 s, refused at once.
    const third = await admission.admit();
    expect(third).toEqual({ ok: false, retryAfterSeconds: 8, queued: 1 });
    expect(admission.state().shed).toBe(1);
    void second;
  });

  it("refuses a request whose wait in line ran past the limit, and forgets it", async () => {
    const admission = new WriteAdmission({ concurrency: 1, maxWaitMs: 50 });
    await admitted(admission);
    const answer = await admission.admit();
    expect(answer.ok).toBe(false);
    if (!answer.ok) expect(answer.retryAfterSeconds).toBeGreaterThanOrEqual(1);
    expect(admission.state()).toMatchObject({ running: 1, queued: 0, shed: 1 });
  });

  it("lets a request that gave up leave the line without taking a slot", async () => {
    const admission = new WriteAdmission({ concurrency: 1, maxWaitMs: 10_000 });
    const release = await admitted(admission);
    const gaveUp = new AbortController();
    const waiting = admission.admit(gaveUp.signal);
    gaveUp.abort();
    expect((await waiting).ok).toBe(false);
    release();
    expect(admission.state()).toMatchObject({ running: 0, queued: 0 });
  });
});
