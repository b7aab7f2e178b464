// The API reference in docs/: the OpenAPI document the server serves at /openapi.json, written out as
// docs/reference/openapi.json (load it into any OpenAPI viewer or client generator) and summarised, operation by
// operation, in docs/reference/api.md. Both come from the route declarations, so they can't drift from the server
// (`npm run generate:check` fails when they do).
import { openApiDocument } from "./openapi.ts";
import { API_VERSION, type ApiServices, allRoutes } from "./server.ts";

interface Operation {
  operationId: string;
  summary?: string;
  tags?: string[];
  security?: unknown[];
  parameters?: { name: string; in: string; required?: boolean; description?: string; schema?: { type?: unknown } }[];
  requestBody?: { content?: Record<string, unknown> };
  responses: Record<string, { description?: string; content?: Record<string, unknown> }>;
}

/** The document /openapi.json serves. Route builders only read their services when a request arrives. */
export function apiDocument(): Record<string, unknown> {
  return openApiDocument(allRoutes({} as ApiServices), { version: API_VERSION }) as Record<string, unknown>;
}

export function openApiJson(): string {
  return `${JSON.stringify(apiDocument(), null, 2)}\n`;
}

const cell = (text: string) => text.replaceAll("|", "\\|").replaceAll("\n", " ");

export function apiReference(): string {
  const paths = apiDocument().paths as Record<string, Record<string, Operation>>;
  const byTag = new Map<string, { method: string; path: string; operation: Operation }[]>();
  for (const [path, methods] of Object.entries(paths)) {
    for (const [method, operation] of Object.entries(methods)) {
      const tag = operation.tags?.[0] ?? "other";
      byTag.set(tag, [...(byTag.get(tag) ?? []), { method: method.toUpperCase(), path, operation }]);
    }
  }
  const lines = [
    "<!-- Generated from the API's route declarations by `npm run generate`; do not edit. -->",
    "",
    "# API reference",
    "",
    `Every operation of the loco API ${API_VERSION}, as served at \`/openapi.json\` (also in`,
    "[openapi.json](openapi.json), for OpenAPI viewers and client generators). Authentication, roles, errors,",
    "pagination and rate limits are explained in [the API guide](../api.md). Errors are `application/problem+json`",
    "with a `code`; every operation can also answer 401, 403, 429 and 5xx as described there.",
    "",
  ];
  for (const [tag, operations] of [...byTag].sort(([a], [b]) => a.localeCompare(b))) {
    lines.push(`## ${tag}`, "");
    for (const { method, path, operation } of operations) {
      lines.push(`### \`${method} ${path}\``, "");
      lines.push(`${operation.summary ?? ""} Operation id \`${operation.operationId}\`.`);
      lines.push(operation.security && operation.security.length === 0 ? "No authentication." : "", "");
      const parameters = operation.parameters ?? [];
      if (parameters.length > 0) {
        lines.push("| parameter | in | required | description |", "| --- | --- | --- | --- |");
        for (const p of parameters) {
          lines.push(`| \`${p.name}\` | ${p.in} | ${p.required ? "yes" : "no"} | ${cell(p.description ?? "")} |`);
        }
        lines.push("");
      }
      if (operation.requestBody?.content) {
        lines.push(
          `Body: ${Object.keys(operation.requestBody.content)
            .map((t) => `\`${t}\``)
            .join(", ")}.`,
          "",
        );
      }
      const answers = Object.entries(operation.responses)
        .filter(([status]) => status !== "default" && !["401", "403", "429"].includes(status))
        .map(([status, response]) => {
          const types = Object.keys(response.content ?? {}).filter((t) => t !== "application/problem+json");
          const description = cell(response.description ?? "").replace(/\.$/, "");
          const shown =
            status.startsWith("2") && types.length > 0 ? ` (${types.map((t) => `\`${t}\``).join(", ")})` : "";
          return `${status} ${description}${shown}`;
        });
      if (answers.length > 0) lines.push(`Answers: ${answers.join("; ")}.`, "");
    }
  }
  return `${lines
    .join("\n")
    .replace(/\n{3,}/g, "\n\n")
    .trimEnd()}\n`;
}
