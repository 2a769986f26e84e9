// The API keys section's controller: the tenant's keys (never the keys
// themselves), a new key of a kind (the whole key held until the admin
// dismisses it: the server shows it this once), Revoke after a
// confirmation.
import { isUnauthorized } from '../controller/ports';
import type { TeamPort } from '../lib/teamApi';
import type { ApiKeyInfo, ApiKeyKind, CreatedApiKey } from '../lib/types';
import { KIND_WORD } from './present';
import { explain, Model, without, type FocusRequest } from './model';

export type KeysFocus = 'create' | 'newKey' | 'list' | { prefix: string; control: 'revoke' | 'cancelRevoke' };

export interface KeysState {
  phase: 'loading' | 'ready' | 'failed';
  loadError: string | null;
  keys: ApiKeyInfo[];
  kind: ApiKeyKind;
  creating: boolean;
  formError: string | null;
  /** The key just created: shown once, until dismissed. */
  created: CreatedApiKey | null;
  confirming: string | null;
  revoking: string | null;
  rowErrors: Record<string, string>;
  announcement: string;
  focus: FocusRequest<KeysFocus> | null;
}

const INITIAL: KeysState = {
  phase: 'loading',
  loadError: null,
  keys: [],
  kind: 'public',
  creating: false,
  formError: null,
  created: null,
  confirming: null,
  revoking: null,
  rowErrors: {},
  announcement: '',
  focus: null,
};

/** Active keys first, newest first within each group. */
export function sortKeys(keys: readonly ApiKeyInfo[]): ApiKeyInfo[] {
  return [...keys].sort((a, b) => Number(!!a.revokedAt) - Number(!!b.revokedAt) || b.createdAt.localeCompare(a.createdAt));
}

export class KeysManager extends Model<KeysState, KeysFocus> {
  readonly #api: TeamPort;
  readonly #now: () => Date;
  #loading = false;

  constructor(api: TeamPort, now: () => Date = () => new Date()) {
    super(INITIAL);
    this.#api = api;
    this.#now = now;
  }

  async load(announce = false): Promise<void> {
    if (this.#loading) return;
    this.#loading = true;
    const first = this.state.phase !== 'ready';
    if (first) this.set({ phase: 'loading', loadError: null });
    try {
      const keys = sortKeys(await this.#api.keys());
      this.set({ phase: 'ready', loadError: null, keys, ...(announce ? { announcement: 'API keys refreshed.' } : {}) });
    } catch (err) {
      const text = isUnauthorized(err) ? 'Signed out.' : explain(err);
      if (first) this.set({ phase: 'failed', loadError: text });
      else this.set({ announcement: `API keys not refreshed: ${text}` });
    } finally {
      this.#loading = false;
    }
  }

  setKind(kind: ApiKeyKind): void {
    this.set({ kind, formError: null });
  }

  async create(): Promise<void> {
    if (this.state.creating) return;
    this.set({ creating: true, formError: null });
    try {
      const created = await this.#api.addKey(this.state.kind);
      const info: ApiKeyInfo = { prefix: created.prefix, kind: created.kind, createdAt: this.#now().toISOString(), lastUsedAt: null, revokedAt: null };
      this.set(
        {
          creating: false,
          created,
          keys: sortKeys([info, ...this.state.keys.filter((k) => k.prefix !== created.prefix)]),
          announcement: `${KIND_WORD[created.kind]} key created: ${created.prefix}.`,
        },
        'newKey',
      );
    } catch (err) {
      this.set({ creating: false, formError: isUnauthorized(err) ? null : `Not created: ${explain(err)}` }, 'create');
    }
  }

  dismissCreated(): void {
    this.set({ created: null }, 'create');
  }

  askRevoke(prefix: string): void {
    this.set({ confirming: prefix, rowErrors: without(this.state.rowErrors, prefix) }, { prefix, control: 'cancelRevoke' });
  }

  cancelRevoke(): void {
    const prefix = this.state.confirming;
    this.set({ confirming: null }, prefix ? { prefix, control: 'revoke' } : undefined);
  }

  async confirmRevoke(prefix: string): Promise<void> {
    if (this.state.revoking || !this.state.keys.some((k) => k.prefix === prefix)) return;
    this.set({ revoking: prefix });
    try {
      await this.#api.revokeKey(prefix);
      const revokedAt = this.#now().toISOString();
      this.set(
        {
          revoking: null,
          confirming: null,
          keys: sortKeys(this.state.keys.map((k) => (k.prefix === prefix ? { ...k, revokedAt: k.revokedAt ?? revokedAt } : k))),
          created: this.state.created?.prefix === prefix ? null : this.state.created,
          announcement: `Key ${prefix} revoked. Sockets opened with it are disconnected within seconds.`,
        },
        'list',
      );
    } catch (err) {
      const text = `Not revoked: ${explain(err)}`;
      this.set({ revoking: null, confirming: null, rowErrors: { ...this.state.rowErrors, [prefix]: text } }, { prefix, control: 'revoke' });
    }
  }
}
