// The signed-in console's view: makes the controller (controller.ts, which
// owns the state, the HTTP client and the socket) and lays out the panes
// (conversations, the open conversation, online now).
import { useEffect, useMemo, useState } from 'preact/hooks';
import { ConsoleController } from './controller';
import { Api } from './lib/api';
import { SettingsEditor } from './settings/editor';
import { unlockAudio } from './lib/alerts';
import { neighbour, type ShortcutAction } from './lib/shortcuts';
import type { Auth } from './lib/storage';
import { activeConversation, onlineList, totalUnread, visibleConversations } from './state';
import { ConversationList } from './components/ConversationList';
import { ConversationView } from './components/ConversationView';
import { OnlinePanel } from './components/OnlinePanel';
import { HelpOverlay } from './components/HelpOverlay';
import { TopBar } from './components/TopBar';
import { useControllerState } from './components/useController';
import { useFirstGesture, useShortcuts } from './components/useShortcuts';
import { useView } from './components/useView';
import { SettingsPage } from './components/settings/SettingsPage';
import { WebhooksPage } from './components/webhooks/WebhooksPage';
import { WebhooksApi } from './lib/webhooksApi';
import { WebhooksManager } from './webhooks/manager';
import { PasswordDialog } from './components/team/PasswordDialog';
import { Team, TeamPage } from './components/team/TeamPage';
import { TeamApi } from './lib/teamApi';

type Pane = 'list' | 'chat' | 'online';

export interface ConsoleProps {
  auth: Auth;
  onSignOut: () => void;
  /** The token is no longer good; `reason` is the server's, when it gave one. */
  onExpired: (reason?: string) => void;
}

