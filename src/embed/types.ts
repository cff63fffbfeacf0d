/**
 * The one interface every text embedder implements. Rows are L2-normalized, so the dot product of two rows is
 * their cosine similarity.
 */
export interface Embedder {
  /** Model + version, e.g. 'lexical-v1' or 'transformers:Xenova/all-MiniLM-L6-v2'. Keys the embedding cache. */
  readonly id: string;
  readonly dim: number;
  /** One L2-normalized row per text, in order. */
  embed(texts: string[]): Promise<Float32Array[]>;
  /** Cosine similarity at or above which two texts count as "same content". */
  readonly defaultThreshold: number;
}
