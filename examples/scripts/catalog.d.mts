export interface CatalogModel {
  readonly id: string;
  readonly name: string;
  /** An ONNX file, or (for a Hugging Face model folder) absent, with `folder` set. */
  readonly file?: string;
  readonly folder?: string;
  readonly config: Record<string, unknown>;
}
export interface CatalogImage {
  readonly id: string;
  readonly name: string;
  readonly file: string;
}
export interface Catalog {
  readonly models: readonly CatalogModel[];
  readonly images: readonly CatalogImage[];
}
export interface CatalogIndex {
  readonly models: readonly {
    id: string;
    name: string;
    url: string;
    config: Record<string, unknown>;
  }[];
  readonly images: readonly { id: string; name: string; url: string }[];
}
export declare const repoRoot: string;
export declare function modelsDir(env?: NodeJS.ProcessEnv): string | undefined;
export declare function findCatalog(env?: NodeJS.ProcessEnv): Catalog;
export declare function catalogRoutes(catalog?: Catalog): {
  index: CatalogIndex;
  files: Record<string, string>;
};
