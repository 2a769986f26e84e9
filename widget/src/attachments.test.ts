import { h, render } from 'preact';
import { act } from 'preact/test-utils';
import { afterEach, describe, expect, it } from 'vitest';
import { formatSize } from './i18n';
import { attachmentHref, ChatAPI } from './lib/api';
import { attachment, FakeUpload, message } from './test/fakes';
import { flush, setup } from './test/harness';
import { App } from './ui/App';
import { filesOf } from './ui/Attachments';

afterEach(() => {
  render(null, document.body);
  document.body.innerHTML = '';
});

const png = () => new File([new Uint8Array([137, 80, 78, 71])], 'shot.png', { type: 'image/png' });

function withUploads() {
  const uploads = FakeUpload.factory();
  return { uploads, ...setup([], null, { shown: true }, { uploadRequest: uploads.make }) };
}

describe('attachmentHref', () => {
  it('resolves the signed url against the server', () => {
    expect(attachmentHref('https://chat.test', '/attachments/a/b.png?e=1&s=2')).toBe('https://chat.test/attachments/a/b.png?e=1&s=2');
  });

  it('refuses anything but this server’s /attachments/', () => {
    expect(attachmentHref('https://chat.test', 'javascript:alert(1)')).toBeNull();
    expect(attachmentHref('https://chat.test', 'https://evil.test/attachments/a')).toBeNull();
    expect(attachmentHref('https://chat.test', '//evil.test/attachments/a')).toBeNull();
    expect(attachmentHref('https://chat.test', '/api/x')).toBeNull();
    expect(attachmentHref('https://chat.test', 'data:image/png;base64,AAAA')).toBeNull();
  });
});

describe('ChatAPI.uploadAttachment', () => {
  it('posts the file as multipart with the key and visitor token, and reports progress', async () => {
    const uploads = FakeUpload.factory();
    const api = new ChatAPI({ serverUrl: 'https://chat.test', apiKey: 'pk_x', uploadRequest: uploads.make });
    const seen: number[] = [];
    const answer = api.uploadAttachment(png(), 'shot.png', 'jwt', (f) => seen.push(f));
    const [request] = uploads.made;
    expect(request!.method).toBe('POST');
    expect(request!.url).toBe('https://chat.test/webchat/attachments');
    expect(request!.headers).toMatchObject({ Authorization: 'Bearer pk_x', 'X-Session-Token': 'jwt' });
    expect((request!.body!.get('file') as File).name).toBe('shot.png');
    request!.progress(50, 100);
    request!.answer(201, { attachment: attachment() });
    expect(await answer).toEqual(attachment());
    expect(seen).toEqual([0.5]);
  });

  it('turns a 415 into its code and the server’s message', async () => {
    const uploads = FakeUpload.factory();
    const api = new ChatAPI({ serverUrl: 'https://chat.test', apiKey: 'pk_x', uploadRequest: uploads.make });
    const answer = api.uploadAttachment(png(), 'x.svg', 'jwt', () => {});
    uploads.made[0]!.answer(415, { error: { code: 'unsupported_media_type', message: 'SVG is not accepted.' } });
    await expect(answer).rejects.toMatchObject({ code: 'unsupported_media_type', status: 415, message: 'SVG is not accepted.' });
  });
});

describe('ChatController attachments', () => {
  it('shows an upload with its progress, then done; sends a message with the attachment only', async () => {
    const { controller, uploads, socket } = withUploads();
    controller.attach([png()]);
    await flush();
    expect(controller.state.uploads).toMatchObject([{ name: 'shot.png', state: 'uploading', progress: 0 }]);
    expect(controller.send('look')).toBe(false); // still uploading
    expect(controller.state.errorCode).toBe('still_uploading');
    uploads.made[0]!.progress(1, 4);
    expect(controller.state.uploads[0]!.progress).toBe(0.25);
    uploads.made[0]!.answer(201, { attachment: attachment() });
    await flush();
    expect(controller.state.uploads[0]).toMatchObject({ state: 'done', attachment: { href: 'https://chat.test/attachments/att1/shot.png?e=1&s=x', image: true } });
    expect(controller.state.errorCode).toBeNull();

    expect(controller.send('   ')).toBe(true);
    expect(controller.state.uploads).toEqual([]);
    expect(controller.state.messages[0]).toMatchObject({ text: '', state: 'sending', attachments: [{ attachmentId: 'att1' }] });
    const [emit] = socket().sent('message');
    expect(emit!.payload).toMatchObject({ text: '', attachments: ['att1'] });
    emit!.ack!({ ok: true, message: message({ sender: 'visitor', text: '', clientMessageId: emit!.payload.clientMessageId, attachments: [attachment()] }) });
    await flush();
    expect(controller.state.messages[0]).toMatchObject({ state: 'sent', attachments: [{ name: 'shot.png', image: true }] });
  });

  it('keeps a refused file with its reason (413 in the server’s words) until removed', async () => {
    const { controller, uploads } = withUploads();
    controller.attach([png()]);
    await flush();
    uploads.made[0]!.answer(413, { error: { code: 'payload_too_large', message: 'The file exceeds 10485760 bytes.' } });
    await flush();
    expect(controller.state.uploads[0]).toMatchObject({ state: 'failed', errorCode: 'payload_too_large', errorMessage: 'The file exceeds 10485760 bytes.' });
    expect(controller.send('')).toBe(false); // nothing to send
    controller.removeUpload(controller.state.uploads[0]!.key);
    expect(controller.state.uploads).toEqual([]);
  });

  it('cancels an upload that is removed, and refuses an eleventh file', async () => {
    const { controller, uploads } = withUploads();
    controller.attach(Array.from({ length: 11 }, png));
    await flush();
    expect(controller.state.uploads.filter((u) => u.state === 'uploading')).toHaveLength(10);
    expect(controller.state.uploads[10]).toMatchObject({ state: 'failed', errorCode: 'too_many' });
    controller.removeUpload(controller.state.uploads[0]!.key);
    await flush();
    expect(uploads.made[0]!.aborted).toBe(true);
    expect(controller.state.uploads).toHaveLength(10);
  });

  it('never links a url that is not the server’s attachment', async () => {
    const bad = message({ text: '', attachments: [attachment({ url: 'javascript:alert(1)', contentType: 'application/pdf', name: 'a.pdf' })] });
    const { controller } = setup([bad]);
    controller.open();
    await flush();
    expect(controller.state.messages[0]!.attachments[0]).toMatchObject({ href: null, image: false });
  });
});

