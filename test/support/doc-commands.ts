// Commands a page of the docs tells the reader to run: every line of its ```sh blocks (in order, up to an optional
// heading), so a test can run them exactly as written. Blocks meant to be read, not run (a browser login, output),
// use ```console or ```text instead.

/** The lines of the page's ```sh blocks before `stopAt` (a heading such as "## On a real cluster"). */
export function shellCommands(markdown: string, stopAt?: string): string[] {
  const page = stopAt && markdown.includes(stopAt) ? markdown.slice(0, markdown.indexOf(stopAt)) : markdown;
  const commands: string[] = [];
  let inBlock = false;
  for (const line of page.split("\n")) {
    if (!inBlock && /^```sh\s*$/.test(line)) inBlock = true;
    else if (inBlock && /^```\s*$/.test(line)) inBlock = false;
    else if (inBlock && line.trim() !== "" && !line.trim().startsWith("#")) commands.push(line.trim());
  }
  return commands;
}

/**
 * One bash script that runs the commands in order in one shell (so `cd` carries over), stops at the first that
 * fails, and marks each command's output with `$ <command>` so a test can find what each printed. `run` gives what
 * the shell runs for a command where a test bed must run it differently; the mark still shows the page's command.
 */
export function scriptOf(commands: readonly string[], run: (command: string) => string = (command) => command): string {
  const quote = (text: string) => `'${text.replaceAll("'", "'\\''")}'`;
  return [
    "set -euo pipefail",
    ...commands.flatMap((command) => [`printf '\\n$ %s\\n' ${quote(command)}`, run(command)]),
    "printf '\\n$ (end)\\n'",
  ].join("\n");
}

/** What the command printed, from the output of scriptOf's script (undefined if it never ran). */
export function outputOf(output: string, command: string, occurrence = 0): string | undefined {
  const marker = `\n$ ${command}\n`;
  let index = -1;
  for (let seen = 0; seen <= occurrence; seen++) {
    index = output.indexOf(marker, index + 1);
    if (index < 0) return undefined;
  }
  const start = index + marker.length;
  const next = output.indexOf("\n$ ", start);
  return output.slice(start, next < 0 ? undefined : next);
}

/** The files a page has the reader save: its ```yaml blocks whose first line is `# file: <name>`, by name. */
export function docFiles(markdown: string): Record<string, string> {
  const files: Record<string, string> = {};
  for (const match of markdown.matchAll(/```yaml\n# file: (\S+)\n([\s\S]*?)```/g)) files[match[1]!] = match[2]!;
  return files;
}
