import { useEffect, useState } from 'preact/hooks';
import type { ConsoleController } from '../controller';
import type { State } from '../state';

/** The controller's state, re-rendering on every change. */
export function useControllerState(controller: ConsoleController): State {
  const [state, setState] = useState(controller.state);
  useEffect(() => {
    setState(controller.state);
    return controller.subscribe(setState);
  }, [controller]);
  return state;
}
