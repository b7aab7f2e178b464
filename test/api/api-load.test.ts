// The API under load, short form (the long one is `npm run bench:api-load`: 200 clients for 60 s, 500 log
// followers): concurrent reads and deploys with no error; slow-body and oversized-body clients answered 408 and 413
// without slowing the readers beside them beyond a bound; log followers that live through an API restart and
// resume from their last line, none lost and none repeated.
import { describe, expect, inject, it } from "vitest";
import { runApiLoad } from "../support/api-load.ts";
import { newShard, SHARD_LABEL } from "../support/operator.ts";

describe("the API under load", () => {
  it("serves reads and deploys without error, refuses slow and oversized bodies, and resumes log followers across a restart", async () => {
    const result = await runApiLoad({
      kubeconfig: inject("kubeconfig"),
      ownerPid: process.pid,
      shard: { label: SHARD_LABEL, value: newShard() },
      clients: 20,
      seconds: 5,
      readers: 10,
      readerSeconds: 4,
      misbehaving: 4,
      followers: 20,
      linesPerSecond: 10,
    });
    console.log(JSON.stringify(result));
    expect(result.requests).toBeGreaterThan(0);
    expect(result.deploys).toBeGreaterThan(0);
    // A deploy the API shed is a 503 with Retry-After that did nothing (the CLI retries it); any other non-2xx fails.
    expect({ errors: result.errors, failures: result.failures, timeouts: result.timeouts }).toEqual({
      errors: 0,
      failures: 0,
      timeouts: 0,
    });
    expect(Object.keys(result.statuses).filter((status) => !/^2|^503$/.test(status))).toEqual([]);
    expect(result.readersErrors).toBe(0);
    expect(Object.keys(result.slowBodyStatuses)).toEqual(["408"]);
    expect(Object.keys(result.oversizedStatuses)).toEqual(["413"]);
    expect({ gaps: result.gaps, repeats: result.repeats }).toEqual({ gaps: 0, repeats: 0 });
    expect(result.followersComplete).toBe(result.followers);
    expect(result.openFailures).toEqual({});
    expect(result.followerMB).toBeLessThan(5);
    expect(result.reconnects).toBeGreaterThanOrEqual(result.followers);
  }, 500_000);
});
