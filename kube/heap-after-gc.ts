// The V8 heap in use right after the last full (mark-sweep-compact) collection: what the process actually keeps
// alive. Resident memory and "heap used" sampled at a scrape also count garbage not yet collected and space V8 has
// reserved, so they rise and fall with allocation; a leak shows as this figure climbing from one collection to
// the next.
import { constants, PerformanceObserver } from "node:perf_hooks";
import { getHeapStatistics } from "node:v8";

let observer: PerformanceObserver | undefined;
let lastBytes = 0;

/** Bytes of V8 heap in use after the last full collection (0 until one ran). Starts observing on the first call. */
export function heapAfterGcBytes(): number {
  if (!observer) {
    observer = new PerformanceObserver((list) => {
      // Entries are delivered after the collection, before much else ran: the heap is then near its live size.
      const major = list
        .getEntries()
        .some(
          (entry) => (entry as { detail?: { kind?: number } }).detail?.kind === constants.NODE_PERFORMANCE_GC_MAJOR,
        );
      if (major) lastBytes = getHeapStatistics().used_heap_size;
    });
    observer.observe({ entryTypes: ["gc"] });
  }
  return lastBytes;
}

/** The metric's name, the same under Prometheus /metrics (operator) and OpenTelemetry (every process). */
export const HEAP_AFTER_GC_METRIC = "loco_heap_after_gc_bytes";
export const HEAP_AFTER_GC_HELP =
  "V8 heap in use right after the last full garbage collection: the process's live heap (0 until one ran)";
