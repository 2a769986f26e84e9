// The ES module entry, for sites that bundle their own front end.
//
//   import { mount } from 'webchat-widget';           // any framework
//   const chat = mount({ apiKey: 'pk_…', serverUrl: 'https://chat.example.com' });
//
//   import { ChatWidget } from 'webchat-widget';      // Preact (React via preact/compat)
//   <ChatWidget apiKey="pk_…" serverUrl="https://chat.example.com" />
//
//   import { defineWebChatElement } from 'webchat-widget';  // React, Vue, plain HTML
//   defineWebChatElement();  <web-chat api-key="pk_…" server-url="…"></web-chat>

export { mount, textColorFor, type WebChatInstance, type WidgetOptions } from './mount';
export { ChatWidget, type ChatWidgetProps } from './component';
export { defineWebChatElement } from './element';
export { ChatController, type ChatState, type ViewMessage, type WebChatEvents } from './chat';
export { ChatAPI, ChatError, type ChatMessage } from './lib/api';
export { ChatWebSocket } from './lib/ws';
export { SessionManager, type Identity } from './lib/session';
