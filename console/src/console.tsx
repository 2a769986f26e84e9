// The signed-in console: owns the state, the HTTP client and the socket, and
// lays out the three panes (conversations, the open conversation, online now).
import { useCallback, useEffect, useMemo, useReducer, useRef, useState } from 'preact/hooks';
import { Api, ApiError } from './lib/api';
import { tokenClaims } from './lib/jwt';
import { loadActive, saveActive, type Auth } from './lib/storage';
import type { ConversationStatus, Message } from './lib/types';
import { uuid } from './lib/uuid';
import { ConsoleSocket, type LinkStatus } from './lib/ws';
import {
  conversationForSession,
  initialState,
  lastStoredMessageId,
  onlineList,
  pendingId,
  reducer,
  totalUnread,
  visibleConversations,
  type State,
} from './state';
import { ConversationList } from './components/ConversationList';
import { ConversationView } from './components/ConversationView';
import { OnlinePanel } from './components/OnlinePanel';

type Pane = 'list' | 'chat' | 'online';

/** How often Online now is re-read in full (one HGETALL on the server). */
const PRESENCE_REFRESH_MS = 20000;

export interface ConsoleProps {
  auth: Auth;
  onSignOut: () => void;
  onExpired: () => void;
}

function describe(err: unknown): string {
  if (err instanceof ApiError) {
    if (err.status === 404 || err.status === 405) return 'The server does not support this yet.';
    if (err.status === 0) return 'The server could not be reached.';
    return err.message;
  }
  return err instanceof Error ? err.message : 'Something went wrong.';
}

