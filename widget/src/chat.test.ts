import { h, render } from 'preact';
import { act } from 'preact/test-utils';
import { afterEach, describe, expect, it } from 'vitest';
import { message } from './test/fakes';
import { flush, setup } from './test/harness';
import { App } from './ui/App';

afterEach(() => {
  render(null, document.body);
  document.body.innerHTML = '';
});

describe('ChatController', () => {
  it('loads history on open with the visitor token', async () => {
    const first = message({ text: 'earlier' });
    const { controller, requests, session } = setup([first]);
    controller.open();
    await flush();
    const history = requests.find((r) => r.url.pathname === '/api/chat/messages')!;
    expect((history.init.headers as Record<string, string>)['X-Session-Token']).toBe('jwt');
    expect(history.url.searchParams.get('sessionId')).toBe(session.sessionId);
    expect(controller.state.messages.map((m) => m.text)).toEqual(['earlier']);
  });

  it('loads older pages with nextBefore, above the newer ones', async () => {
    const newest = message({ text: 'newest' });
    const { controller, requests } = setup([newest], newest.messageId);
    controller.open();
    await flush();
    expect(controller.state.hasOlder).toBe(true);
    await controller.loadOlder();
    const older = requests.filter((r) => r.url.searchParams.get('before') === newest.messageId);
    expect(older).toHaveLength(1);
    expect(controller.state.messages.map((m) => m.text)).toEqual(['older', 'newest']);
    expect(controller.state.hasOlder).toBe(false);
  });

  it('shows a sent message at once, then marks it sent when acknowledged', async () => {
    const { controller, socket } = setup();
    controller.send('  hello  ');
    expect(controller.state.messages).toMatchObject([{ text: 'hello', state: 'sending', sender: 'visitor' }]);
    const [emit] = socket().sent('message');
    const stored = message({ sender: 'visitor', text: 'hello', clientMessageId: emit!.payload.clientMessageId });
    socket().fire('meta_message_created', stored);
    emit!.ack!({ ok: true, message: stored });
    await flush();
    expect(controller.state.messages).toHaveLength(1);
    expect(controller.state.messages[0]).toMatchObject({ state: 'sent', messageId: stored.messageId });
  });

  it('marks a refused message failed and retries it with the same clientMessageId', async () => {
    const { controller, socket } = setup();
    controller.send('hello');
    const [first] = socket().sent('message');
    first!.ack!({ ok: false, error: { code: 'invalid_request', message: 'no' } });
    await flush();
    const [failed] = controller.state.messages;
    expect(failed).toMatchObject({ state: 'failed', errorCode: 'invalid_request' });
    controller.retry(failed!.key);
    expect(controller.state.messages[0]!.state).toBe('sending');
    const second = socket().sent('message')[1]!;
    expect(second.payload.clientMessageId).toBe(first!.payload.clientMessageId);
  });

  it('counts unread agent messages while closed, not the visitor’s own', () => {
    const { controller, socket } = setup();
    const unread: number[] = [];
    controller.on('unread', (count) => unread.push(count));
    socket().fire('meta_message_created', message({ sender: 'agent' }));
    socket().fire('meta_message_created', message({ sender: 'visitor', clientMessageId: crypto.randomUUID() }));
    socket().fire('meta_message_created', message({ sender: 'agent' }));
    expect(controller.state.unread).toBe(2);
    controller.open();
    expect(controller.state.unread).toBe(0);
    expect(unread).toEqual([1, 2, 0]);
  });

  it('forgets everything on reset and reconnects as the new session', async () => {
    const { controller, session, sockets, socket } = setup();
    socket().fire('meta_message_created', message({ text: 'secret of user 1' }));
    const before = session.sessionId;
    controller.reset();
    expect(controller.state.messages).toEqual([]);
    await flush();
    expect(sockets).toHaveLength(2);
    socket().accept();
    expect(socket().handshakes[0]!.sessionId).not.toBe(before);
    expect(socket().handshakes[0]!.sessionId).toBe(session.sessionId);
  });

  it('shows the agent typing and clears it when the reply lands', () => {
    const { controller, socket, session } = setup();
    socket().fire('typing', { sessionId: session.sessionId, isTyping: true });
    expect(controller.state.agentTyping).toBe(true);
    socket().fire('meta_message_created', message({ sender: 'agent' }));
    expect(controller.state.agentTyping).toBe(false);
  });

  it('sends read once for the agent messages the open panel shows, and only while visible', async () => {
    const visible = { shown: false };
    const { controller, socket } = setup([], null, visible);
    const first = message({ sender: 'agent' });
    socket().fire('meta_message_created', first);
    controller.open();
    await flush();
    expect(socket().sent('read')).toHaveLength(0); // the page is hidden
    visible.shown = true;
    controller.markRead();
    controller.markRead();
    expect(socket().sent('read').map((e) => e.payload.upTo)).toEqual([first.messageId]);
    socket().sent('read')[0]!.ack!({ ok: true });
    // The visitor's own message is no reason to send a mark; an agent's is.
    socket().fire('meta_message_created', message({ sender: 'visitor', clientMessageId: crypto.randomUUID() }));
    const second = message({ sender: 'agent' });
    socket().fire('meta_message_created', second);
    expect(socket().sent('read').map((e) => e.payload.upTo)).toEqual([first.messageId, second.messageId]);
  });

  it('shows "Seen" under the visitor’s last message once an agent has read it', async () => {
    const env = setup();
    env.controller.open();
    const mine = message({ sender: 'visitor', clientMessageId: crypto.randomUUID() });
    env.socket().fire('meta_message_created', mine);
    expect(env.controller.state.seenUpTo).toBeNull();
    env.socket().fire('messages_read', { conversationId: 'conv', reader: 'agent', agentId: 'a1', upTo: mine.messageId });
    expect(env.controller.state.seenUpTo).toBe(mine.messageId);
    const container = document.createElement('div');
    document.body.appendChild(container);
    act(() => {
      render(
        h(App, { controller: env.controller, options: { locale: 'fr', title: 'Chat', greeting: '' }, hideLauncher: false }),
        container,
      );
    });
    expect(container.querySelector('.wc-seen')?.textContent).toBe('Vu');
    // A newer message of the visitor is not seen yet.
    env.socket().fire('meta_message_created', message({ sender: 'visitor', clientMessageId: crypto.randomUUID() }));
    await flush();
    expect(container.querySelector('.wc-seen')).toBeNull();
  });

  it('refuses empty and over-long text', () => {
    const { controller } = setup();
    expect(controller.send('   ')).toBe(false);
    expect(controller.send('x'.repeat(4001))).toBe(false);
    expect(controller.state.errorCode).toBe('too_long');
    expect(controller.state.messages).toEqual([]);
  });
});