export function Console({ auth, onSignOut, onExpired }: ConsoleProps) {
  // One controller per signed-in token (the app keys <Console> by token).
  const controller = useMemo(() => new ConsoleController({ auth, onExpired }), [auth.token]);
  useEffect(() => {
    controller.start();
    return () => controller.destroy();
  }, [controller]);
  const state = useControllerState(controller);
  // The settings page keeps its edits while the agent goes back to the desk.
  const settings = useMemo(
    () => new SettingsEditor(new Api(auth.token, onExpired), controller.claims.role === 'admin'),
    [controller],
  );
  // Webhooks are for admins (the server checks again: 403 for an agent, shown on the page).
  const isAdmin = controller.claims.role === 'admin';
  const webhooks = useMemo(() => new WebhooksManager(new WebhooksApi(auth.token, onExpired)), [controller]);
  // Agents, keys, audit (admins), and every agent's own password.
  const teamApi = useMemo(() => new TeamApi(auth.token, onExpired), [controller]);
  const team = useMemo(() => new Team(teamApi), [teamApi]);
  const [passwordShown, setPasswordShown] = useState(false);
  const [view, setView] = useView();
  const backToDesk = (from: 'open-settings' | 'open-webhooks' | 'open-team'): void => {
    setView('desk');
    setTimeout(() => (document.getElementById(from) ?? document.getElementById('open-settings'))?.focus(), 0);
  };
  const [pane, setPane] = useState<Pane>('list');

  const [helpShown, setHelpShown] = useState(false);

  const unread = totalUnread(state);
  const titleCount = state.alertPrefs.title && unread > 0;
  useEffect(() => {
    document.title = titleCount ? `(${unread}) webchat console` : 'webchat console';
  }, [unread, titleCount]);

  // Browsers allow sound and the permission prompt only after a user gesture.
  useFirstGesture(() => {
    unlockAudio();
    void controller.askNotificationPermission();
  });

  const open = (conversationId: string): void => {
    controller.open(conversationId);
    setPane('chat');
  };
  // A conversation reopened after signing in again shows as the chat pane too.
  useEffect(() => {
    if (state.activeId) setPane((p) => (p === 'list' ? 'chat' : p));
  }, [state.activeId]);

  const list = visibleConversations(state);
  const online = onlineList(state);
  const active = activeConversation(state);

  const focusReply = (): void => {
    setPane('chat');
    setTimeout(() => document.getElementById('reply')?.focus(), 0);
  };
  useShortcuts((action: ShortcutAction): boolean => {
    switch (action) {
      case 'next':
      case 'previous': {
        const ids = list.map((c) => c.conversationId);
        const id = neighbour(ids, state.activeId, action === 'next' ? 1 : -1);
        if (id) open(id);
        return true;
      }
      case 'assignToMe':
        if (active) void controller.desk.assignToMe(active.conversationId);
        return active !== null;
      case 'close':
        if (active && active.status !== 'closed') void controller.desk.setStatus(active.conversationId, 'closed');
        return active !== null;
      case 'focusReply':
      case 'noteMode':
        if (!active) return false;
        controller.setComposeMode(action === 'noteMode' ? 'note' : 'reply');
        focusReply();
        return true;
      case 'focusSearch':
        setPane('list');
        setTimeout(() => document.querySelector<HTMLInputElement>('.search')?.focus(), 0);
        return true;
      case 'help':
        setHelpShown(true);
        return true;
    }
  }, !helpShown && !passwordShown && view === 'desk');

  return (
    // On the settings, webhooks and team pages the desk stays mounted (drafts, scroll) but hidden (settings.css, webhooks.css, team.css).
    <div class="console" data-pane={pane} data-view={view}>
      <a class="skip" href="#reply">
        Skip to reply
      </a>
      <TopBar
        state={state}
        tenantId={auth.tenantId}
        myName={controller.myName}
        onAlerts={(change) => controller.setAlertPrefs(change)}
        onHelp={() => setHelpShown(true)}
        onSignOut={onSignOut}
        settingsOpen={view === 'settings'}
        onSettings={() => setView('settings')}
        webhooksOpen={view === 'webhooks'}
        onWebhooks={isAdmin ? () => setView('webhooks') : undefined}
        teamOpen={view === 'team'}
        onTeam={isAdmin ? () => setView('team') : undefined}
        onPassword={() => setPasswordShown(true)}
      />
      {view === 'settings' && <SettingsPage editor={settings} onBack={() => backToDesk('open-settings')} />}
      {view === 'webhooks' && <WebhooksPage manager={webhooks} onBack={() => backToDesk('open-webhooks')} />}
      {view === 'team' && (
        <TeamPage
          team={team}
          isAdmin={isAdmin}
          myId={controller.claims.sub}
          onBack={() => backToDesk('open-team')}
          onChangePassword={() => setPasswordShown(true)}
        />
      )}

      <nav class="tabs" aria-label="Panes">
        <button type="button" aria-pressed={pane === 'list'} onClick={() => setPane('list')}>
          Conversations{unread > 0 ? ` (${unread})` : ''}
        </button>
        <button type="button" aria-pressed={pane === 'chat'} onClick={() => setPane('chat')} disabled={!active}>
          Chat
        </button>
        <button type="button" aria-pressed={pane === 'online'} onClick={() => setPane('online')}>
          Online now ({online.length})
        </button>
      </nav>

      {state.notice && (
        <div class="banner" role="alert">
          <span>{state.notice}</span>
          <button type="button" class="ghost" onClick={() => controller.dismissNotice()} aria-label="Dismiss">
            ×
          </button>
        </div>
      )}

      <div class="panes">
        <ConversationList controller={controller} state={state} items={list} onOpen={open} />
        <ConversationView
          key={active?.conversationId ?? 'none'}
          controller={controller}
          state={state}
          conversation={active}
          onBack={() => setPane('list')}
        />
        <OnlinePanel
          users={online}
          onOpen={(sessionId, userId) => {
            if (controller.openVisitor(sessionId, userId)) setPane('chat');
          }}
        />
      </div>
      {helpShown && <HelpOverlay onClose={() => setHelpShown(false)} />}
      {passwordShown && <PasswordDialog api={teamApi} onClose={() => setPasswordShown(false)} />}
    </div>
  );
}
