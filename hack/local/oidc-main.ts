#!/usr/bin/env node
// The local OpenID Provider as a long-running program (started by `npm start`):
//   node hack/local/oidc-main.ts --dir <folder> --port <n> --audience <api-url-or-id> [--user developer]
//        [--client loco-cli] [--group <name>]…
// Prints one line on stdout once it serves (GET /healthz answers 200 from then on), logs JSON lines on stderr, and
// stops cleanly on SIGTERM or SIGINT. A start-up failure is one line on stderr and a non-zero exit.
import { createLogger } from "../../kube/logger.ts";
import { LocalProviderError } from "./local-provider-error.ts";
import { parseMainArgs, USAGE } from "./oidc-args.ts";
import { startLocalOidcProvider } from "./oidc-provider.ts";

async function main(): Promise<void> {
  const options = parseMainArgs(process.argv.slice(2));
  if (options === "help") {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const log = createLogger("loco-oidc");
  const provider = await startLocalOidcProvider({ ...options, log });
  process.stdout.write(
    `Local OpenID Provider ready at ${provider.issuer} (user ${options.user.id}, client ${options.clientId}, ` +
      `audience ${options.audience}); health ${provider.issuer}/healthz; state in ${options.dir}\n`,
  );
  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) process.exit(1); // A second signal: the user wants it gone now.
    stopping = true;
    log.info({ signal }, "Stopping provider");
    // Nothing else holds the event loop once the server is closed; the timer only guards a stuck close.
    setTimeout(() => process.exit(1), 5000).unref();
    void provider.stop().then(() => {
      log.info({}, "Stopped provider");
      log.flush();
    });
  };
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);
}

main().catch((error: unknown) => {
  if (error instanceof LocalProviderError) {
    process.stderr.write(`loco local OpenID Provider: ${error.message}\n`);
    process.exit(error.code === "BadArguments" ? 2 : 1);
  }
  process.stderr.write(`loco local OpenID Provider failed: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
