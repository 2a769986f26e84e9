// The end of a session: a 401 or a refused socket goes back to the sign-in
// form once, with the server's reason in the notice.
import { describe, expect, it, vi } from 'vitest';
import { expiryNotice } from './app';
import { ConsoleController } from './controller';
import { ApiError } from './lib/api';
import { FakeApi, FakeSocket, settle } from './test/fakes';

function setup(api = new FakeApi()) {
  const sockets: FakeSocket[] = [];
  const expired = vi.fn();
  const controller = new ConsoleController({
    auth: { token: `x.${btoa(JSON.stringify({ sub: 'ann', name: 'Ann', role: 'admin' }))}.y`, expiresAt: '2999-01-01T00:00:00Z', tenantId: 'acme', email: 'ann@acme.test' },
    onExpired: expired,
    api,
    openSocket: (_token, handlers) => {
      const socket = new FakeSocket(handlers);
      sockets.push(socket);
      return socket;
    },
    isPageVisible: () => true,
    alerts: { permission: 'default', requestPermission: async () => 'granted', alert: () => undefined },
  });
  controller.start();
  return { controller, socket: () => sockets[0]!, expired };
}

describe('the end of a session', () => {
  it("goes back to sign-in once when the socket's token is refused, with the server's reason", async () => {
    const { controller, socket, expired } = setup();
    socket().accept();
    await settle();
    socket().handlers.status('reconnecting');
    socket().handlers.authFailed('This agent has been disabled.');
    socket().handlers.authFailed('This agent has been disabled.');
    expect(expired).toHaveBeenCalledOnce();
    expect(expired).toHaveBeenCalledWith('This agent has been disabled.');
    controller.destroy();
  });

  it('a 401 from the list does not add a banner of its own', async () => {
    const api = new FakeApi();
    api.failWith = new ApiError(401, 'invalid_token', 'This agent has been disabled.');
    const { controller } = setup(api);
    await settle();
    expect(controller.state.notice).toBeNull();
    controller.destroy();
  });

  it('words the notice with the reason, keeping "Sign in again"', () => {
    expect(expiryNotice()).toBe('Your session has ended. Sign in again; your drafts are kept.');
    expect(expiryNotice('This agent has been disabled.')).toBe('Your session has ended: This agent has been disabled. Sign in again; your drafts are kept.');
    expect(expiryNotice('Token expired')).toBe('Your session has ended: Token expired. Sign in again; your drafts are kept.');
  });
});
