// The loco.toml `loco init` writes: minimal (required keys only) or full (every section, commented). Pure:
// values in, text out; cli/init-template.test.ts proves both pass the shared schema for every profile.
export interface InitValues {
  name: string;
  image: string;
}

const toml = (value: string) => JSON.stringify(value);

export function minimalLocoToml({ name, image }: InitValues): string {
  return `#:schema https://loco.dev/schemas/loco-toml.schema.json
name = ${toml(name)}
image = ${toml(image)}
defaultProfile = "dev"
`;
}

export function fullLocoToml({ name, image }: InitValues): string {
  return `#:schema https://loco.dev/schemas/loco-toml.schema.json
# How to deploy this repository's App. \`loco deploy --profile <name>\` merges the top level with [profile.<name>].
# Reference: docs/reference/app.md; every key below is optional except name and image.

name = ${toml(name)}
# project = "shop"              # apps of one project see each other as LOCO_<APP>_URL
image = ${toml(image)}
defaultProfile = "dev"          # used when --profile and LOCO_PROFILE are not given

# Ports the App listens on; the first HTTP port gets the public URL.
[[ports]]
name = "http"
port = 8080
protocol = "HTTP"               # or "GRPC"

# Readiness decides when a rollout is done and when a pod gets traffic.
[health]
readiness = { http = { path = "/healthz" } }

# Per replica.
[resources]
cpu = "250m"
memory = "256Mi"

# Plain environment variables. Secret values: \`loco env set --secret NAME\`, then [secretEnv] NAME = "key".
[env]
LOG_LEVEL = "info"

[profile.dev]
replicas = 1

[profile.prod]
resources = { cpu = "1", memory = "1Gi" }
autoscale = { min = 2, max = 10, targetCPU = 70 }
# idleTimeout = "120s"          # scale to zero after this long without requests
`;
}
