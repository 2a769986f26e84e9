import { describe, expect, it } from 'vitest';
import { fillTemplate, insertCanned, matchCanned, slashQueryAt } from './canned';

const values = { 'visitor.name': 'Maria', 'visitor.email': 'maria@example.com', 'agent.name': 'Sam' };

describe('canned responses', () => {
  it('fills the variables of the contract', () => {
    expect(fillTemplate('Hi {{visitor.name}}, {{ agent.name }} here. We wrote to {{visitor.email}}.', values)).toBe(
      'Hi Maria, Sam here. We wrote to maria@example.com.',
    );
  });

  it('leaves a variable it cannot fill visible, and others alone', () => {
    expect(fillTemplate('Hi {{visitor.name}} {{order.id}}', { ...values, 'visitor.name': null })).toBe(
      'Hi {{visitor.name}} {{order.id}}',
    );
  });

  it('finds the /shortcut before the caret, only at the start of a word', () => {
    expect(slashQueryAt('/ref', 4)).toEqual({ start: 0, query: 'ref' });
    expect(slashQueryAt('Sure. /Ref', 10)).toEqual({ start: 6, query: 'ref' });
    expect(slashQueryAt('/', 1)).toEqual({ start: 0, query: '' });
    expect(slashQueryAt('and/or', 6)).toBeNull();
    expect(slashQueryAt('/ref now', 8)).toBeNull();
    expect(slashQueryAt('https://x', 9)).toBeNull();
  });

  it('ranks shortcuts that start with the query first', () => {
    const list = [
      { cannedResponseId: '1', shortcut: 'prefund', text: 'a' },
      { cannedResponseId: '2', shortcut: 'refund', text: 'b' },
      { cannedResponseId: '3', shortcut: 'hello', text: 'c' },
    ];
    expect(matchCanned(list, 'ref').map((c) => c.shortcut)).toEqual(['refund', 'prefund']);
    expect(matchCanned(list, '').map((c) => c.shortcut)).toEqual(['hello', 'prefund', 'refund']);
  });

  it('puts the response where the /shortcut was', () => {
    expect(insertCanned('Sure. /ref thanks', { start: 6, query: 'ref' }, 'Refunded.')).toEqual({
      text: 'Sure. Refunded. thanks',
      caret: 15,
    });
  });
});
