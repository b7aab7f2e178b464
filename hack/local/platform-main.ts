#!/usr/bin/env node
// The local platform's process (started by `npm start`, see hack/control-plane/local-loco.ts): operator, API and
// resurrector on one database. Runs until SIGTERM/SIGINT.
import { parseArgs } from "node:util";
import { startPlatform } from "./platform.ts";

const { values } = parseArgs({
  options: {
    dir: { type: "string" },
    kubeconfig: { type: "string" },
    "api-port": { type: "string" },
    "operator-port": { type: "string" },
    "database-url": { type: "string" },
    "oidc-issuer": { type: "string" },
    "oidc-client-id": { type: "string", default: "loco-cli" },
    user: { type: "string", default: "developer" },
    tenant: { type: "string", default: "acme" },
  },
});

async function main(): Promise<void> {
  if (!values.dir || !values.kubeconfig || !values["api-port"] || !values["operator-port"]) {
    throw new Error("usage: platform-main.ts --dir D --kubeconfig K --api-port N --operator-port N [--database-url U]");
  }
  const platform = await startPlatform({
    dir: values.dir,
    kubeconfig: values.kubeconfig,
    apiPort: Number(values["api-port"]),
    operatorPort: Number(values["operator-port"]),
    ...(values["database-url"] ? { databaseUrl: values["database-url"] } : {}),
    ...(values["oidc-issuer"] ? { oidc: { issuer: values["oidc-issuer"], clientId: values["oidc-client-id"] } } : {}),
    user: values.user,
    tenant: values.tenant,
  });
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    process.stderr.write(`Stopping the local platform (${signal})\n`);
    const force = setTimeout(() => process.exit(1), 30_000);
    force.unref();
    platform.stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on("SIGTERM", () => stop("SIGTERM"));
  process.on("SIGINT", () => stop("SIGINT"));
}

main().catch((error: unknown) => {
  process.stderr.write(
    `The local platform failed to start: ${error instanceof Error ? error.message : String(error)}\n`,
  );
  process.exit(1);
});
