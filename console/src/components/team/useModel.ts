// The state of one of the Team page's controllers, and (useFocus) its focus
// requests carried out after each render that makes one.
import { useEffect, useState } from 'preact/hooks';
import type { FocusRequest, Model } from '../../team/model';

export function useModel<S extends { focus: FocusRequest<F> | null }, F>(model: Model<S, F>): S {
  const [state, setState] = useState(model.state);
  useEffect(() => {
    setState(model.state);
    return model.subscribe(setState);
  }, [model]);
  return state;
}

export function useFocus<F>(focus: FocusRequest<F> | null, idOf: (target: F) => string): void {
  useEffect(() => {
    if (focus) document.getElementById(idOf(focus.target))?.focus();
  }, [focus?.seq]);
}
