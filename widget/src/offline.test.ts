// The controller and UI around contract §9: the tenant's config, availability,
// offline modes, the e-mail prompt and the transcript.

import { h, render } from 'preact';
import { act } from 'preact/test-utils';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Availability } from '../../shared/types';
import type { LookOptions } from './looks';
import { memoryStorage, message } from './test/fakes';
import { flush, json, setup, widgetConfig, type HarnessOptions } from './test/harness';
import { App } from './ui/App';

const online: Availability = { status: 'online', agentsOnline: 1, nextOpenAt: null };
const away: Availability = { status: 'away', agentsOnline: 0, nextOpenAt: null };
const offline: Availability = { status: 'offline', agentsOnline: 0, nextOpenAt: null };

function renderApp(harness: HarnessOptions = {}, options: LookOptions = {}, history = [] as ReturnType<typeof message>[]) {
  const env = setup(history, null, { shown: true }, harness);
  const container = document.createElement('div');
  document.body.appendChild(container);
  act(() => {
    render(h(App, { controller: env.controller, options, hideLauncher: false, languages: ['en-US'] }), container);
  });
  const $ = <E extends Element = HTMLElement>(selector: string) => container.querySelector<E>(selector);
  return { ...env, container, $ };
}

/** Type into an input or textarea the way a visitor does. */
function type(element: HTMLInputElement | HTMLTextAreaElement, value: string): void {
  act(() => {
    element.value = value;
    element.dispatchEvent(new Event('input', { bubbles: true }));
  });
}

/** Send `text` and let the server acknowledge it. */
function sendAndAck(env: ReturnType<typeof setup>, text: string): void {
  env.controller.send(text);
  const sends = env.socket().sent('message');
  const sent = sends[sends.length - 1]!;
  act(() => sent.ack!({ ok: true, message: message({ sender: 'visitor', text, clientMessageId: sent.payload.clientMessageId }) }));
}

afterEach(() => {
  vi.useRealTimers();
  render(null, document.body);
  document.body.innerHTML = '';
});

describe('the tenant’s config', () => {
  it('shows the launcher once the config is in, in the tenant’s colour and corner', async () => {
    const config = widgetConfig({ widget: { ...widgetConfig().widget, color: '#0f766e', position: 'left' } });
    const { $ } = renderApp({ config });
    expect($('.wc-launcher')).toBeNull(); // no flash of the default look
    await flush();
    expect($('.wc-launcher')).not.toBeNull();
    expect($('.wc-root')!.classList.contains('wc-left')).toBe(true);
    expect($('.wc-root')!.style.getPropertyValue('--wc-accent')).toBe('#0f766e');
  });

  it('lets the page’s options win over it', async () => {
    const config = widgetConfig({ widget: { ...widgetConfig().widget, color: '#0f766e', position: 'left' } });
    const { $ } = renderApp({ config }, { color: '#ff0066', position: 'right', greeting: 'From the page' });
    await flush();
    expect($('.wc-root')!.classList.contains('wc-right')).toBe(true);
    expect($('.wc-root')!.style.getPropertyValue('--wc-accent')).toBe('#ff0066');
    expect($('.wc-greeting')!.textContent).toBe('From the page');
  });

  it('shows the widget with its defaults when the config fails', async () => {
    const { $, controller } = renderApp({ config: null });
    await flush();
    expect(controller.state.configured).toBe(true);
    expect($('.wc-launcher')).not.toBeNull();
    expect(controller.state.availability).toBeNull();
  });

  it('does not wait more than 3 s for it', async () => {
    vi.useFakeTimers();
    const { controller } = setup([], null, { shown: true }, { routes: { '/webchat/config': () => new Promise<never>(() => {}) as never } });
    expect(controller.state.launcher).toBe(false);
    await vi.advanceTimersByTimeAsync(3000);
    expect(controller.state.launcher).toBe(true);
  });
});

