/**
 * A token trie from subject patterns to values. Matching a subject walks one path per token (plus the `*`
 * and `>` branches), so its cost depends on the subject's depth and the wildcards that could match, never
 * on the number of subscriptions that cannot match.
 * @module
 */

/**
 * The values at one place of the trie: none, one (boxed, so any value fits), or a Set once there are two.
 * Most subjects have one subscriber, and a Set costs ten times a box.
 */
type Slot<V> = undefined | { readonly one: V } | Set<V>;

const MISSING = Symbol('missing');

function slotAdd<V>(slot: Slot<V>, value: V): Slot<V> {
  if (slot === undefined) return { one: value };
  if (slot instanceof Set) return slot.add(value);
  return slot.one === value ? slot : new Set([slot.one, value]);
}

/** The slot without `value`, or MISSING when it was not there. */
function slotDelete<V>(slot: Slot<V>, value: V): Slot<V> | typeof MISSING {
  if (slot === undefined) return MISSING;
  if (slot instanceof Set) {
    if (!slot.delete(value)) return MISSING;
    return slot.size === 0 ? undefined : slot;
  }
  return slot.one === value ? undefined : MISSING;
}

function slotPush<V>(slot: Slot<V>, out: V[]): void {
  if (slot === undefined) return;
  if (slot instanceof Set) for (const v of slot) out.push(v);
  else out.push(slot.one);
}

function slotCollect<V>(slot: Slot<V>, found: Set<V>): void {
  if (slot === undefined) return;
  if (slot instanceof Set) for (const v of slot) found.add(v);
  else found.add(slot.one);
}

/** `values` without repeats, first occurrence kept; a short list is scanned (a Set costs more than it saves). */
function unique<V>(values: V[]): V[] {
  if (values.length > 16) return Array.from(new Set(values));
  for (let i = 1; i < values.length; i++) {
    if (values.lastIndexOf(values[i] as V, i - 1) !== -1) return Array.from(new Set(values));
  }
  return values;
}

class TrieNode<V> {
  /** The only child while there is one (most nodes of distinct subjects have one): no Map for it. */
  onlyToken: string | undefined;
  only: TrieNode<V> | undefined;
  /** The children once there are two or more. */
  children: Map<string, TrieNode<V>> | undefined;
  star: TrieNode<V> | undefined;
  /** Values whose pattern ends at this node. */
  values: Slot<V>;
  /** Values whose pattern ends with `>` right after this node. */
  tail: Slot<V>;

  child(token: string): TrieNode<V> | undefined {
    if (this.children !== undefined) return this.children.get(token);
    return this.onlyToken === token ? this.only : undefined;
  }

  /** The child for `token`, made when missing. */
  childOrNew(token: string): TrieNode<V> {
    const found = this.child(token);
    if (found !== undefined) return found;
    const made = new TrieNode<V>();
    if (this.children !== undefined) this.children.set(token, made);
    else if (this.only === undefined) {
      this.onlyToken = token;
      this.only = made;
    } else {
      this.children = new Map([[this.onlyToken as string, this.only]]);
      this.children.set(token, made);
      this.onlyToken = undefined;
      this.only = undefined;
    }
    return made;
  }

  deleteChild(token: string): void {
    if (this.children !== undefined) this.children.delete(token);
    else if (this.onlyToken === token) {
      this.onlyToken = undefined;
      this.only = undefined;
    }
  }

  forEachChild(visit: (child: TrieNode<V>) => void): void {
    if (this.only !== undefined) visit(this.only);
    if (this.children !== undefined) for (const child of this.children.values()) visit(child);
  }

  isEmpty(): boolean {
    return this.only === undefined && (this.children === undefined || this.children.size === 0) && this.star === undefined && this.values === undefined && this.tail === undefined;
  }
}

/** Maximum cached subjects; the cache is cleared when full, so memory stays bounded whatever the traffic. */
const CACHE_LIMIT = 4096;

/** Subjects up to this many characters (so at most half as many tokens) are walked recursively; longer ones iteratively. */
const RECURSION_LIMIT = 512;

/**
 * Maps subject patterns to values; `match(subject)` returns every value whose pattern matches.
 * Results are cached per subject (bounded, invalidated on every change) and must not be mutated.
 */
export class SubjectTrie<V> {
  readonly #root = new TrieNode<V>();
  #cache = new Map<string, readonly V[]>();
  #hits = 0;
  /** Matches left before caching is tried again (see #remember). */
  #paused = 0;
  #size = 0;

  /** Number of (pattern, value) entries. */
  get size(): number {
    return this.#size;
  }

  /** Adds `value` under `pattern` (assumed valid). */
  insert(pattern: string, value: V): void {
    let node = this.#root;
    const tokens = pattern.split('.');
    for (let i = 0; i < tokens.length; i++) {
      const token = tokens[i] as string;
      if (token === '>') {
        node.tail = slotAdd(node.tail, value);
        this.#changed(1);
        return;
      }
      if (token === '*') node = node.star ??= new TrieNode<V>();
      else {
        node = node.childOrNew(token);
      }
    }
    node.values = slotAdd(node.values, value);
    this.#changed(1);
  }

