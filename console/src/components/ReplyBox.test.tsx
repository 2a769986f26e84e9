import { render } from 'preact';
import { act } from 'preact/test-utils';
import { afterEach, describe, expect, it, vi } from 'vitest';
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
    expect(props.onNote).toHaveBeenCalledWith('Customer is a VIP');
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
    expect(props.onSend).toHaveBeenCalledWith('Hi Maria, refunded.');
  });
});
