import { useCallback, useRef } from 'react';

type Mutate<V> = (v: V, options: { onSettled: () => void }) => void;

/**
 * One request at a time among the mutations it guards: a second tap before React has re-rendered the disabled
 * buttons (a double tap) is ignored, not sent. The mutations' own state (isPending) disables the buttons from the
 * next render on.
 */
export function useSingleFlight(): <V>(mutate: Mutate<V>, v: V) => void {
  const inFlight = useRef(false);
  return useCallback(<V>(mutate: Mutate<V>, v: V) => {
    if (inFlight.current) return;
    inFlight.current = true;
    mutate(v, {
      onSettled: () => {
        inFlight.current = false;
      },
    });
  }, []);
}
