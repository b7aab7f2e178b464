// Keys by due time, earliest first: a binary min-heap. The work queue's delayed adds wait in one, so releasing what
// is due costs O(log n) a key instead of a scan of every waiting key at each timer (10,000 Apps backing off through an
// apiserver outage would otherwise scan 10,000 entries per firing).

export interface Due<K> {
  due: number;
  key: K;
}

export class DueHeap<K> {
  private readonly items: Due<K>[] = [];

  get size(): number {
    return this.items.length;
  }

  peek(): Due<K> | undefined {
    return this.items[0];
  }

  push(key: K, due: number): void {
    const items = this.items;
    items.push({ due, key });
    let i = items.length - 1;
    const item = items[i] as Due<K>;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const above = items[parent] as Due<K>;
      if (above.due <= item.due) break;
      items[i] = above;
      i = parent;
    }
    items[i] = item;
  }

  pop(): Due<K> | undefined {
    const items = this.items;
    const top = items[0];
    const last = items.pop();
    if (top === undefined || last === undefined || items.length === 0) return top;
    let i = 0;
    const n = items.length;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= n) break;
      const right = left + 1;
      const child = right < n && (items[right] as Due<K>).due < (items[left] as Due<K>).due ? right : left;
      const below = items[child] as Due<K>;
      if (below.due >= last.due) break;
      items[i] = below;
      i = child;
    }
    items[i] = last;
    return top;
  }

  clear(): void {
    this.items.length = 0;
  }
}
