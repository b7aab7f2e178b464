// The local OpenID Provider's command line (hack/local/oidc-main.ts), checked: a bad flag is a BadArguments
// error that names it.
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { LocalProviderError } from "./local-provider-error.ts";
import type { LocalUser } from "./oidc-pages.ts";

export const USAGE = `Usage: node hack/local/oidc-main.ts --dir <folder> --port <n> --audience <api-url-or-id> [options]
  --dir FOLDER        where keys and logins are kept (created when missing)
  --port N            loopback port to listen on (0: any free port)
  --audience AUD      the aud of access tokens: the API's --oidc-audience
  --user ID           the local user's id, the sub of its tokens (default developer)
  --client ID         the CLI's public client id: the API's --oidc-client-id (default loco-cli)
  --group NAME        a group in the user's groups claim (repeatable; default none)`;

export interface MainOptions {
  dir: string;
  port: number;
  audience: string;
  user: LocalUser;
  clientId: string;
}

const badArgument = (message: string) => new LocalProviderError("BadArguments", `${message}\n${USAGE}`);

/** The command line, checked; throws BadArguments naming the flag. */
export function parseMainArgs(argv: string[]): MainOptions | "help" {
  let values: ReturnType<typeof parse>["values"];
  try {
    values = parse(argv).values;
  } catch (error) {
    throw badArgument((error as Error).message);
  }
  if (values.help) return "help";
  if (!values.dir) throw badArgument("--dir is required: the folder where the provider keeps its keys and logins.");
  if (!values.audience) throw badArgument("--audience is required: the API's --oidc-audience.");
  const port = Number(values.port);
  if (values.port === undefined || !/^\d+$/.test(values.port) || port > 65535) {
    throw badArgument(`--port must be a port number from 0 to 65535, not ${values.port ?? "missing"}.`);
  }
  const id = values.user ?? "developer";
  const clientId = values.client ?? "loco-cli";
  for (const [flag, value] of [
    ["--user", id],
    ["--client", clientId],
  ] as const) {
    if (!/^[A-Za-z0-9][A-Za-z0-9._@-]*$/.test(value)) {
      throw badArgument(
        `${flag} must be letters, digits and . _ @ - (starting with a letter or digit), not "${value}".`,
      );
    }
  }
  return {
    dir: resolve(values.dir),
    port,
    audience: values.audience,
    user: { id, name: id, email: `${id}@loco.local`, groups: values.group ?? [] },
    clientId,
  };
}

function parse(argv: string[]) {
  return parseArgs({
    args: argv,
    strict: true,
    allowPositionals: false,
    options: {
      dir: { type: "string" },
      port: { type: "string" },
      audience: { type: "string" },
      user: { type: "string" },
      client: { type: "string" },
      group: { type: "string", multiple: true },
      help: { type: "boolean", short: "h" },
    },
  });
}
