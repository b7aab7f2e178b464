// Log lines of many containers merged into one stream: each raw chunk from the apiserver is split into lines,
// each line (sent with `timestamps=true`) becomes a record naming its pod and container.

export interface LogRecord {
  pod: string;
  container: string;
  /** RFC 3339 time the runtime stamped the line with; empty when it carried none. */
  time: string;
  line: string;
}

const STAMPED = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})) (.*)$/s;

/** Splits a byte stream into records; keeps a partial last line until the next chunk (or `flush`). */
export class LineSplitter {
  private partial = "";
  private readonly pod: string;
  private readonly container: string;

  constructor(pod: string, container: string) {
    this.pod = pod;
    this.container = container;
  }

  push(chunk: string): LogRecord[] {
    const text = this.partial + chunk;
    const lines = text.split("\n");
    this.partial = lines.pop() ?? "";
    return lines.map((line) => this.record(line));
  }

  flush(): LogRecord[] {
    if (this.partial === "") return [];
    const record = this.record(this.partial);
    this.partial = "";
    return [record];
  }

  private record(raw: string): LogRecord {
    const line = raw.endsWith("\r") ? raw.slice(0, -1) : raw;
    const match = STAMPED.exec(line);
    return match
      ? { pod: this.pod, container: this.container, time: match[1]!, line: match[2]! }
      : { pod: this.pod, container: this.container, time: "", line };
  }
}

export function formatRecord(
  record: LogRecord | { pod: string; container: string; error: string },
  format: "ndjson" | "sse",
): string {
  const json = JSON.stringify(record);
  return format === "ndjson" ? `${json}\n` : `event: ${"error" in record ? "error" : "log"}\ndata: ${json}\n\n`;
}
