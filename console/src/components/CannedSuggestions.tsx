// The canned responses matching the `/shortcut` being typed, as a listbox
// under the reply box; the textarea keeps focus and points at the active
// option (aria-activedescendant), arrows move, Enter or Tab chooses.
import { preview } from '../lib/format';
import type { CannedResponse } from '../lib/types';

export const CANNED_LIST_ID = 'canned-list';

export function cannedOptionId(index: number): string {
  return `canned-option-${index}`;
}

export interface CannedSuggestionsProps {
  matches: CannedResponse[];
  active: number;
  onChoose: (response: CannedResponse) => void;
}

export function CannedSuggestions({ matches, active, onChoose }: CannedSuggestionsProps) {
  return (
    <ul id={CANNED_LIST_ID} class="canned" role="listbox" aria-label="Canned responses">
      {matches.map((r, i) => (
        <li
          key={r.cannedResponseId}
          id={cannedOptionId(i)}
          role="option"
          aria-selected={i === active}
          class={i === active ? 'active' : ''}
          // mousedown, not click: the textarea must not lose focus first.
          onMouseDown={(e) => {
            e.preventDefault();
            onChoose(r);
          }}
        >
          <span class="canned-shortcut">/{r.shortcut}</span>
          <span class="canned-text">{preview(r.text, 90)}</span>
        </li>
      ))}
    </ul>
  );
}
