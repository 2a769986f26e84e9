// The keyboard shortcuts, as a modal dialog: opened with `?` or the top
// bar's button, closed with Escape or its button; focus goes in and comes back.
import { useEffect, useRef } from 'preact/hooks';
import { SHORTCUTS } from '../lib/shortcuts';

export function HelpOverlay({ onClose }: { onClose: () => void }) {
  const closeButton = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    const before = document.activeElement as HTMLElement | null;
    closeButton.current?.focus();
    return () => before?.focus?.();
  }, []);

  return (
    <div class="overlay" onClick={(e) => e.target === e.currentTarget && onClose()}>
      <div
        class="dialog"
        role="dialog"
        aria-modal="true"
        aria-labelledby="help-title"
        onKeyDown={(e) => {
          if (e.key === 'Escape' || e.key === '?') {
            e.preventDefault();
            e.stopPropagation();
            onClose();
          }
          // The one control: Tab stays on it.
          if (e.key === 'Tab') {
            e.preventDefault();
            closeButton.current?.focus();
          }
        }}
      >
        <h2 id="help-title">Keyboard shortcuts</h2>
        <table class="shortcuts">
          <tbody>
            {SHORTCUTS.map((s) => (
              <tr key={s.action}>
                <th scope="row">
                  {s.keys.map((k, i) => (
                    <span key={k}>
                      {i > 0 && ' or '}
                      <kbd>{k}</kbd>
                    </span>
                  ))}
                </th>
                <td>{s.description}</td>
              </tr>
            ))}
            <tr>
              <th scope="row">
                <kbd>Enter</kbd> / <kbd>Shift+Enter</kbd>
              </th>
              <td>In the reply box: send / new line</td>
            </tr>
            <tr>
              <th scope="row">
                <kbd>/shortcut</kbd>
              </th>
              <td>In the reply box: a canned response (↑ ↓ to choose, Enter or Tab to insert)</td>
            </tr>
            <tr>
              <th scope="row">
                <kbd>Esc</kbd>
              </th>
              <td>Close this list, a menu, or the canned responses</td>
            </tr>
          </tbody>
        </table>
        <p class="muted">Single keys work when the focus is not in a text field.</p>
        <button ref={closeButton} type="button" class="primary" onClick={onClose}>
          Close
        </button>
      </div>
    </div>
  );
}