  /** Removes `value` from `pattern`; prunes empty branches. Returns false when it was not there. */
  remove(pattern: string, value: V): boolean {
    const tokens = pattern.split('.');
    const path: Array<[TrieNode<V>, string]> = [];
    let node: TrieNode<V> | undefined = this.#root;
    for (const token of tokens) {
      if (token === '>') {
        const tail = slotDelete(node.tail, value);
        if (tail === MISSING) return false;
        node.tail = tail;
        this.#prune(path, node);
        this.#changed(-1);
        return true;
      }
      path.push([node, token]);
      node = token === '*' ? node.star : node.child(token);
      if (node === undefined) return false;
    }
    const values = slotDelete(node.values, value);
    if (values === MISSING) return false;
    node.values = values;
    this.#prune(path, node);
    this.#changed(-1);
    return true;
  }

  /** Every value, each once (a walk of the whole trie: for closing everything, not for routing). */
  values(): V[] {
    const found = new Set<V>();
    const nodes: TrieNode<V>[] = [this.#root];
    for (let node = nodes.pop(); node !== undefined; node = nodes.pop()) {
      slotCollect(node.values, found);
      slotCollect(node.tail, found);
      if (node.star !== undefined) nodes.push(node.star);
      node.forEachChild((child) => nodes.push(child));
    }
    return Array.from(found);
  }

  /** The cached match for `subject`, if it was matched since the last change. */
  cached(subject: string): readonly V[] | undefined {
    const hit = this.#cache.get(subject);
    if (hit !== undefined) this.#hits++;
    return hit;
  }

  /** Every value whose pattern matches the literal `subject`, each once. Do not mutate the result. */
  match(subject: string): readonly V[] {
    const cached = this.#cache.get(subject);
    if (cached !== undefined) return cached;
    let result: V[] = [];
    if (subject.length <= RECURSION_LIMIT) this.#walk(this.#root, subject, 0, result);
    else this.#collect(this.#root, subject.split('.'), result);
    // a value reached by two patterns (one peer, many patterns) is listed once
    if (result.length > 1) result = unique(result);
    this.#remember(subject, result);
    return result;
  }

  /**
   * Caches `result` unless the cache is not paying: when it filled up with fewer hits than a quarter of its
   * size (a stream of ever-new subjects), caching pauses for a while, so a cache-hostile load costs no cache
   * inserts and clears; then it tries again.
   */
  #remember(subject: string, result: readonly V[]): void {
    if (this.#paused > 0) {
      this.#paused--;
      return;
    }
    if (this.#cache.size >= CACHE_LIMIT) {
      if (this.#hits < CACHE_LIMIT / 4) this.#paused = CACHE_LIMIT * 8;
      this.#cache = new Map();
      this.#hits = 0;
      if (this.#paused > 0) return;
    }
    this.#cache.set(subject, result);
  }

  /**
   * The common walk, over the subject string itself (no split: `String.prototype.split` costs more than the
   * whole walk): follows the exact child down, branching (recursion) only where a `*` child exists too, exact
   * first. `start` is where the next token begins; past the end, the subject is consumed. Subjects longer than
   * {@link RECURSION_LIMIT} characters take the iterative walk.
   */
  #walk(start: TrieNode<V>, subject: string, from: number, out: V[]): void {
    let node = start;
    for (let at = from; ; ) {
      if (at > subject.length) return slotPush(node.values, out);
      slotPush(node.tail, out);
      const dot = subject.indexOf('.', at);
      const end = dot === -1 ? subject.length : dot;
      const exact = node.only === undefined && node.children === undefined ? undefined : node.child(subject.slice(at, end));
      const star = node.star;
      if (star === undefined) {
        if (exact === undefined) return;
        node = exact;
      } else {
        if (exact !== undefined) this.#walk(exact, subject, end + 1, out);
        node = star;
      }
      at = end + 1;
    }
  }

  /** Walks the trie without recursion (explicit stack), so a subject of any depth cannot overflow the call stack. */
  #collect(root: TrieNode<V>, tokens: string[], found: V[]): void {
    const nodes: TrieNode<V>[] = [root];
    const depths: number[] = [0];
    while (nodes.length > 0) {
      const node = nodes.pop() as TrieNode<V>;
      const index = depths.pop() as number;
      if (index === tokens.length) {
        slotPush(node.values, found);
        continue;
      }
      slotPush(node.tail, found);
      // star first, so exact (popped first) is walked first: the same order as a recursive walk
      if (node.star !== undefined) {
        nodes.push(node.star);
        depths.push(index + 1);
      }
      const exact = node.child(tokens[index] as string);
      if (exact !== undefined) {
        nodes.push(exact);
        depths.push(index + 1);
      }
    }
  }

  #prune(path: Array<[TrieNode<V>, string]>, leaf: TrieNode<V>): void {
    let child = leaf;
    for (let i = path.length - 1; i >= 0 && child.isEmpty(); i--) {
      const [parent, token] = path[i] as [TrieNode<V>, string];
      if (token === '*') parent.star = undefined;
      else parent.deleteChild(token);
      child = parent;
    }
  }

  #changed(delta: number): void {
    this.#size += delta;
    if (this.#cache.size > 0) this.#cache = new Map();
  }
}
