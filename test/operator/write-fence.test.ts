// The client's write fence (kube/kube-client.ts), against the real apiserver: a write the fence refuses never
// leaves the process (the object does not exist afterwards), reads are never fenced, and a write that passed the
// fence but was held up before its bytes left (here: the event loop blocked right after the check, as a freeze of
// the process would) is reported with how long it was held — the case a deposed leader cannot rule out in-process.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type HeldUpWrite, KubeApiError, KubeClient } from "../../kube/kube-client.ts";
import { SECRET } from "../../kube/resources.ts";
import { type TestKube, testKube } from "../support/kube.ts";

let kube: TestKube;
let ns: string;

beforeAll(async () => {
  kube = testKube();
  ns = await kube.namespace("fence");
});
afterAll(async () => {
  await kube.cleanup();
});

const secret = (name: string) => ({ apiVersion: "v1", kind: "Secret", metadata: { name, namespace: ns } });

describe("the write fence", () => {
  it("refuses writes while closed, passes reads, and reports a write held up after passing it", async () => {
    const client = await KubeClient.create(kube.config, { userAgent: "loco-test-fence" });
    const heldUp: HeldUpWrite[] = [];
    let reason: string | undefined = "a test closed the fence";
    let freezeMs = 0;
    client.fenceWrites(
      () => {
        // Blocks the event loop right after the check passed: what a frozen process does to a write in hand.
        if (reason === undefined && freezeMs > 0) {
          const ms = freezeMs;
          freezeMs = 0;
          process.nextTick(() => {
            const until = performance.now() + ms;
            while (performance.now() < until);
          });
        }
        return reason;
      },
      (write) => heldUp.push(write),
    );

    const refused = await client.apply(SECRET, secret("refused"), "loco-test").then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(refused).toBeInstanceOf(KubeApiError);
    expect(String((refused as Error).message)).toContain("was not sent: a test closed the fence");
    // Reads pass a closed fence; the refused write never reached the apiserver.
    expect(await client.find(SECRET, ns, "refused")).toBeUndefined();

    reason = undefined;
    await client.apply(SECRET, secret("quick"), "loco-test");
    expect(heldUp).toEqual([]);

    freezeMs = 1200;
    await client.apply(SECRET, secret("held"), "loco-test");
    expect(await client.find(SECRET, ns, "held")).toBeDefined();
    expect(heldUp).toHaveLength(1);
    expect(heldUp[0]).toMatchObject({ method: "PATCH", path: expect.stringContaining("/secrets/held") });
    expect(heldUp[0]!.heldMs).toBeGreaterThanOrEqual(1000);
  });
});
