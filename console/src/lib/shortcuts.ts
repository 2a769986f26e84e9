// The console's keyboard shortcuts, in one table: the help overlay (`?`)
// lists it, and `shortcutFor` maps a key press to an action. Single keys act
// only when focus is not in a text field; Alt+arrows act everywhere, so an
// agent can move between conversations from the reply box.

export type ShortcutAction =
  | 'next'
  | 'previous'
  | 'assignToMe'
  | 'close'
  | 'focusReply'
  | 'noteMode'
  | 'focusSearch'
  | 'help';

export interface Shortcut {
  action: ShortcutAction;
  keys: string[];
  description: string;
}

export const SHORTCUTS: Shortcut[] = [
  { action: 'next', keys: ['j', 'Alt+↓'], description: 'Next conversation' },
  { action: 'previous', keys: ['k', 'Alt+↑'], description: 'Previous conversation' },
  { action: 'assignToMe', keys: ['a'], description: 'Assign the open conversation to me' },
  { action: 'close', keys: ['c'], description: 'Close the open conversation' },
  { action: 'focusReply', keys: ['r'], description: 'Write a reply' },
  { action: 'noteMode', keys: ['n'], description: 'Write an internal note' },
  { action: 'focusSearch', keys: ['/'], description: 'Search conversations' },
  { action: 'help', keys: ['?'], description: 'Show these shortcuts' },
];

const SINGLE_KEYS: Record<string, ShortcutAction> = {
  j: 'next',
  k: 'previous',
  a: 'assignToMe',
  c: 'close',
  r: 'focusReply',
  n: 'noteMode',
  '/': 'focusSearch',
  '?': 'help',
};

export interface KeyPress {
  key: string;
  altKey: boolean;
  ctrlKey: boolean;
  metaKey: boolean;
  shiftKey?: boolean;
}

/** `inTextField`: focus is in an input, textarea, select or editable element. */
export function shortcutFor(e: KeyPress, inTextField: boolean): ShortcutAction | null {
  if (e.ctrlKey || e.metaKey) return null;
  if (e.altKey) {
    if (e.key === 'ArrowDown') return 'next';
    if (e.key === 'ArrowUp') return 'previous';
    return null;
  }
  if (inTextField) return null;
  return SINGLE_KEYS[e.key] ?? null;
}

export function isTextField(el: Element | null): boolean {
  if (!el) return false;
  const tag = el.tagName;
  if (tag === 'TEXTAREA' || tag === 'SELECT') return true;
  if (tag === 'INPUT') {
    const type = (el as HTMLInputElement).type;
    return !['button', 'checkbox', 'radio', 'submit', 'reset'].includes(type);
  }
  return (el as HTMLElement).isContentEditable === true;
}

/** The conversation after (or before) `current` in `ids`, wrapping at neither end. */
export function neighbour(ids: string[], current: string | null, step: 1 | -1): string | null {
  if (ids.length === 0) return null;
  const at = current === null ? -1 : ids.indexOf(current);
  if (at === -1) return step === 1 ? (ids[0] ?? null) : (ids[ids.length - 1] ?? null);
  return ids[at + step] ?? null;
}