export function Console({ auth, onSignOut, onExpired }: ConsoleProps) {
  const [state, dispatch] = useReducer(reducer, initialState);
  const [status, setStatus] = useState<ConversationStatus>('open');
  const [search, setSearch] = useState('');
  const [link, setLink] = useState<LinkStatus>('connecting');
  const [pane, setPane] = useState<Pane>('list');
  const [notice, setNotice] = useState<string | null>(null);
  const [listLoading, setListLoading] = useState(false);
  const [agentPresenceSeen, setAgentPresenceSeen] = useState(false);

  const stateRef = useRef<State>(state);
  stateRef.current = state;
  const filterRef = useRef({ status, search });
  filterRef.current = { status, search };
  const socketRef = useRef<ConsoleSocket | null>(null);
  const ownIds = useRef(new Set<string>());
  const expiredRef = useRef(false);

  const claims = useMemo(() => tokenClaims(auth.token), [auth.token]);
  const myName = claims.name ?? auth.email;

  const expire = useCallback(() => {
    if (expiredRef.current) return;
    expiredRef.current = true;
    onExpired();
  }, [onExpired]);

  const api = useMemo(() => new Api(auth.token, expire), [auth.token, expire]);

  // The token's own end of life, whichever of expiresAt / exp says so.
  useEffect(() => {
    const at = Date.parse(auth.expiresAt);
    const end = !Number.isNaN(at) ? at : claims.exp !== null ? claims.exp * 1000 : NaN;
    if (Number.isNaN(end)) return undefined;
    const timer = setTimeout(expire, Math.max(0, Math.min(end - Date.now(), 2 ** 31 - 1)));
    return () => clearTimeout(timer);
  }, [auth.expiresAt, claims.exp, expire]);

  const listSeq = useRef(0);
  const loadList = useCallback(
    async (append: boolean) => {
      const { status: st, search: q } = filterRef.current;
      // Only the latest request may fill the list (filters change while one is in flight).
      const seq = ++listSeq.current;
      setListLoading(true);
      try {
        const page = await api.conversations(st, append ? stateRef.current.listNextBefore : null, q || null);
        if (seq !== listSeq.current) return;
        dispatch({
          type: 'conversations_loaded',
          conversations: page.conversations,
          nextBefore: page.nextBefore,
          append,
          query: q || null,
        });
      } catch (err) {
        if (!(err instanceof ApiError && err.status === 401)) setNotice(`Could not load conversations: ${describe(err)}`);
      } finally {
        if (seq === listSeq.current) setListLoading(false);
      }
    },
    [api],
  );

  const loadHistory = useCallback(
    async (conversationId: string, older: boolean) => {
      const c = stateRef.current.conversations[conversationId];
      if (!c) return;
      const before = older ? (stateRef.current.threads[conversationId]?.nextBefore ?? null) : null;
      if (older && before === null) return;
      try {
        const page = await api.history(c, before);
        dispatch({ type: 'history_loaded', conversationId, messages: page.messages, nextBefore: page.nextBefore, older });
      } catch (err) {
        if (!(err instanceof ApiError && err.status === 401)) setNotice(`Could not load messages: ${describe(err)}`);
      }
    },
    [api],
  );

  const syncThreads = useCallback(async () => {
    const sock = socketRef.current;
    for (const [id, thread] of Object.entries(stateRef.current.threads)) {
      if (!thread.loaded) continue;
      const after = lastStoredMessageId(thread);
      const c = stateRef.current.conversations[id];
      try {
        if (!sock || after === null) throw new Error('no sync');
        const missed = await sock.sync(id, c?.sessionId ?? null, after);
        for (const m of missed) dispatch({ type: 'message_received', message: m });
      } catch {
        void loadHistory(id, false);
      }
    }
  }, [loadHistory]);

  // The socket lives as long as this signed-in console.
  useEffect(() => {
    let unknownTimer: ReturnType<typeof setTimeout> | undefined;
    const refreshSoon = () => {
      clearTimeout(unknownTimer);
      unknownTimer = setTimeout(() => void loadList(false), 300);
    };
    const sock = new ConsoleSocket(auth.token, {
      status: setLink,
      connected(first) {
        sock.requestOnlineUsers();
        const active = stateRef.current.activeId;
        if (active) sock.join(active);
        if (!first) {
          void loadList(false);
          void syncThreads();
        }
      },
      authFailed: expire,
      message(m: Message) {
        const known = stateRef.current.conversations[m.conversationId];
        dispatch({ type: 'message_received', message: m });
        // A new conversation, or one reopened by the visitor: fetch its details.
        if (!known || (known.status === 'closed' && m.sender === 'visitor')) refreshSoon();
      },
      onlineList: (users) => dispatch({ type: 'presence_list', users }),
      userOnline: (user) => dispatch({ type: 'user_online', user }),
      userOffline: (sessionId) => dispatch({ type: 'user_offline', sessionId }),
      typing: (t) => dispatch({ type: 'typing', ...t, now: Date.now() }),
      agentsList(agents) {
        setAgentPresenceSeen(true);
        dispatch({ type: 'agents_list', agents });
      },
      agentOnline(agent) {
        setAgentPresenceSeen(true);
        dispatch({ type: 'agent_online', agent });
      },
      agentOffline(agentId) {
        setAgentPresenceSeen(true);
        dispatch({ type: 'agent_offline', agentId });
      },
      conversationStatus: (conversationId, st) => dispatch({ type: 'status_changed', conversationId, status: st }),
    });
    socketRef.current = sock;
    return () => {
      clearTimeout(unknownTimer);
      socketRef.current = null;
      sock.close();
    };
  }, [auth.token, expire, loadList, syncThreads]);

  // user_online / user_offline speak only of a visitor's first and last tab;
  // tab counts and pages in between come from a fresh list now and then.
  useEffect(() => {
    const t = setInterval(() => {
      if (socketRef.current?.connected) socketRef.current.requestOnlineUsers();
    }, PRESENCE_REFRESH_MS);
    return () => clearInterval(t);
  }, []);

  // The list follows the filter and (debounced) the search box.
  useEffect(() => {
    const t = setTimeout(() => void loadList(false), search ? 250 : 0);
    return () => clearTimeout(t);
  }, [status, search, loadList]);

  // Typing indicators fade out on their own if the "stopped" event is lost.
  const typingCount = Object.keys(state.typing).length;
  useEffect(() => {
    if (typingCount === 0) return undefined;
    const t = setInterval(() => dispatch({ type: 'typing_expired', now: Date.now() }), 1000);
    return () => clearInterval(t);
  }, [typingCount]);

  const unread = totalUnread(state);
  useEffect(() => {
    document.title = unread > 0 ? `(${unread}) webchat console` : 'webchat console';
  }, [unread]);

  const open = useCallback(
    (conversationId: string) => {
      const prev = stateRef.current.activeId;
      const sock = socketRef.current;
      if (prev && prev !== conversationId) sock?.leave(prev);
      dispatch({ type: 'open_conversation', conversationId });
      saveActive(auth.tenantId, conversationId);
      if (prev !== conversationId) sock?.join(conversationId);
      setPane('chat');
      if (!stateRef.current.threads[conversationId]?.loaded) void loadHistory(conversationId, false);
    },
    [auth.tenantId, loadHistory],
  );

  // Reopen the conversation this tab had open (e.g. after an expired token).
  const restored = useRef(false);
  useEffect(() => {
    if (restored.current) return;
    const id = loadActive(auth.tenantId);
    if (id === null) {
      restored.current = true;
      return;
    }
    if (state.conversations[id]) {
      restored.current = true;
      open(id);
    }
  }, [state.conversations, auth.tenantId, open]);

  const deliver = useCallback(
    async (conversationId: string, text: string, clientMessageId: string) => {
      const sock = socketRef.current;
      try {
        const m =
          sock && sock.connected
            ? await sock.send(conversationId, text, clientMessageId)
            : await api.reply(conversationId, text, clientMessageId);
        dispatch({ type: 'message_acked', conversationId, clientMessageId, message: m });
      } catch (err) {
        dispatch({ type: 'message_failed', conversationId, clientMessageId });
        if (!(err instanceof ApiError && err.status === 401)) setNotice(`Message not sent: ${describe(err)}`);
      }
    },
    [api],
  );

  const send = useCallback(
    (conversationId: string, text: string) => {
      const c = stateRef.current.conversations[conversationId];
      const clientMessageId = uuid();
      ownIds.current.add(clientMessageId);
      dispatch({
        type: 'message_pending',
        message: {
          messageId: pendingId(clientMessageId),
          tenantId: auth.tenantId,
          conversationId,
          sessionId: c?.sessionId ?? null,
          userId: c?.userId ?? null,
          sender: 'agent',
          senderName: myName,
          text,
          clientMessageId,
          createdAt: new Date().toISOString(),
        },
      });
      void deliver(conversationId, text, clientMessageId);
    },
    [auth.tenantId, myName, deliver],
  );

  const retry = useCallback(
    (conversationId: string, clientMessageId: string) => {
      const m = stateRef.current.threads[conversationId]?.messages.find((x) => x.clientMessageId === clientMessageId);
      if (!m) return;
      dispatch({ type: 'message_retry', conversationId, clientMessageId });
      void deliver(conversationId, m.text, clientMessageId);
    },
    [deliver],
  );

  const setConversationStatus = useCallback(
    async (conversationId: string, st: ConversationStatus) => {
      try {
        await api.setStatus(conversationId, st);
        dispatch({ type: 'status_changed', conversationId, status: st });
      } catch (err) {
        if (!(err instanceof ApiError && err.status === 401)) {
          setNotice(`Could not ${st === 'closed' ? 'close' : 'reopen'} the conversation: ${describe(err)}`);
        }
      }
    },
    [api],
  );

  const typing = useCallback((conversationId: string, isTyping: boolean) => {
    const c = stateRef.current.conversations[conversationId];
    socketRef.current?.typing(conversationId, c?.sessionId ?? null, isTyping);
  }, []);

  const openVisitor = useCallback(
    (sessionId: string, userId: string | null) => {
      const c = conversationForSession(stateRef.current, sessionId, userId);
      if (c) open(c.conversationId);
      else setNotice('This visitor has not written yet.');
    },
    [open],
  );

  const list = visibleConversations(state, status, search);
  const online = onlineList(state);
  const active = state.activeId ? (state.conversations[state.activeId] ?? null) : null;
  const agents = Object.values(state.agents);

  return (
    <div class="console" data-pane={pane}>
      <a class="skip" href="#reply">
        Skip to reply
      </a>
      <header class="topbar">
        <h1 class="brand">webchat</h1>
        <span class="tenant" title="Tenant">
          {auth.tenantId}
        </span>
        <span class={`link link-${link}`} role="status" aria-live="polite">
          {link === 'live' ? 'Live' : link === 'connecting' ? 'Connecting…' : 'Reconnecting…'}
        </span>
        {agentPresenceSeen && (
          <span class="agents" title={agents.map((a) => a.name).join(', ')} data-testid="agents-online">
            {agents.length} {agents.length === 1 ? 'agent' : 'agents'} online
          </span>
        )}
        <span class="me">{myName}</span>
        <button type="button" class="ghost" onClick={onSignOut}>
          Sign out
        </button>
      </header>

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

      {notice && (
        <div class="banner" role="alert">
          <span>{notice}</span>
          <button type="button" class="ghost" onClick={() => setNotice(null)} aria-label="Dismiss">
            ×
          </button>
        </div>
      )}

      <div class="panes">
        <ConversationList
          state={state}
          items={list}
          status={status}
          search={search}
          loading={listLoading}
          onStatus={setStatus}
          onSearch={setSearch}
          onOpen={open}
          onMore={state.listNextBefore ? () => void loadList(true) : null}
        />
        <ConversationView
          key={active?.conversationId ?? 'none'}
          state={state}
          conversation={active}
          tenantId={auth.tenantId}
          ownIds={ownIds.current}
          onBack={() => setPane('list')}
          onSend={send}
          onRetry={retry}
          onTyping={typing}
          onLoadOlder={(id) => loadHistory(id, true)}
          onStatus={setConversationStatus}
        />
        <OnlinePanel users={online} onOpen={openVisitor} />
      </div>
    </div>
  );
}
