import { afterEach, describe, expect, it, vi } from 'vitest';
import { ConsoleController } from './controller';
import type { Alert } from './lib/alerts';
import { ApiError } from './lib/api';
import { visibleConversations } from './state';
import { FakeApi, FakeSocket, conversation, message, settle } from './test/fakes';

function fakeAlerts() {
  const raised: Alert[] = [];
  return {
    raised,
    permission: 'default' as NotificationPermission | 'unsupported',
    requestPermission: vi.fn(async () => 'granted' as const),
    alert: (a: Alert) => void raised.push(a),
  };
}

function setup(api = new FakeApi(), visible: { shown: boolean } = { shown: true }, alerts = fakeAlerts()) {
  const sockets: FakeSocket[] = [];
  const expired = vi.fn();
  let n = 0;
  const controller = new ConsoleController({
    auth: { token: `x.${btoa(JSON.stringify({ sub: 'ann', name: 'Ann', role: 'admin' }))}.y`, expiresAt: '2999-01-01T00:00:00Z', tenantId: 'acme', email: 'ann@acme.test' },
    onExpired: expired,
    api,
    openSocket: (_token, handlers) => {
      const socket = new FakeSocket(handlers);
      sockets.push(socket);
      return socket;
    },
    newId: () => `cmid-${++n}`,
    isPageVisible: () => visible.shown,
    alerts,
  });
  controller.start();
  return { controller, api, socket: () => sockets[0]!, expired, alerts };
}

afterEach(() => {
  sessionStorage.clear();
  vi.useRealTimers();
});