describe('availability', () => {
  it('is shown under the title, politely announced, and follows the socket', async () => {
    const { $, socket, controller } = renderApp({ config: widgetConfig({ availability: away }) });
    await flush();
    act(() => controller.open());
    const status = $('.wc-availability')!;
    expect(status.getAttribute('role')).toBe('status');
    expect(status.getAttribute('aria-live')).toBe('polite');
    expect(status.textContent).toBe("We're away, leave your e-mail");
    expect($('.wc-greeting')!.textContent).toBe("We're away right now."); // the offline greeting
    act(() => socket().fire('availability', online));
    expect(status.textContent).toBe('Typically replies in a few minutes');
    expect($('.wc-greeting')!.textContent).toBe('Hi! How can we help?');
    act(() => socket().fire('availability', { ...offline, nextOpenAt: 'garbage' }));
    expect(status.textContent).toBe("We're offline");
    act(() => socket().fire('availability', { status: 'closed?' }));
    expect(status.textContent).toBe("We're offline"); // malformed events are ignored
  });

  it('tells the host page when it changes', async () => {
    const { controller, socket } = setup([], null, { shown: true }, { config: widgetConfig({ availability: away }) });
    const heard: string[] = [];
    controller.on('availability', (a) => heard.push(a.status));
    await flush();
    socket().fire('availability', away);
    socket().fire('availability', online);
    expect(heard).toEqual(['away', 'online']);
  });

  it('asks the config again after a reconnection, for changes it missed', async () => {
    const { socket, sentTo } = setup();
    await flush();
    expect(sentTo('/webchat/config')).toHaveLength(1);
    socket().drop();
    socket().accept();
    await flush();
    expect(sentTo('/webchat/config')).toHaveLength(2);
  });

  it('keeps an availability event newer than the config answer', async () => {
    let answer: (response: Response) => void = () => {};
    const config = new Promise<Response>((resolve) => (answer = resolve));
    const { controller, socket } = setup([], null, { shown: true }, { routes: { '/webchat/config': () => config as never } });
    socket().fire('availability', online);
    answer(json(200, widgetConfig({ availability: away })));
    await flush();
    expect(controller.state.availability?.status).toBe('online');
    expect(controller.state.configured).toBe(true);
  });
});

describe('offlineMode "hide"', () => {
  const hidden = widgetConfig({ offlineMode: 'hide', availability: offline });

  it('has no launcher while offline, and brings it back live', async () => {
    const { $, socket, sentTo } = renderApp({ config: hidden });
    await flush();
    expect(sentTo('/api/chat/messages')).toHaveLength(1); // is a conversation going?
    expect($('.wc-launcher')).toBeNull();
    act(() => socket().fire('availability', away));
    expect($('.wc-launcher')).not.toBeNull();
    act(() => socket().fire('availability', offline));
    expect($('.wc-launcher')).toBeNull();
    act(() => socket().fire('availability', online));
    expect($('.wc-launcher')).not.toBeNull();
  });

  it('keeps the launcher for a conversation already going', async () => {
    const { $ } = renderApp({ config: hidden }, {}, [message({ sender: 'visitor', text: 'earlier' })]);
    await flush();
    expect($('.wc-launcher')).not.toBeNull();
  });

  it('asks the history again for a user who logs in while it is hidden', async () => {
    const { controller, sentTo } = setup([], null, { shown: true }, { config: hidden });
    await flush();
    expect(sentTo('/api/chat/messages')).toHaveLength(1);
    controller.identify({ userId: 'u1' });
    await flush();
    const queries = sentTo('/api/chat/messages').map((r) => r.url.searchParams.get('userId'));
    expect(queries).toEqual([null, 'u1']);
  });

  it('does not hide in the other modes', async () => {
    const { $ } = renderApp({ config: widgetConfig({ offlineMode: 'chat', availability: offline }) });
    await flush();
    expect($('.wc-launcher')).not.toBeNull();
  });
});

