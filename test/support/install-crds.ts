// Installs loco's generated CRDs into the shared test control plane, the way a user would: server-side apply of
// crds/generated/*.yaml with kubectl, then waiting until the apiserver serves them.
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { kubectl, waitForCrdsEstablished } from "../../hack/control-plane/control-plane.ts";

const generated = join(import.meta.dirname, "..", "..", "crds", "generated");

/** The generated CRD manifests (the folder also holds loco.toml's JSON Schema, which is not a manifest). */
export function crdFiles(): string[] {
  return readdirSync(generated)
    .filter((file) => file.endsWith(".yaml"))
    .sort()
    .map((file) => join(generated, file));
}

export async function installLocoCrds(kubeconfig: string): Promise<void> {
  const files = crdFiles();
  const state = { kubeconfig };
  await kubectl(state, ["apply", "--server-side", "--field-manager=loco-test", ...files.flatMap((f) => ["-f", f])]);
  await waitForCrdsEstablished(state, generated, "app.kubernetes.io/part-of=loco");
}
