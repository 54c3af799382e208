// The width of an element, kept up to date, for charts drawn at their real pixel size (so text in
// them is never stretched).
import { useLayoutEffect, useState, type RefObject } from 'react';

export function useWidth(ref: RefObject<HTMLElement | null>, fallback = 600): number {
  const [width, setWidth] = useState(fallback);
  useLayoutEffect(() => {
    const element = ref.current;
    if (!element) return;
    const observer = new ResizeObserver(() => setWidth(element.clientWidth || fallback));
    observer.observe(element);
    setWidth(element.clientWidth || fallback);
    return () => observer.disconnect();
  }, [ref, fallback]);
  return width;
}
