export interface RenderOptions {
  color: boolean;
  /** Terminal width the output must fit in. */
  width: number;
}
