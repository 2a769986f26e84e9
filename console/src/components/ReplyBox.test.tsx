import { render } from 'preact';
import { act } from 'preact/test-utils';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ApiError } from '../lib/api';
import type { Attachment } from '../lib/attachments';
import { ReplyBox, type ReplyBoxProps } from './ReplyBox';

function mount(over: Partial<ReplyBoxProps> = {}) {
  const props: ReplyBoxProps = {
    tenantId: 'acme',
    conversationId: 'c1',
    mode: 'reply',
    onMode: vi.fn(),
    notesSupported: true,
    canned: [{ cannedResponseId: 'r1', shortcut: 'refund', text: 'Hi {{visitor.name}}, refunded.' }],
    fillCanned: (r) => r.text.replace('{{visitor.name}}', 'Maria'),
    onCannedWanted: vi.fn(),
    onSend: vi.fn(),
    onNote: vi.fn(async () => true),
    onTyping: vi.fn(),
    onUpload: vi.fn(() => new Promise<never>(() => {})),
    ...over,
  };
  act(() => render(<ReplyBox {...props} />, document.body));
  const box = document.querySelector('textarea')!;
  const type = (value: string) =>
    act(() => {
      box.value = value;
      box.setSelectionRange(value.length, value.length);
      box.dispatchEvent(new Event('input', { bubbles: true }));
    });
  const key = (k: string) => act(() => void box.dispatchEvent(new KeyboardEvent('keydown', { key: k, bubbles: true })));
  return { props, box, type, key };
}

afterEach(() => {
  act(() => render(null, document.body));
  sessionStorage.clear();
});

describe('ReplyBox', () => {
  it('in Note mode, Enter adds a note and never sends to the visitor', async () => {
    const { props, box, type, key } = mount({ mode: 'note' });
    expect(box.getAttribute('aria-label')).toBe('Internal note');
    expect(document.querySelector('form')!.className).toContain('note-mode');
    type('Customer is a VIP');
    key('Enter');
    await act(async () => undefined);
    expect(props.onNote).toHaveBeenCalledWith('Customer is a VIP', []);
    expect(props.onSend).not.toHaveBeenCalled();
    expect(props.onTyping).not.toHaveBeenCalled();
  });

  it('keeps the note and the reply as separate drafts', () => {
    sessionStorage.setItem('webchat.console.draft:acme:c1:note', 'secret remark');
    const { box } = mount({ mode: 'reply' });
    expect(box.value).toBe('');
  });

  it('completes /shortcut with the filled-in canned response', () => {
    const { props, box, type, key } = mount();
    type('/ref');
    expect(props.onCannedWanted).toHaveBeenCalledTimes(1);
    expect(document.querySelectorAll('[role="option"]')).toHaveLength(1);
    expect(box.getAttribute('aria-activedescendant')).toBe('canned-option-0');
    key('Enter');
    expect(box.value).toBe('Hi Maria, refunded.');
    expect(props.onSend).not.toHaveBeenCalled();
    key('Enter');
    expect(props.onSend).toHaveBeenCalledWith('Hi Maria, refunded.', []);
  });
});

describe('ReplyBox attachments', () => {
  const pdf: Attachment = { attachmentId: 'a1', name: 'invoice.pdf', size: 2048, contentType: 'application/pdf', url: '/attachments/a1/invoice.pdf?e=1&s=x' };
  const file = () => new File(['%PDF-1.4'], 'invoice.pdf', { type: 'application/pdf' });
  const paste = (box: HTMLTextAreaElement, data: unknown) => {
    const event = new Event('paste', { bubbles: true, cancelable: true });
    Object.defineProperty(event, 'clipboardData', { value: data });
    act(() => void box.dispatchEvent(event));
    return event;
  };
  const settle = () => act(async () => void (await new Promise((r) => setTimeout(r, 0))));

  it('uploads a pasted file with progress, then sends a reply with the file only', async () => {
    let finish: (a: Attachment) => void = () => {};
    let progress: (f: number) => void = () => {};
    const onUpload = vi.fn((_f: File, p: (f: number) => void) => {
      progress = p;
      return new Promise<Attachment>((resolve) => (finish = resolve));
    });
    const { props, box, key } = mount({ onUpload });
    expect(paste(box, { files: [], items: [] }).defaultPrevented).toBe(false); // text pastes as text
    expect(paste(box, { files: [file()], items: [] }).defaultPrevented).toBe(true);
    expect(onUpload).toHaveBeenCalledTimes(1);
    act(() => progress(0.5));
    expect((document.querySelector('.reply-files progress') as HTMLProgressElement).value).toBe(0.5);
    expect((document.querySelector('button[type=submit]') as HTMLButtonElement).disabled).toBe(true);
    key('Enter');
    expect(props.onSend).not.toHaveBeenCalled(); // still uploading
    finish(pdf);
    await settle();
    expect(document.querySelector('[role=status]')!.textContent).toContain('invoice.pdf attached');
    key('Enter');
    expect(props.onSend).toHaveBeenCalledWith('', [pdf]);
    expect(document.querySelector('.reply-files')).toBeNull();
  });

  it('says why a file was refused', async () => {
    const onUpload = vi.fn(() => Promise.reject(new ApiError(415, 'unsupported_media_type', 'no')));
    const { box } = mount({ onUpload });
    paste(box, { files: [file()], items: [] });
    await settle();
    expect(document.querySelector('[role=alert]')!.textContent).toMatch(/type of file cannot be sent/);
  });

  it('adds a note with a file only, and keeps the file when the note was not stored', async () => {
    const onUpload = vi.fn(() => Promise.resolve(pdf));
    const onNote = vi.fn().mockResolvedValueOnce(false).mockResolvedValueOnce(true);
    const { box, key } = mount({ mode: 'note', onUpload, onNote });
    expect([...document.querySelectorAll('button')].some((b) => b.textContent === 'Attach')).toBe(true);
    paste(box, { files: [file()], items: [] });
    await settle();
    key('Enter');
    await settle();
    expect(onNote).toHaveBeenLastCalledWith('', [pdf]);
    expect(document.querySelector('.reply-files')).not.toBeNull(); // refused: still there
    key('Enter');
    await settle();
    expect(onNote).toHaveBeenCalledTimes(2);
    expect(document.querySelector('.reply-files')).toBeNull();
  });
});
