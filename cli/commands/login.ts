import { CliError } from "../cli-error.ts";
import { ApiClient } from "../client/api-client.ts";
import { type Credential, normaliseServer } from "../client/config-store.ts";
import { call, storeFor } from "../client/session.ts";
import type { loginCommand } from "../commands.ts";
import type { ContextOf } from "../context.ts";
import { printJson } from "../output.ts";

async function readStdin(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(typeof chunk === "string" ? Buffer.from(chunk) : chunk);
  return Buffer.concat(chunks).toString("utf8");
}

export async function run(command: ContextOf<typeof loginCommand>): Promise<number> {
  const store = storeFor(command);
  const given = command.args.server ?? command.flags.server ?? store.resolve(command.flags.context)?.server;
  if (!given) {
    throw new CliError({
      code: "usage",
      what: "No server to log in to",
      why: "Neither a server argument nor --server was given, and there is no current context.",
      fix: "Run `loco login https://loco.example.com`.",
    });
  }
  const server = normaliseServer(given);
  if (!command.flags["token-stdin"]) return deviceLogin(command, server);
  if (command.io.stdin.isTTY) command.io.stderr.write("Paste the API token, then press Ctrl-D:\n");
  const token = (await readStdin(command.io.stdin)).trim();
  if (!/^loco_[A-Za-z0-9_-]+$/.test(token)) {
    throw new CliError({
      code: "usage",
      what: "Not an API token",
      why: token ? "What came on stdin does not look like a loco_… API token." : "Nothing came on stdin.",
      fix: 'Pipe the token in: echo "$LOCO_TOKEN" | loco login <server> --token-stdin',
    });
  }
  return finish(command, server, { kind: "api-token", token });
}

/** The OIDC device flow with the issuer and client the API names in /v1/auth/config. */
async function deviceLogin(command: ContextOf<typeof loginCommand>, server: string): Promise<number> {
  const anonymous = new ApiClient({ server, log: command.log });
  const auth = await call(`Could not log in to ${server}`, () => anonymous.authConfig());
  if (!auth.issuer || !auth.clientId) {
    throw new CliError({
      code: "usage",
      what: `${server} has no browser login`,
      why: "The API is not configured with an OpenID Provider (its /v1/auth/config names no issuer or client id); it accepts API tokens only.",
      fix: `Mint an API token (\`loco token create\`, or ask an admin) and run \`loco login ${server} --token-stdin\` with it on stdin.`,
    });
  }
  const { deviceFlow } = await import("../client/device-flow.ts");
  const tokens = await deviceFlow({
    issuer: auth.issuer,
    clientId: auth.clientId,
    log: command.log,
    onPrompt: (prompt) => {
      command.io.stderr.write(
        `To log in, open ${prompt.verificationUriComplete ?? prompt.verificationUri}\n` +
          `${prompt.verificationUriComplete ? "and check" : "and enter"} the code ${prompt.userCode} (valid for ${Math.round(prompt.expiresInSeconds / 60)} min). Waiting…\n`,
      );
    },
  });
  return finish(command, server, {
    kind: "oidc",
    token: tokens.accessToken,
    ...(tokens.refreshToken ? { refreshToken: tokens.refreshToken } : {}),
    ...(tokens.expiresAt ? { expiresAt: tokens.expiresAt } : {}),
    issuer: auth.issuer,
    clientId: auth.clientId,
  });
}

/** Checks the credential with /v1/whoami, picks the default tenant, stores the context. */
async function finish(
  command: ContextOf<typeof loginCommand>,
  server: string,
  credential: Credential,
): Promise<number> {
  const store = storeFor(command);
  const token = credential.token;
  const client = new ApiClient({ server, token, log: command.log });
  const me = await call(`Could not log in to ${server}`, () => client.whoAmI());

  let tenant = command.flags.tenant ?? me.token?.tenant ?? null;
  let role = me.token?.role ?? null;
  if (!tenant) {
    const tenants = await call("Could not list your tenants", () => client.listTenants());
    if (tenants.items.length === 1) {
      tenant = tenants.items[0]!.name;
      role = tenants.items[0]!.role;
    }
  }
  const context = store.login({ server, tenant }, { ...credential, subject: me.subject });
  command.log.write("Logged in", { context: context.name, subject: me.subject, tenant });
  if (command.json) {
    printJson(command.io, { context: context.name, server, subject: me.subject, via: me.via, tenant, role });
    return 0;
  }
  command.io.stdout.write(
    `Logged in to ${server} as ${me.subject}${tenant ? ` (tenant ${tenant}${role ? `, ${role}` : ""})` : ""}.\nContext ${context.name} is now current.\n`,
  );
  if (!tenant)
    command.io.stdout.write("No default tenant: pass --tenant to commands, or log in again with --tenant.\n");
  return 0;
}
