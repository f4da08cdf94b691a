/**
 * The part of the standard `AbortSignal` fv uses. Core declares it structurally so that it needs
 * no DOM or Node type library; a real `AbortSignal` always fits.
 */
export interface AbortSignalLike {
  readonly aborted: boolean;
  readonly reason?: unknown;
  addEventListener(type: 'abort', listener: () => void, options?: { once?: boolean }): void;
  removeEventListener(type: 'abort', listener: () => void): void;
}
