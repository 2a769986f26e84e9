import { describe, expect, it } from 'vitest';
import { watchPageUrl } from './navigation';

describe('watchPageUrl', () => {
  it('reports pushState, replaceState, popstate and hash changes, once each', () => {
    const urls: string[] = [];
    const stop = watchPageUrl(window, (url) => urls.push(url));
    history.pushState({}, '', '/products/1');
    history.replaceState({}, '', '/products/2');
    history.replaceState({}, '', '/products/2'); // no change, no report
    history.pushState({}, '', '/cart#top');
    window.dispatchEvent(new PopStateEvent('popstate'));
    expect(urls.map((u) => new URL(u).pathname + new URL(u).hash)).toEqual([
      '/products/1',
      '/products/2',
      '/cart#top',
    ]);
    stop();
    history.pushState({}, '', '/after-stop');
    expect(urls).toHaveLength(3);
  });

  it('keeps the host page’s history working', () => {
    const stop = watchPageUrl(window, () => undefined);
    const again = watchPageUrl(window, () => undefined); // a second widget wraps nothing twice
    history.pushState({ step: 3 }, '', '/checkout');
    expect(history.state).toEqual({ step: 3 });
    expect(location.pathname).toBe('/checkout');
    stop();
    again();
  });
});
