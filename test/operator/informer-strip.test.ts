// What the informer keeps of an object: caches hold thousands of objects, so what no reader looks at is dropped as
// objects arrive (managedFields; kubectl's last-applied copy where the cache says so), and nothing else.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { KubeClient } from "../../kube/kube-client.ts";
import { SECRET } from "../../kube/resources.ts";
import { LAST_APPLIED_ANNOTATION } from "../../operator/caches.ts";
import { Informer } from "../../operator/runtime/informer.ts";
import { eventually, testKube } from "../support/kube.ts";

const kube = testKube();
let client: KubeClient;
let ns: string;
const informers: Informer[] = [];

beforeAll(async () => {
  client = await KubeClient.create(kube.config);
  ns = await kube.namespace("stripq7");
});
afterAll(async () => {
  await Promise.all(informers.map((informer) => informer.stop()));
  client.close();
  await kube.cleanup();
});

const secret = (name: string) => ({
  apiVersion: "v1",
  kind: "Secret",
  type: "Opaque",
  metadata: {
    name,
    namespace: ns,
    annotations: { [LAST_APPLIED_ANNOTATION]: '{"data":{"big":"copy"}}', "loco.dev/desired-hash": "abc" },
  },
  data: { at: Buffer.from(name).toString("base64") },
});

async function cached(informer: Informer, name: string) {
  informers.push(informer);
  informer.start();
  await informer.waitForSync();
  return eventually(`the informer to see ${name}`, async () => informer.get(`${ns}/${name}`), { timeoutMs: 30_000 });
}

describe("the informer's cache", () => {
  it("drops managedFields and the annotations it is told to, from lists and from watch events", async () => {
    await client.apply(SECRET, secret("listed"), "loco-test");
    const lean = new Informer(client, SECRET, { namespace: ns, dropAnnotations: [LAST_APPLIED_ANNOTATION] });
    const listed = await cached(lean, "listed");
    // Written after the informer synced: it arrives through the watch.
    await client.apply(SECRET, secret("watched"), "loco-test");
    const watched = await cached(lean, "watched");
    for (const object of [listed, watched]) {
      expect(object.metadata.managedFields).toBeUndefined();
      expect(object.metadata.annotations).toEqual({ "loco.dev/desired-hash": "abc" });
      expect(object.data).toEqual({ at: Buffer.from(object.metadata.name ?? "").toString("base64") });
    }
    // Without the option every annotation stays (the App cache: the mirror stores an App's annotations).
    const full = await cached(new Informer(client, SECRET, { namespace: ns }), "watched");
    expect(full.metadata.annotations?.[LAST_APPLIED_ANNOTATION]).toBe('{"data":{"big":"copy"}}');
  });
});
