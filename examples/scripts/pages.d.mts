export interface GalleryPage {
  readonly id: string;
  readonly title: string;
  readonly blurb: string;
}
export declare const pages: readonly GalleryPage[];
export declare function renderPage(page: GalleryPage | null): string;
