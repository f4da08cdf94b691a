// Which buffers a message can transfer instead of copying.

/** The buffer of `data`, when `data` spans all of it (so it can be transferred as is). */
export function ownedBuffer(data: ArrayBufferView): ArrayBuffer | undefined {
  const buffer = data.buffer;
  if (!(buffer instanceof ArrayBuffer)) return undefined;
  return data.byteOffset === 0 && data.byteLength === buffer.byteLength ? buffer : undefined;
}

/** `data` when it owns its buffer, otherwise a copy that does. */
export function ownedCopy(data: Float32Array): Float32Array {
  return ownedBuffer(data) ? data : data.slice();
}

/**
 * Every buffer that a value's typed arrays own, under plain objects and arrays a few levels deep
 * (tensors, maps, frames, results), each once: the transfer list of a message carrying it.
 */
export function transferables(
  value: unknown,
  into = new Set<ArrayBuffer>(),
  depth = 0,
): ArrayBuffer[] {
  if (ArrayBuffer.isView(value)) {
    const buffer = ownedBuffer(value);
    if (buffer) into.add(buffer);
  } else if (value && typeof value === 'object' && depth < 4) {
    for (const v of Object.values(value)) transferables(v, into, depth + 1);
  }
  return [...into];
}
