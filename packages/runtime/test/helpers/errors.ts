import type { FvError } from '@fv/core';

/** The error a promise rejects with; fails the test when it resolves. */
export async function rejection(promise: Promise<unknown>): Promise<FvError> {
  try {
    await promise;
  } catch (error) {
    return error as FvError;
  }
  throw new Error('expected a rejection');
}
