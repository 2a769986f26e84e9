// <web-chat api-key="pk_…"> as a custom element: usable from React, Vue or plain HTML.

import { mount, type WebChatInstance, type WidgetOptions } from './mount';

const ATTRIBUTES = [
  'api-key',
  'server-url',
  'locale',
  'title',
  'greeting',
  'offline-greeting',
  'color',
  'position',
  'hide-launcher',
  'open',
];

function optionsFrom(element: HTMLElement): WidgetOptions {
  const read = (name: string): string | undefined => element.getAttribute(name) ?? undefined;
  const position = read('position');
  return {
    apiKey: read('api-key') ?? '',
    serverUrl: read('server-url'),
    locale: read('locale'),
    title: read('title'),
    greeting: read('greeting'),
    offlineGreeting: read('offline-greeting'),
    color: read('color'),
    // Absent: the tenant's setting.
    position: position === 'left' || position === 'right' ? position : undefined,
    hideLauncher: element.hasAttribute('hide-launcher'),
    open: element.hasAttribute('open'),
    container: element,
  };
}

export function defineWebChatElement(tagName = 'web-chat'): void {
  if (customElements.get(tagName)) return;
  customElements.define(
    tagName,
    class extends HTMLElement {
      static observedAttributes = ATTRIBUTES;
      instance: WebChatInstance | null = null;

      connectedCallback(): void {
        if (!this.instance && this.getAttribute('api-key')) this.instance = mount(optionsFrom(this));
      }

      disconnectedCallback(): void {
        this.instance?.destroy();
        this.instance = null;
      }

      attributeChangedCallback(): void {
        // Any change rebuilds the widget; attributes rarely change after load.
        if (!this.isConnected) return;
        this.disconnectedCallback();
        this.connectedCallback();
      }
    },
  );
}
