// What the Team page's three controllers (agents.ts, keys.ts, audit.ts)
// share: a state the page renders, listeners, a focus request the page
// carries out (its seq changes each time), and how a failure is worded.
import { ApiError } from '../lib/api';
import { describeError } from '../controller/ports';

export interface FocusRequest<T> {
  target: T;
  seq: number;
}

export class Model<S extends { focus: FocusRequest<F> | null }, F> {
  state: S;
  readonly #listeners = new Set<(state: S) => void>();
  #seq = 0;

  constructor(initial: S) {
    this.state = initial;
  }

  subscribe(listener: (state: S) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  protected set(change: Partial<S>, focus?: F): void {
    this.state = { ...this.state, ...change, ...(focus !== undefined ? { focus: { target: focus, seq: ++this.#seq } } : {}) };
    for (const listener of this.#listeners) listener(this.state);
  }
}

/** The server's own words; a bare 404/405 (no error body) means a server without the route. */
export function explain(err: unknown): string {
  if (err instanceof ApiError && (err.status === 404 || err.status === 405) && err.message.startsWith('The server answered')) {
    return 'This server does not support this yet.';
  }
  return err instanceof ApiError && err.status !== 0 ? err.message : describeError(err);
}

export function without<T>(record: Record<string, T>, key: string): Record<string, T> {
  const { [key]: _gone, ...rest } = record;
  return rest;
}
