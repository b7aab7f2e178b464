// Reads a .env file: `NAME=value` lines, optionally `export NAME=value`; blank lines and `#` comments skipped;
// values bare (a ` #` starts a comment), 'single-quoted' (literal) or "double-quoted" (\n, \t, \", \\ escapes).
// Pure: text in, variables out; a line it cannot read is an error naming its number.

export interface DotEnvError {
  line: number;
  message: string;
}

export type DotEnvResult = { ok: true; vars: Map<string, string> } | { ok: false; errors: DotEnvError[] };

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const ESCAPES: Record<string, string> = { n: "\n", t: "\t", r: "\r", '"': '"', "\\": "\\" };

export function parseDotEnv(text: string): DotEnvResult {
  const vars = new Map<string, string>();
  const errors: DotEnvError[] = [];
  const lines = text.replace(/^\uFEFF/, "").split(/\r?\n/);
  lines.forEach((raw, index) => {
    const line = index + 1;
    const trimmed = raw.trim();
    if (trimmed === "" || trimmed.startsWith("#")) return;
    const body = trimmed.replace(/^export\s+/, "");
    const equals = body.indexOf("=");
    if (equals <= 0) {
      errors.push({ line, message: "expected NAME=value" });
      return;
    }
    const name = body.slice(0, equals).trim();
    if (!NAME.test(name)) {
      errors.push({
        line,
        message: `"${name}" is not a variable name (letters, digits and _, not starting with a digit)`,
      });
      return;
    }
    const rest = body.slice(equals + 1).trimStart();
    const quote = rest[0];
    if (quote === "'" || quote === '"') {
      const end = findClosingQuote(rest, quote);
      if (end === -1) {
        errors.push({ line, message: `the value of ${name} opens a ${quote} quote that is not closed on this line` });
        return;
      }
      const after = rest.slice(end + 1).trim();
      if (after !== "" && !after.startsWith("#")) {
        errors.push({ line, message: `unexpected text after the quoted value of ${name}: ${after}` });
        return;
      }
      const inner = rest.slice(1, end);
      vars.set(name, quote === "'" ? inner : inner.replace(/\\(.)/g, (m, c: string) => ESCAPES[c] ?? m));
      return;
    }
    const comment = rest.search(/\s#/);
    vars.set(name, (comment === -1 ? rest : rest.slice(0, comment)).trimEnd());
  });
  return errors.length ? { ok: false, errors } : { ok: true, vars };
}

function findClosingQuote(text: string, quote: string): number {
  for (let i = 1; i < text.length; i++) {
    if (quote === '"' && text[i] === "\\") {
      i++;
      continue;
    }
    if (text[i] === quote) return i;
  }
  return -1;
}