describe('ConsoleController', () => {
  it('loads the list and follows live messages', async () => {
    const api = new FakeApi();
    api.list = [conversation()];
    const { controller, socket } = setup(api);
    socket().accept();
    await settle();
    expect(Object.keys(controller.state.conversations)).toEqual(['c1']);
    expect(controller.state.link).toBe('live');
    socket().handlers.message(message({ text: 'hi' }));
    expect(controller.state.unread.c1).toBe(1);
    expect(controller.state.conversations.c1?.lastMessage?.text).toBe('hi');
  });

  it('opens a conversation: joins its room, loads its history, clears unread', async () => {
    const api = new FakeApi();
    api.list = [conversation(), conversation({ conversationId: 'c2', sessionId: 's2' })];
    const earlier = message({ text: 'earlier' });
    const { controller, socket } = setup(api);
    socket().accept();
    await settle();
    const live = message({ text: 'new' });
    api.histories.c1 = [earlier, live];
    socket().handlers.message(live);
    controller.open('c1');
    await settle();
    expect(socket().joined).toEqual(['c1']);
    expect(controller.state.threads.c1?.messages.map((m) => m.text)).toEqual(['earlier', 'new']);
    expect(controller.state.unread.c1).toBeUndefined();
    controller.open('c2');
    expect(socket().left).toEqual(['c1']);
  });

  it('catches up when the server asks to sync: the list, presence, and what the open thread missed', async () => {
    const api = new FakeApi();
    api.list = [conversation()];
    const first = message({ text: 'first' });
    api.histories.c1 = [first];
    const { controller, socket } = setup(api);
    socket().accept();
    await settle();
    controller.open('c1');
    await settle();
    const presenceBefore = socket().presenceRequests;
    api.list = [conversation(), conversation({ conversationId: 'c2', sessionId: 's2' })];
    socket().missed = [message({ text: 'missed' })];
    socket().handlers.resync(null);
    await settle();
    expect(socket().syncs).toEqual([{ conversationId: 'c1', after: first.messageId }]);
    socket().handlers.resync('01J0000000000');
    await settle();
    // From where the server's gap began, older than the thread's newest message.
    expect(socket().syncs[1]).toEqual({ conversationId: 'c1', after: '01J0000000000' });
    expect(controller.state.threads.c1?.messages.map((m) => m.text)).toEqual(['first', 'missed']);
    expect(Object.keys(controller.state.conversations).sort()).toEqual(['c1', 'c2']);
    expect(socket().presenceRequests).toBe(presenceBefore + 2);
  });

  it('sends a reply over the socket, or over HTTP while it is down', async () => {
    const api = new FakeApi();
    api.list = [conversation()];
    const { controller, socket } = setup(api);
    await settle();
    controller.open('c1');
    controller.send('c1', 'over http');
    await settle();
    expect(api.replies.map((r) => r.text)).toEqual(['over http']);
    socket().accept();
    controller.send('c1', 'over the socket');
    await settle();
    expect(socket().sent.map((r) => r.text)).toEqual(['over the socket']);
    const mine = controller.state.threads.c1?.messages.filter((m) => controller.ownIds.has(m.clientMessageId ?? ''));
    expect(mine?.map((m) => m.delivery)).toEqual(['sent', 'sent']);
  });

  it('debounces the search and sends the latest filter', async () => {
    vi.useFakeTimers();
    const { controller, api } = setup();
    await vi.runOnlyPendingTimersAsync();
    controller.setFilter({ search: 'a' });
    controller.setFilter({ search: 'an' });
    controller.setFilter({ search: 'ann' });
    await vi.advanceTimersByTimeAsync(300);
    expect(api.listCalls.map((c) => c.filter.search)).toEqual(['', 'ann']);
    controller.destroy();
  });

  it('shows a notice when the server lacks a route, and ends the session on 401', async () => {
    const api = new FakeApi();
    api.list = [conversation()];
    const { controller, expired } = setup(api);
    await settle();
    api.failWith = new ApiError(404, 'not_found', 'no');
    await controller.desk.setStatus('c1', 'closed');
    expect(controller.state.notice).toMatch(/does not support this yet/);
    controller.dismissNotice();
    expect(controller.state.notice).toBeNull();
    expect(expired).not.toHaveBeenCalled();
  });

  it('reopens the conversation the tab had open', async () => {
    sessionStorage.setItem('webchat.console.active', 'acme:c1');
    const api = new FakeApi();
    api.list = [conversation()];
    const { controller } = setup(api);
    await settle();
    expect(controller.state.activeId).toBe('c1');
  });

  it('knows the agent from the token, and filters Mine / Unassigned / All locally too', async () => {
    const api = new FakeApi();
    api.list = [
      conversation({ conversationId: 'a', assigneeId: 'ann' }),
      conversation({ conversationId: 'b', assigneeId: 'bob' }),
      conversation({ conversationId: 'c', assigneeId: null }),
    ];
    const { controller } = setup(api);
    await settle();
    expect(controller.state.me).toEqual({ agentId: 'ann', name: 'Ann', role: 'admin' });
    const ids = () => visibleConversations(controller.state).map((c) => c.conversationId).sort();
    expect(ids()).toEqual(['a', 'b', 'c']);
    controller.setFilter({ view: 'mine' });
    expect(ids()).toEqual(['a']);
    controller.setFilter({ view: 'unassigned' });
    expect(ids()).toEqual(['c']);
    await settle();
    expect(api.listCalls.at(-1)?.filter).toMatchObject({ view: 'unassigned', status: 'open' });
  });

  it('a conversation assigned elsewhere leaves Unassigned live', async () => {
    const api = new FakeApi();
    api.list = [conversation({ conversationId: 'c', assigneeId: null })];
    const { controller, socket } = setup(api);
    socket().accept();
    await settle();
    controller.setFilter({ view: 'unassigned' });
    expect(visibleConversations(controller.state)).toHaveLength(1);
    socket().handlers.conversationUpdated(conversation({ conversationId: 'c', assigneeId: 'bob' }));
    expect(visibleConversations(controller.state)).toHaveLength(0);
    expect(controller.state.conversations.c?.assigneeId).toBe('bob');
  });

  it('assigns, snoozes and closes through PATCH and applies the answer', async () => {
    const api = new FakeApi();
    api.list = [conversation()];
    const { controller } = setup(api);
    await settle();
    await controller.desk.assignToMe('c1');
    const until = new Date(Date.now() + 3600_000);
    await controller.desk.setStatus('c1', 'snoozed', until);
    expect(api.patches.map((p) => p.patch)).toEqual([
      { assigneeId: 'ann' },
      { status: 'snoozed', snoozedUntil: until.toISOString() },
    ]);
    expect(controller.state.conversations.c1?.status).toBe('snoozed');
  });

  it('a server without /api/agents leaves the staff list unsupported, without a notice', async () => {
    const api = new FakeApi();
    api.agents = async () => {
      throw new ApiError(404, 'not_found', 'no');
    };
    const { controller } = setup(api);
    await settle();
    expect(controller.state.staffSupport).toBe('unsupported');
    expect(controller.state.notice).toBeNull();
  });

  it('loads notes with the conversation, adds one, and keeps one copy of the live echo', async () => {
    const api = new FakeApi();
    api.list = [conversation()];
    api.notesBy.c1 = [{ noteId: 'n0', conversationId: 'c1', agentId: 'bob', text: 'VIP customer', attachments: [], createdAt: '2026-01-01T09:30:00Z' }];
    const { controller, socket } = setup(api);
    socket().accept();
    await settle();
    controller.open('c1');
    await settle();
    expect(controller.state.notes.c1?.map((n) => n.text)).toEqual(['VIP customer']);
    expect(await controller.desk.addNote('c1', 'Refund approved')).toBe(true);
    const stored = controller.state.notes.c1!.at(-1)!;
    socket().handlers.noteCreated(stored);
    expect(controller.state.notes.c1?.map((n) => n.text)).toEqual(['VIP customer', 'Refund approved']);
    // A note is never a message: nothing went to the visitor.
    expect(socket().sent).toEqual([]);
    expect(api.replies).toEqual([]);
  });

  it('a note the server refuses stays a draft and says why', async () => {
    const api = new FakeApi();
    api.list = [conversation()];
    const { controller } = setup(api);
    await settle();
    api.failWith = new ApiError(404, 'not_found', 'no');
    expect(await controller.desk.addNote('c1', 'x')).toBe(false);
    expect(controller.state.notice).toMatch(/Could not add the note: The server does not support this yet/);
    expect(controller.state.notesSupport).toBe('unsupported');
    controller.setComposeMode('note');
    expect(controller.state.composeMode).toBe('reply');
  });

  it('fills canned responses with the visitor and the agent', async () => {
    const api = new FakeApi();
    api.list = [conversation({ userInfo: { name: 'Maria', email: 'maria@example.com' } })];
    const { controller } = setup(api);
    await settle();
    const text = controller.desk.fillCanned('c1', {
      cannedResponseId: 'r1',
      shortcut: 'hi',
      text: 'Hi {{visitor.name}} ({{visitor.email}}), {{agent.name}} here.',
    });
    expect(text).toBe('Hi Maria (maria@example.com), Ann here.');
  });

  it('opening another conversation goes back to Reply mode', async () => {
    const api = new FakeApi();
    api.list = [conversation(), conversation({ conversationId: 'c2' })];
    const { controller } = setup(api);
    await settle();
    controller.open('c1');
    controller.setComposeMode('note');
    expect(controller.state.composeMode).toBe('note');
    controller.open('c2');
    expect(controller.state.composeMode).toBe('reply');
  });

  it('uses the server unreadCount, and marks the open conversation read while the tab is shown', async () => {
    const api = new FakeApi();
    const [m1, m2] = [message({ text: 'one' }), message({ text: 'two' })];
    api.list = [conversation({ unreadCount: 2, lastMessage: m2 })];
    api.histories.c1 = [m1, m2];
    const { controller, socket } = setup(api);
    socket().accept();
    await settle();
    expect(controller.state.unread.c1).toBe(2);
    controller.open('c1');
    await settle();
    expect(socket().reads).toEqual([{ conversationId: 'c1', upTo: m2.messageId }]);
    expect(controller.state.conversations.c1?.agentLastReadId).toBe(m2.messageId);
    expect(controller.state.unread.c1).toBeUndefined();
    // A new visitor message in the open conversation is read at once, once.
    const m3 = message({ text: 'three' });
    socket().handlers.message(m3);
    await settle();
    socket().handlers.message(m3);
    await settle();
    expect(socket().reads.map((r) => r.upTo)).toEqual([m2.messageId, m3.messageId]);
  });

  it('a hidden tab reads nothing: the message stays unread until the tab is shown', async () => {
    const api = new FakeApi();
    const m1 = message();
    api.list = [conversation({ lastMessage: m1 })];
    api.histories.c1 = [m1];
    const visible = { shown: true };
    const { controller, socket } = setup(api, visible);
    socket().accept();
    await settle();
    controller.open('c1');
    await settle();
    visible.shown = false;
    controller.pageVisibilityChanged();
    const m2 = message({ text: 'while away' });
    socket().handlers.message(m2);
    await settle();
    expect(controller.state.unread.c1).toBe(1);
    expect(socket().reads.map((r) => r.upTo)).toEqual([m1.messageId]);
    visible.shown = true;
    controller.pageVisibilityChanged();
    await settle();
    expect(controller.state.unread.c1).toBeUndefined();
    expect(socket().reads.map((r) => r.upTo)).toEqual([m1.messageId, m2.messageId]);
  });

  it('follows messages_read: the visitor has seen the agent, another agent has read', async () => {
    const api = new FakeApi();
    const m1 = message();
    api.list = [conversation({ lastMessage: m1, unreadCount: 1 })];
    const { controller, socket } = setup(api);
    socket().accept();
    await settle();
    socket().handlers.messagesRead({ conversationId: 'c1', reader: 'visitor', agentId: null, upTo: m1.messageId, readAt: null });
    expect(controller.state.conversations.c1?.visitorLastReadId).toBe(m1.messageId);
    socket().handlers.messagesRead({ conversationId: 'c1', reader: 'agent', agentId: 'bob', upTo: m1.messageId, readAt: null });
    expect(controller.state.unread.c1).toBeUndefined();
    // A stale page does not move the marks back.
    api.list = [conversation({ lastMessage: m1, unreadCount: 0, visitorLastReadId: null })];
    await controller.loadList(false);
    expect(controller.state.conversations.c1?.visitorLastReadId).toBe(m1.messageId);
  });

  it('alerts, while the tab is hidden, for a new conversation and for messages in mine only', async () => {
    const api = new FakeApi();
    api.list = [conversation({ conversationId: 'mine', assigneeId: 'ann' }), conversation({ conversationId: 'bobs', assigneeId: 'bob' })];
    const visible = { shown: false };
    const { controller, socket, alerts } = setup(api, visible);
    socket().accept();
    await settle();
    const fresh = message({ conversationId: 'new', senderName: 'Maria', text: 'Hello?' });
    socket().handlers.message(fresh);
    socket().handlers.message(fresh); // a second copy alerts nobody
    socket().handlers.message(message({ conversationId: 'mine', text: 'for Ann' }));
    socket().handlers.message(message({ conversationId: 'bobs', text: 'for Bob' }));
    socket().handlers.message(message({ conversationId: 'mine', sender: 'agent', text: 'an agent' }));
    expect(alerts.raised.map((a) => [a.kind, a.conversationId, a.text])).toEqual([
      ['new_conversation', 'new', 'Hello?'],
      ['message', 'mine', 'for Ann'],
    ]);
    visible.shown = true;
    controller.pageVisibilityChanged();
    socket().handlers.message(message({ conversationId: 'other', text: 'seen live' }));
    expect(alerts.raised).toHaveLength(2);
  });

  it('asks for the notification permission once, and remembers the alert choices', async () => {
    const { controller, alerts } = setup();
    await controller.askNotificationPermission();
    await controller.askNotificationPermission();
    expect(alerts.requestPermission).toHaveBeenCalledTimes(1);
    expect(controller.state.notificationPermission).toBe('granted');
    controller.setAlertPrefs({ sound: false });
    expect(JSON.parse(localStorage.getItem('webchat.console.alerts')!)).toMatchObject({ sound: false, permissionAsked: true });
    localStorage.clear();
  });
});
