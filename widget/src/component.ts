// A Preact component that owns one widget for as long as it is mounted.

import { h } from 'preact';
import { useEffect, useRef } from 'preact/hooks';
import { mount, type WebChatInstance, type WidgetOptions } from './mount';

export interface ChatWidgetProps extends Omit<WidgetOptions, 'container'> {
  /** Receives the instance (open, close, identify, reset, on…) once it exists. */
  onReady?: (instance: WebChatInstance) => void;
}

export function ChatWidget(props: ChatWidgetProps) {
  const anchor = useRef<HTMLDivElement>(null);
  const instance = useRef<WebChatInstance | null>(null);
  const { onReady, ...options } = props;

  // Display options are read once; a different key or server is a new widget.
  useEffect(() => {
    const widget = mount({ ...options, container: anchor.current ?? undefined });
    instance.current = widget;
    onReady?.(widget);
    return () => {
      widget.destroy();
      instance.current = null;
    };
  }, [options.apiKey, options.serverUrl]);

  // The user may log in or out while the component stays mounted.
  const first = useRef(true);
  useEffect(() => {
    if (first.current) {
      first.current = false; // mount() already had the identity
      return;
    }
    if (props.userId) {
      instance.current?.identify({ userId: props.userId, userInfo: props.userInfo, userHash: props.userHash });
    } else {
      instance.current?.reset();
    }
  }, [props.userId, props.userHash]);

  return h('div', { ref: anchor, 'data-webchat-anchor': '' });
}
