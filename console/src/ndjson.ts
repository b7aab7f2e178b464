// Newline-delimited JSON from a byte stream: chunks arrive cut anywhere, so a partial last line waits for the next
// chunk. Pure; the logs page feeds it from a fetch body (EventSource cannot send the bearer header).
export class NdjsonSplitter<T> {
  private partial = "";

  push(chunk: string): T[] {
    const text = this.partial + chunk;
    const lines = text.split("\n");
    this.partial = lines.pop() ?? "";
    return parseLines<T>(lines);
  }

  flush(): T[] {
    const rest = this.partial;
    this.partial = "";
    return parseLines<T>([rest]);
  }
}

function parseLines<T>(lines: string[]): T[] {
  const records: T[] = [];
  for (const line of lines) {
    if (line.trim() === "") continue;
    try {
      records.push(JSON.parse(line) as T);
    } catch {
      // A line that is not JSON is not a record of this stream; skipping it keeps the rest readable.
    }
  }
  return records;
}
