/** A package.json as packed (the fields the checks read). */
export interface PackedManifest {
  name: string;
  version: string;
  [field: string]: unknown;
}

/** One tarball: the workspace package, the packer, and what is inside. */
export interface Packed {
  /** Folder under `packages/`. */
  readonly dir: string;
  readonly name: string;
  readonly version: string;
  readonly packer: 'pnpm' | 'npm';
  /** Absolute path of the `.tgz`. */
  readonly tarball: string;
  /** The package.json inside the tarball. */
  readonly manifest: PackedManifest;
  /** Paths inside the tarball without `package/`, sorted. */
  readonly files: readonly string[];
}

export declare const repoRoot: string;
export declare const packers: readonly ['pnpm', 'npm'];
export declare function run(
  command: string,
  args: readonly string[],
  cwd: string,
  env?: NodeJS.ProcessEnv,
): Promise<{ stdout: string; stderr: string }>;
export declare function workspacePackages(): Promise<
  { dir: string; name: string; version: string }[]
>;
export declare function packPackages(
  packer: 'pnpm' | 'npm',
  destination: string,
  dirs?: readonly string[],
): Promise<Packed[]>;
export declare function namedFiles(manifest: PackedManifest): string[];
export declare function packageProblems(
  packed: Packed,
  versions: Readonly<Record<string, string>>,
): string[];
export declare function packerDifferences(a: Packed, b: Packed): string[];
export declare function publishDryRun(tarball: string): Promise<string[]>;
export declare function releaseCheck(
  destination?: string,
): Promise<{ packs: Record<'pnpm' | 'npm', Packed[]>; problems: string[] }>;