describe('the widget with attachments', () => {
  function mountApp(history = [] as ReturnType<typeof message>[]) {
    const uploads = FakeUpload.factory();
    const env = setup(history, null, { shown: true }, { uploadRequest: uploads.make });
    const container = document.createElement('div');
    document.body.appendChild(container);
    act(() => {
      render(h(App, { controller: env.controller, options: {}, hideLauncher: false, languages: ['en-US'] }), container);
    });
    act(() => env.controller.open());
    return { ...env, uploads, $: (s: string) => container.querySelector(s), $$: (s: string) => [...container.querySelectorAll(s)] };
  }

  it('attaches a pasted image, and leaves a text paste alone', async () => {
    const { $, controller, uploads } = mountApp();
    const input = $('#wc-input') as HTMLTextAreaElement;
    const paste = (data: unknown) => {
      const event = new Event('paste', { bubbles: true, cancelable: true });
      Object.defineProperty(event, 'clipboardData', { value: data });
      act(() => void input.dispatchEvent(event));
      return event;
    };
    const text = paste({ files: [], items: [{ kind: 'string', getAsFile: () => null }] });
    expect(text.defaultPrevented).toBe(false);
    const image = paste({ files: [png()], items: [] });
    expect(image.defaultPrevented).toBe(true);
    await flush();
    expect(controller.state.uploads).toHaveLength(1);
    expect($('.wc-upload progress')).not.toBeNull();
    expect($('[role="status"].wc-sr-only')!.textContent).toContain('Uploading shot.png');
    uploads.made[0]!.answer(201, { attachment: attachment() });
    await flush();
    expect($('.wc-upload progress')).toBeNull();
    expect((($('.wc-send') as HTMLButtonElement).disabled)).toBe(false);
  });

  it('shows a thumbnail linking to the full image and a chip for a PDF, names as text', async () => {
    const hostile = '<img src=x onerror=alert(1)>.pdf';
    const { $, $$ } = mountApp([
      message({ text: '', attachments: [attachment()] }),
      message({ text: 'the invoice', attachments: [attachment({ attachmentId: 'p', name: hostile, contentType: 'application/pdf', size: 123456, url: '/attachments/p/x.pdf?e=1&s=y' })] }),
    ]);
    await flush();
    const thumb = $('.wc-thumb') as HTMLAnchorElement;
    expect(thumb.href).toBe('https://chat.test/attachments/att1/shot.png?e=1&s=x');
    expect(thumb.target).toBe('_blank');
    expect(thumb.rel).toContain('noopener');
    expect(($('.wc-thumb img') as HTMLImageElement).alt).toBe('shot.png');
    const chip = $('.wc-file') as HTMLAnchorElement;
    expect(chip.querySelector('.wc-file-name')!.textContent).toBe(hostile);
    expect(chip.querySelector('.wc-file-size')!.textContent).toBe('121 KB');
    expect($$('img')).toHaveLength(1); // the name made no element
  });

  it('filesOf reads files from a DataTransfer’s items when files is empty', () => {
    const file = png();
    const data = { files: [], items: [{ kind: 'file', getAsFile: () => file }, { kind: 'string', getAsFile: () => null }] };
    expect(filesOf(data as unknown as DataTransfer)).toEqual([file]);
  });

  it('formats sizes', () => {
    expect(formatSize(512, 'en')).toBe('512 B');
    expect(formatSize(1536, 'en')).toBe('1.5 KB');
    expect(formatSize(5 * 1024 * 1024, 'en')).toBe('5 MB');
  });
});
