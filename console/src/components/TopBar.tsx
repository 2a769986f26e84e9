import type { State } from '../state';

export interface TopBarProps {
  state: State;
  tenantId: string;
  myName: string;
  onSignOut: () => void;
}

const LINK_LABEL = { live: 'Live', connecting: 'Connecting…', reconnecting: 'Reconnecting…' } as const;

export function TopBar({ state, tenantId, myName, onSignOut }: TopBarProps) {
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
      <button type="button" class="ghost" onClick={onSignOut}>
        Sign out
      </button>
    </header>
  );
}
