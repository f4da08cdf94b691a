// Reading the fixtures of tools/*.py: a manifest.json and a data.bin of little-endian float32
// arrays at byte offsets, in a folder under test/fixtures/.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The manifest of `test/fixtures/<name>/` and a reader of its float arrays. */
export function readFixture<M>(name: string): {
  manifest: M;
  floats: (offset: number, dims: readonly number[]) => Float32Array;
  /** Another file of the folder, as bytes. */
  file: (name: string) => Uint8Array;
} {
  const dir = fileURLToPath(new URL(`../../../../test/fixtures/${name}/`, import.meta.url));
  const manifest = JSON.parse(readFileSync(`${dir}manifest.json`, 'utf8')) as M;
  const bin = readFileSync(`${dir}data.bin`);
  const floats = (offset: number, dims: readonly number[]) =>
    new Float32Array(
      bin.buffer.slice(
        bin.byteOffset + offset,
        bin.byteOffset + offset + 4 * dims.reduce((a, b) => a * b, 1),
      ),
    );
  return { manifest, floats, file: (f) => new Uint8Array(readFileSync(`${dir}${f}`)) };
}
