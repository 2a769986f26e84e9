import type { AlertPrefs } from '../lib/storage';
import type { State } from '../state';
import { AlertsMenu } from './AlertsMenu';

export interface TopBarProps {
  state: State;
  tenantId: string;
  myName: string;
  onAlerts: (change: Partial<AlertPrefs>) => void;
  onHelp: () => void;
  onSignOut: () => void;
  /** The settings page is the one shown. */
  settingsOpen: boolean;
  onSettings: () => void;
  /** The webhooks page is the one shown. */
  webhooksOpen: boolean;
  /** Absent for a plain agent: only admins get the Webhooks button. */
  onWebhooks?: () => void;
  /** The team page is the one shown. */
  teamOpen?: boolean;
  /** Absent for a plain agent: only admins get the Team button. */
  onTeam?: () => void;
  /** Opens the Change password dialog (any agent). */
  onPassword?: () => void;
}

const LINK_LABEL = { live: 'Live', connecting: 'Connecting…', reconnecting: 'Reconnecting…' } as const;

export function TopBar(props: TopBarProps) {
  const { state, tenantId, myName, onAlerts, onHelp, onSignOut, settingsOpen, onSettings, webhooksOpen, onWebhooks, teamOpen, onTeam, onPassword } = props;
  const agents = Object.values(state.agents);
  return (
    <header class="topbar">
      <h1 class="brand">webchat</h1>
      <span class="tenant" title="Tenant">
        {tenantId}
      </span>
      <span class={`link link-${state.link}`} role="status" aria-live="polite">
        {LINK_LABEL[state.link]}
      </span>
      {state.agentPresenceSeen && (
        <span class="agents" title={agents.map((a) => a.name).join(', ')} data-testid="agents-online">
          {agents.length} {agents.length === 1 ? 'agent' : 'agents'} online
        </span>
      )}
      <span class="me">{myName}</span>
      <button
        type="button"
        id="open-settings"
        class={settingsOpen ? 'ghost current' : 'ghost'}
        aria-current={settingsOpen ? 'page' : undefined}
        onClick={onSettings}
      >
        Settings
      </button>
      {onWebhooks && (
        <button
          type="button"
          id="open-webhooks"
          class={webhooksOpen ? 'ghost current' : 'ghost'}
          aria-current={webhooksOpen ? 'page' : undefined}
          onClick={onWebhooks}
        >
          Webhooks
        </button>
      )}
      {onTeam && (
        <button
          type="button"
          id="open-team"
          class={teamOpen ? 'ghost current' : 'ghost'}
          aria-current={teamOpen ? 'page' : undefined}
          onClick={onTeam}
        >
          Team
        </button>
      )}
      <AlertsMenu prefs={state.alertPrefs} permission={state.notificationPermission} onChange={onAlerts} />
      <button type="button" class="ghost" onClick={onHelp} aria-label="Keyboard shortcuts" title="Keyboard shortcuts (?)">
        ?
      </button>
      {onPassword && (
        <button type="button" id="open-password" class="ghost" aria-haspopup="dialog" onClick={onPassword}>
          Change password
        </button>
      )}
      <button type="button" class="ghost" onClick={onSignOut}>
        Sign out
      </button>
    </header>
  );
}