describe('offlineMode "form"', () => {
  it('asks for an e-mail and a message, leaves the contact, then sends the message', async () => {
    const contacts: unknown[] = [];
    const routes = { '/webchat/contact': (body: unknown) => (contacts.push(body), json(200, { conversation: {} })) };
    const { $, controller, socket, session } = renderApp({ config: widgetConfig({ offlineMode: 'form', availability: away }), routes });
    await flush();
    act(() => controller.open());
    expect($('#wc-input')).toBeNull(); // no composer until the e-mail is known
    const email = $<HTMLInputElement>('#wc-contact-email')!;
    expect(document.activeElement).toBe(email);
    expect($<HTMLLabelElement>('label[for="wc-contact-email"]')!.textContent).toBe('Your e-mail');
    const form = $<HTMLFormElement>('.wc-contact')!;

    act(() => void form.dispatchEvent(new Event('submit', { cancelable: true })));
    expect($('#wc-contact-email-error')!.textContent).toBe('Please enter your e-mail address.');
    expect(email.getAttribute('aria-invalid')).toBe('true');
    expect(email.getAttribute('aria-describedby')).toBe('wc-contact-email-error');
    type(email, 'not-an-address');
    act(() => void form.dispatchEvent(new Event('submit', { cancelable: true })));
    expect($('#wc-contact-email-error')!.textContent).toContain('name@example.com');
    expect(contacts).toEqual([]);

    type(email, ' ada@example.com ');
    type($<HTMLTextAreaElement>('#wc-contact-message')!, 'Do you ship to Canada?');
    act(() => void form.dispatchEvent(new Event('submit', { cancelable: true })));
    await flush();
    expect(contacts).toEqual([{ sessionId: session.sessionId, fingerprint: session.fingerprint, email: 'ada@example.com' }]);
    expect(socket().sent('message').map((e) => e.payload.text)).toEqual(['Do you ship to Canada?']);
    expect($('.wc-contact')).toBeNull();
    expect(document.activeElement).toBe($('#wc-input')); // the normal conversation
    expect(session.contact).toBe('given');
  });

  it('shows the server’s refusal of the address', async () => {
    const routes = { '/webchat/contact': () => json(422, { error: { code: 'invalid_request', message: 'email: bad' } }) };
    const { controller } = setup([], null, { shown: true }, { config: widgetConfig({ offlineMode: 'form', availability: away }), routes });
    await flush();
    expect(await controller.leaveContact('a@b.example')).toBe(false);
    expect(controller.state.contactError).toBe('email_invalid');
    expect(controller.state.contactForm).toBe(true);
  });

  it('is not shown once this session left an e-mail, nor while someone is online', async () => {
    const storage = memoryStorage();
    const first = setup([], null, { shown: true }, { storage, config: widgetConfig({ offlineMode: 'form', availability: online }) });
    await flush();
    expect(first.controller.state.contactForm).toBe(false);
    first.session.setContact('given');
    first.controller.destroy();
    const again = setup([], null, { shown: true }, { storage, config: widgetConfig({ offlineMode: 'form', availability: away }) });
    await flush();
    expect(again.controller.state.contactForm).toBe(false);
  });
});

