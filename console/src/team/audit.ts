// The audit log section's controller: the newest page, older pages on
// "Load older" (the server's `nextBefore` cursor), and the two filters,
// applied in the browser to what is loaded (the server has none).
import { isUnauthorized } from '../controller/ports';
import type { TeamPort } from '../lib/teamApi';
import type { AuditEntry } from '../lib/types';
import { filterAudit, plural, type ActorFilter } from './present';
import { explain, Model, type FocusRequest } from './model';

export type AuditFocus = 'older' | 'end';

export interface AuditState {
  phase: 'loading' | 'ready' | 'failed';
  loadError: string | null;
  entries: AuditEntry[];
  nextBefore: string | null;
  loadingOlder: boolean;
  olderError: string | null;
  actionFilter: string;
  actorFilter: ActorFilter;
  announcement: string;
  focus: FocusRequest<AuditFocus> | null;
}

const INITIAL: AuditState = {
  phase: 'loading',
  loadError: null,
  entries: [],
  nextBefore: null,
  loadingOlder: false,
  olderError: null,
  actionFilter: '',
  actorFilter: 'all',
  announcement: '',
  focus: null,
};

/** The same entry twice (a page boundary moved by new entries) is shown once. */
function key(e: AuditEntry): string {
  return `${e.at}|${e.actor.kind}|${e.actor.id ?? ''}|${e.action}|${e.target ?? ''}`;
}

export class AuditManager extends Model<AuditState, AuditFocus> {
  readonly #api: TeamPort;
  #seq = 0;

  constructor(api: TeamPort) {
    super(INITIAL);
    this.#api = api;
  }

  /** What the filters let through. */
  get shown(): AuditEntry[] {
    return filterAudit(this.state.entries, this.state.actionFilter, this.state.actorFilter);
  }

  /** The newest page again (the filters are kept). */
  async load(announce = false): Promise<void> {
    const seq = ++this.#seq;
    const first = this.state.phase !== 'ready';
    if (first) this.set({ phase: 'loading', loadError: null });
    try {
      const page = await this.#api.audit(null);
      if (seq !== this.#seq) return;
      this.set({
        phase: 'ready',
        loadError: null,
        entries: page.entries,
        nextBefore: page.nextBefore,
        olderError: null,
        loadingOlder: false,
        ...(announce ? { announcement: 'Audit log refreshed.' } : {}),
      });
    } catch (err) {
      if (seq !== this.#seq) return;
      const text = isUnauthorized(err) ? 'Signed out.' : explain(err);
      if (first) this.set({ phase: 'failed', loadError: text });
      else this.set({ announcement: `Audit log not refreshed: ${text}` });
    }
  }

  async loadOlder(): Promise<void> {
    const before = this.state.nextBefore;
    if (before === null || this.state.loadingOlder) return;
    const seq = this.#seq;
    this.set({ loadingOlder: true, olderError: null });
    try {
      const page = await this.#api.audit(before);
      if (seq !== this.#seq) return;
      const seen = new Set(this.state.entries.map(key));
      const older = page.entries.filter((e) => !seen.has(key(e)));
      const entries = [...this.state.entries, ...older];
      const shown = filterAudit(older, this.state.actionFilter, this.state.actorFilter).length;
      const filtered = this.#filtering() ? ` (${shown} shown by the filters)` : '';
      const end = page.nextBefore === null ? ' That is the beginning of the log.' : '';
      this.set(
        {
          entries,
          nextBefore: page.nextBefore,
          loadingOlder: false,
          announcement: `Loaded ${plural(older.length, 'older entry', 'older entries')}${filtered}.${end}`,
        },
        page.nextBefore === null ? 'end' : 'older',
      );
    } catch (err) {
      if (seq !== this.#seq) return;
      this.set({ loadingOlder: false, olderError: isUnauthorized(err) ? null : `Not loaded: ${explain(err)}` }, 'older');
    }
  }

  setActionFilter(text: string): void {
    this.set({ actionFilter: text });
  }

  setActorFilter(kind: ActorFilter): void {
    this.set({ actorFilter: kind });
  }

  #filtering(): boolean {
    return this.state.actionFilter.trim() !== '' || this.state.actorFilter !== 'all';
  }
}
