// The Team page (admins, at #team): the tenant's agents (add, rename, role,
// capacity, disable / enable), its API keys (create, shown once; revoke) and
// the audit log. It renders the three controllers' states (team/agents.ts,
// keys.ts, audit.ts) and calls their methods; server text is always text.
import { useEffect, useRef } from 'preact/hooks';
import { AgentsManager } from '../../team/agents';
import { AuditManager } from '../../team/audit';
import { KeysManager } from '../../team/keys';
import type { TeamPort } from '../../lib/teamApi';
import { AgentsSection } from './AgentsSection';
import { AuditSection } from './AuditSection';
import { KeysSection } from './KeysSection';
import { useModel } from './useModel';
import '../settings/settings.css';
import '../webhooks/webhooks.css';
import './team.css';

/** The page's three controllers, made once per signed-in token (their state survives going back to the desk). */
export class Team {
  readonly agents: AgentsManager;
  readonly keys: KeysManager;
  readonly audit: AuditManager;

  constructor(api: TeamPort) {
    this.agents = new AgentsManager(api);
    this.keys = new KeysManager(api);
    this.audit = new AuditManager(api);
  }

  load(announce = false): Promise<void> {
    return Promise.all([this.agents.load(announce), this.keys.load(announce), this.audit.load(announce)]).then(() => undefined);
  }
}

export interface TeamPageProps {
  team: Team;
  /** From the token's claims; the server checks again (403 shown in each section). */
  isAdmin: boolean;
  myId: string | null;
  onBack: () => void;
  onChangePassword: () => void;
}

export function TeamPage({ team, isAdmin, myId, onBack, onChangePassword }: TeamPageProps) {
  const heading = useRef<HTMLHeadingElement>(null);
  const agents = useModel(team.agents);
  const keys = useModel(team.keys);

  useEffect(() => {
    heading.current?.focus();
    if (isAdmin) void team.load();
  }, [team, isAdmin]);

  // A key or a generated password not yet handed over is not lost to a closed tab without a warning.
  const once = keys.created !== null || agents.added?.password != null;
  useEffect(() => {
    if (!once) return undefined;
    const warn = (e: BeforeUnloadEvent): void => e.preventDefault();
    window.addEventListener('beforeunload', warn);
    return () => window.removeEventListener('beforeunload', warn);
  }, [once]);

  return (
    <main class="webhooks team" aria-labelledby="team-title">
      <div class="settings-head">
        <button type="button" class="ghost" onClick={onBack}>
          ← Conversations
        </button>
        <h2 id="team-title" ref={heading} tabIndex={-1}>
          Team
        </h2>
        {isAdmin && (
          <button type="button" class="wh-refresh" onClick={() => void team.load(true)}>
            Refresh
          </button>
        )}
      </div>
      {isAdmin ? (
        <div class="team-sections">
          <AgentsSection manager={team.agents} myId={myId} />
          <KeysSection manager={team.keys} />
          <AuditSection manager={team.audit} agents={agents.agents} />
        </div>
      ) : (
        <div class="settings-failed" data-testid="team-not-admin">
          <p>Only admins can manage the team, the API keys and the audit log. Ask an admin of your tenant.</p>
          <button type="button" onClick={onChangePassword}>
            Change my password
          </button>
        </div>
      )}
    </main>
  );
}