describe('asking for an e-mail', () => {
  it('asks an anonymous visitor a minute after a message nobody answered', async () => {
    vi.useFakeTimers();
    const env = setup();
    await vi.advanceTimersByTimeAsync(0);
    sendAndAck(env, 'Anyone?');
    await vi.advanceTimersByTimeAsync(59_000);
    expect(env.controller.state.emailPrompt).toBe('hidden');
    await vi.advanceTimersByTimeAsync(1_000);
    expect(env.controller.state.emailPrompt).toBe('asking');
    // It stays until answered, even if an agent replies meanwhile.
    env.socket().fire('meta_message_created', message({ sender: 'agent' }));
    expect(env.controller.state.emailPrompt).toBe('asking');
  });

  it('does not ask when an agent answers in time', async () => {
    vi.useFakeTimers();
    const env = setup();
    await vi.advanceTimersByTimeAsync(0);
    sendAndAck(env, 'Anyone?');
    await vi.advanceTimersByTimeAsync(30_000);
    env.socket().fire('meta_message_created', message({ sender: 'agent', text: 'Here!' }));
    await vi.advanceTimersByTimeAsync(120_000);
    expect(env.controller.state.emailPrompt).toBe('hidden');
  });

  it('never asks a logged-in visitor', async () => {
    vi.useFakeTimers();
    const env = setup();
    env.controller.identify({ userId: 'u1' });
    await vi.advanceTimersByTimeAsync(0);
    env.socket().accept(); // identify reconnects as the user
    sendAndAck(env, 'Anyone?');
    await vi.advanceTimersByTimeAsync(120_000);
    expect(env.controller.state.emailPrompt).toBe('hidden');
  });

  it('asks at once, after a reload, for a message that has waited long enough', async () => {
    vi.useFakeTimers();
    const old = message({ sender: 'visitor', createdAt: new Date(Date.now() - 90_000).toISOString() });
    const env = setup([old]);
    env.controller.open();
    await vi.advanceTimersByTimeAsync(0);
    expect(env.controller.state.emailPrompt).toBe('asking');
  });

  it('thanks the visitor, and never asks again in this session once answered or dismissed', async () => {
    const routes = { '/webchat/contact': () => json(200, { conversation: {} }) };
    const storage = memoryStorage();
    const old = () => message({ sender: 'visitor', createdAt: new Date(Date.now() - 90_000).toISOString() });
    const { $, controller } = renderApp({ routes, storage }, {}, [old()]);
    act(() => controller.open());
    await flush();
    expect($('.wc-prompt h3')!.textContent).toBe('Get notified by e-mail');
    expect($('label[for="wc-prompt-email"]')!.textContent).toBe('Your e-mail');
    type($<HTMLInputElement>('#wc-prompt-email')!, 'ada@example.com');
    act(() => void $('.wc-prompt-form')!.dispatchEvent(new Event('submit', { cancelable: true })));
    await flush();
    expect($('.wc-thanks')!.textContent).toBe("Thanks! We'll e-mail you at ada@example.com.");
    expect($('.wc-thanks')!.getAttribute('role')).toBe('status');
    expect(document.activeElement).toBe($('#wc-input'));
    controller.destroy();

    // A reload: the same session, answered already.
    const again = setup([old()], null, { shown: true }, { storage });
    again.controller.open();
    await flush();
    expect(again.controller.state.emailPrompt).toBe('hidden');
    again.controller.destroy();

    // A new session (logout) may be asked; "No thanks" is an answer too.
    again.session.reset();
    const fresh = setup([old()], null, { shown: true }, { storage });
    fresh.controller.open();
    await flush();
    expect(fresh.controller.state.emailPrompt).toBe('asking');
    fresh.controller.dismissEmailPrompt();
    expect(fresh.controller.state.emailPrompt).toBe('hidden');
    fresh.controller.destroy();
    const later = setup([old()], null, { shown: true }, { storage });
    later.controller.open();
    await flush();
    expect(later.controller.state.emailPrompt).toBe('hidden');
  });
});

describe('the transcript', () => {
  it('is offered once an e-mail is known and the conversation has messages', async () => {
    const answers = [
      new Response(null, { status: 202 }),
      json(422, { error: { code: 'invalid_request', message: 'email: none known' } }),
      json(503, { error: { code: 'unavailable', message: 'e-mail is unavailable; nothing was written.' } }),
      new Response(JSON.stringify({ error: { code: 'rate_limited', message: 'slow down' } }), {
        status: 429,
        headers: { 'Content-Type': 'application/json', 'Retry-After': '3600' },
      }),
    ];
    const routes = { '/webchat/transcript': () => answers.shift()! };
    const { $, controller, session, socket, sentTo } = renderApp({ routes });
    act(() => controller.open());
    await flush();
    expect($('.wc-footer')).toBeNull();
    act(() => socket().fire('meta_message_created', message({ sender: 'agent' })));
    expect($('.wc-footer')).toBeNull(); // no e-mail yet
    act(() => session.setContact('given'));
    const button = $<HTMLButtonElement>('.wc-footer button')!;
    expect(button.textContent).toBe('Send me the transcript');
    act(() => button.click());
    await flush();
    expect(sentTo('/webchat/transcript')).toHaveLength(1);
    expect($('.wc-footer [role="status"]')!.textContent).toBe('Transcript requested: it will arrive by e-mail shortly.');
    act(() => button.click());
    await flush();
    expect($('.wc-footer [role="status"]')!.textContent).toBe("We don't have your e-mail address yet.");
    act(() => button.click());
    await flush();
    expect($('.wc-footer [role="status"]')!.textContent).toBe('Transcripts by e-mail are not available at the moment.');
    expect(controller.state.transcript).toBe('unavailable');
    act(() => button.click());
    await flush();
    expect(controller.state.transcript).toBe('rate_limited');
    expect($('.wc-footer [role="status"]')!.textContent).toContain('several times');
  });

  it('is offered to a logged-in visitor with an e-mail', async () => {
    const { controller } = setup();
    controller.identify({ userId: 'u1', userInfo: { email: 'ada@example.com' } });
    await flush();
    expect(controller.state.emailKnown).toBe(true);
  });
});