describe('App', () => {
  function renderApp() {
    const env = setup();
    const container = document.createElement('div');
    document.body.appendChild(container);
    act(() => {
      render(
        h(App, {
          controller: env.controller,
          options: { locale: 'en', title: 'Chat', greeting: 'Hi there' },
          hideLauncher: false,
        }),
        container,
      );
    });
    return { ...env, container };
  }

  it('renders hostile message text as text, never as HTML', async () => {
    const { container, socket, controller } = renderApp();
    act(() => controller.open());
    await flush();
    act(() => socket().fire('meta_message_created', message({ text: '<img src=x onerror=alert(1)><script>x()</script>' })));
    expect(container.querySelector('img')).toBeNull();
    expect(container.querySelector('.wc-log script')).toBeNull();
    expect(container.querySelector('.wc-log')!.textContent).toContain('<img src=x onerror=alert(1)><script>x()</script>');
  });

  it('makes http(s) links clickable, opening safely in a new tab', async () => {
    const { container, socket, controller } = renderApp();
    act(() => controller.open());
    await flush();
    act(() => socket().fire('meta_message_created', message({ text: 'docs: https://example.com/help javascript:alert(1)' })));
    const links = container.querySelectorAll('.wc-log a');
    expect(links).toHaveLength(1);
    expect(links[0]!.getAttribute('href')).toBe('https://example.com/help');
    expect(links[0]!.getAttribute('rel')).toBe('noopener noreferrer nofollow');
    expect(links[0]!.getAttribute('target')).toBe('_blank');
  });

  it('shows the unread count on the launcher and announces new messages', async () => {
    const { container, socket } = renderApp();
    await flush();
    act(() => socket().fire('meta_message_created', message({ text: 'ping', senderName: 'Ann' })));
    const launcher = container.querySelector('.wc-launcher')!;
    expect(launcher.querySelector('.wc-badge')!.textContent).toBe('1');
    expect(launcher.getAttribute('aria-label')).toBe('Open chat, 1 unread message');
    expect(container.querySelector('.wc-announcer')!.textContent).toBe('New message from Ann: ping');
  });

  it('opens from the launcher, focuses the message box, and sends on Enter but not Shift+Enter', async () => {
    const { container, socket } = renderApp();
    await flush();
    const launcher = container.querySelector<HTMLButtonElement>('.wc-launcher')!;
    act(() => launcher.click());
    await flush();
    expect(container.querySelector('.wc-panel')!.hasAttribute('hidden')).toBe(false);
    expect(launcher.getAttribute('aria-expanded')).toBe('true');
    const input = container.querySelector('textarea')!;
    expect(document.activeElement).toBe(input);
    act(() => {
      input.value = 'line one';
      input.dispatchEvent(new Event('input', { bubbles: true }));
    });
    act(() => void input.dispatchEvent(new KeyboardEvent('keydown', { key: 'Enter', shiftKey: true, bubbles: true })));
    expect(socket().sent('message')).toHaveLength(0);
    act(() => void input.dispatchEvent(new KeyboardEvent('keydown', { key: 'Enter', bubbles: true })));
    expect(socket().sent('message').map((e) => e.payload.text)).toEqual(['line one']);
    expect(container.querySelector('.wc-visitor .wc-status')!.textContent).toBe('Sending…');
  });

  it('closes on Escape', async () => {
    const { container, controller } = renderApp();
    act(() => controller.open());
    await flush();
    const input = container.querySelector('textarea')!;
    act(() => void input.dispatchEvent(new KeyboardEvent('keydown', { key: 'Escape', bubbles: true })));
    expect(controller.state.open).toBe(false);
  });
});
