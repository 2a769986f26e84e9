import { describe, expect, it } from 'vitest';
import { optionsFromScript } from './embed';

describe('optionsFromScript', () => {
  it('takes the server from the directory widget.js came from', () => {
    const options = optionsFromScript({
      src: 'https://chat.example.com/widget.js',
      base: 'https://chat.example.com/',
      dataset: { apiKey: 'pk_abc' },
    });
    expect(options).toEqual({ apiKey: 'pk_abc', serverUrl: 'https://chat.example.com' });
  });

  it('reads every data attribute, and data-server-url wins', () => {
    const options = optionsFromScript({
      src: 'https://cdn.example.com/widget.js',
      base: 'https://cdn.example.com/',
      dataset: {
        apiKey: 'pk_abc',
        serverUrl: 'https://chat.example.com',
        locale: 'fr',
        title: 'Aide',
        greeting: '',
        color: '#ff0066',
        position: 'left',
        hideLauncher: '',
        open: 'false',
      },
    });
    expect(options).toEqual({
      apiKey: 'pk_abc',
      serverUrl: 'https://chat.example.com',
      locale: 'fr',
      title: 'Aide',
      greeting: '',
      color: '#ff0066',
      position: 'left',
      hideLauncher: true,
      open: false,
    });
  });
});
