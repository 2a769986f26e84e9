import { render } from 'preact';
import { act } from 'preact/test-utils';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { useShortcuts } from './useShortcuts';

function Keys({ run, enabled }: { run: (action: string) => boolean; enabled: boolean }): null {
  useShortcuts(run, enabled);
  return null;
}

const press = (key: string): void => {
  document.body.dispatchEvent(new KeyboardEvent('keydown', { key, bubbles: true }));
};

afterEach(() => {
  act(() => render(null, document.body));
});

describe('useShortcuts', () => {
  it('ignores keys while disabled', () => {
    const run = vi.fn(() => true);
    act(() => render(<Keys run={run} enabled={false} />, document.body));
    press('j');
    expect(run).not.toHaveBeenCalled();
  });

  it('takes a key pressed right after it is enabled again, before effects have run', () => {
    const run = vi.fn(() => true);
    act(() => render(<Keys run={run} enabled={false} />, document.body));
    // A dialog closing: the render is committed, its effects are not flushed yet.
    render(<Keys run={run} enabled />, document.body);
    press('k');
    expect(run).toHaveBeenCalledWith('previous');
  });
});
