/** Builds the gallery into examples/dist and returns that folder. */
export declare function buildGallery(options?: { minify?: boolean }): Promise<string>;
