// Follows a streaming NDJSON endpoint of the API with fetch (so the bearer header goes along), handing records to
// the caller in batches — one per network chunk, so a fast log costs one render per chunk, not per line.
import { apiFetch } from "./api.ts";
import { NdjsonSplitter } from "./ndjson.ts";

export async function readNdjsonStream<T>(
  path: string,
  onBatch: (records: T[]) => void,
  signal: AbortSignal,
): Promise<void> {
  const response = await apiFetch(path, { signal, headers: { accept: "application/x-ndjson" } });
  if (!response.body) return;
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  const splitter = new NdjsonSplitter<T>();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      const records = splitter.push(value);
      if (records.length > 0) onBatch(records);
    }
    const rest = splitter.flush();
    if (rest.length > 0) onBatch(rest);
  } finally {
    reader.releaseLock();
  }
}
