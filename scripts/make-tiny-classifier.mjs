#!/usr/bin/env node
// node scripts/make-tiny-classifier.mjs [OUT_DIR]      (default: fixtures/models/tiny-classifier)
//
// Writes a tiny BERT-shaped text-classification model for tests, so that the real @huggingface/transformers
// `text-classification` pipeline runs offline on it (routecheck's --classifier model:DIR):
//   config.json             model_type "bert", BertForSequenceClassification, id2label {0: simple, 1: medium, 2: hard}
//   tokenizer.json          a WordPiece tokenizer (BertNormalizer, BertPreTokenizer, [CLS] … [SEP])
//   tokenizer_config.json   BertTokenizer, model_max_length 64
//   onnx/model.onnx         inputs input_ids, attention_mask, token_type_ids (int64 [batch, sequence]);
//                           output logits (float [batch, 3])
//
// The "model" is a bag of cue words, not a trained network:
//   logits = BIAS + Σ over real tokens of CUE[token]
// where a SIMPLE_CUES word adds 2 to the simple logit, a MEDIUM_CUES word 2 to medium, a HARD_CUES word 2 to
// hard, and every other token (specials, single characters of unknown words) adds nothing; BIAS = [0.5, 0, 0],
// so a text without cues is `simple`. A test can therefore say by hand which label a text gets. The ONNX
// protobuf is written by the small encoder below (no Python, no onnx package); the output is byte-for-byte
// deterministic. The generated files are committed: tests never run this.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const LABELS = ['simple', 'medium', 'hard'];
export const SIMPLE_CUES = ['hello', 'hi', 'thanks', 'ok', 'bye', 'yes', 'no', 'weather', 'cool'];
export const MEDIUM_CUES = ['explain', 'summarize', 'code', 'python', 'function', 'bug', 'fix', 'email'];
export const HARD_CUES = ['prove', 'theorem', 'design', 'architecture', 'essay', 'derive', 'optimize', 'step'];
export const CUE_WEIGHT = 2;
export const BIAS = [0.5, 0, 0];
const MAX_POSITIONS = 64;

const SPECIAL = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]'];
const LETTERS = 'abcdefghijklmnopqrstuvwxyz0123456789';
const PUNCT = '.,!?\'"-:;()';

/** The vocabulary in id order: specials, cue words, then single characters and ##characters so any text tokenizes. */
export function classifierVocab() {
  const vocab = [...SPECIAL, ...SIMPLE_CUES, ...MEDIUM_CUES, ...HARD_CUES];
  for (const c of LETTERS) if (!vocab.includes(c)) vocab.push(c);
  for (const c of LETTERS) vocab.push(`##${c}`);
  for (const c of PUNCT) vocab.push(c);
  return vocab;
}

/** CUE[token] as a [vocab, 3] float32 matrix. */
export function cueWeights(vocab = classifierVocab()) {
  const w = new Float32Array(vocab.length * LABELS.length);
  vocab.forEach((token, t) => {
    const label = SIMPLE_CUES.includes(token) ? 0 : MEDIUM_CUES.includes(token) ? 1 : HARD_CUES.includes(token) ? 2 : -1;
    if (label >= 0) w[t * LABELS.length + label] = CUE_WEIGHT;
  });
  return w;
}

// ---- A minimal protobuf writer: just the wire types ONNX's ModelProto needs. ----

function varint(value) {
  let v = BigInt.asUintN(64, BigInt(value));
  const out = [];
  do {
    let byte = Number(v & 0x7fn);
    v >>= 7n;
    if (v !== 0n) byte |= 0x80;
    out.push(byte);
  } while (v !== 0n);
  return Buffer.from(out);
}
const key = (field, wire) => varint((field << 3) | wire);
const int = (field, value) => Buffer.concat([key(field, 0), varint(value)]);
const bytes = (field, buf) => Buffer.concat([key(field, 2), varint(buf.length), buf]);
const str = (field, s) => bytes(field, Buffer.from(s, 'utf8'));
const msg = (field, ...parts) => bytes(field, Buffer.concat(parts));

const FLOAT = 1;
const INT64 = 7;
const ATTR_INT = 2;

// TensorProto: dims = 1, data_type = 2, name = 8, raw_data = 9.
function tensor(field, name, dims, dataType, raw) {
  return msg(field, ...dims.map((d) => int(1, d)), int(2, dataType), str(8, name), bytes(9, Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength)));
}

// ValueInfoProto { name = 1, type = 2 { tensor_type = 1 { elem_type = 1, shape = 2 { dim = 1 { dim_value = 1 | dim_param = 2 } } } } }.
function valueInfo(field, name, elemType, dims) {
  const shape = dims.map((d) => msg(1, typeof d === 'number' ? int(1, d) : str(2, d)));
  return msg(field, str(1, name), msg(2, msg(1, int(1, elemType), msg(2, ...shape))));
}

// NodeProto: input = 1, output = 2, name = 3, op_type = 4, attribute = 5 { name = 1, i = 3, type = 20 }.
function node(name, op, inputs, outputs, attrs = {}) {
  const attributes = Object.entries(attrs).map(([k, v]) => msg(5, str(1, k), int(3, v), int(20, ATTR_INT)));
  return msg(1, ...inputs.map((i) => str(1, i)), ...outputs.map((o) => str(2, o)), str(3, name), str(4, op), ...attributes);
}

export function classifierOnnx(vocab = classifierVocab()) {
  const seq = ['batch_size', 'sequence_length'];
  const n = LABELS.length;
  const graph = Buffer.concat([
    node('cue_lookup', 'Gather', ['cue_weights', 'input_ids'], ['token_scores'], { axis: 0 }),
    // token_type_ids take part (all zeros in the table) so that the graph uses every input the pipeline feeds.
    node('type_lookup', 'Gather', ['type_weights', 'token_type_ids'], ['type_scores'], { axis: 0 }),
    node('add_types', 'Add', ['token_scores', 'type_scores'], ['scores']),
    node('mask_float', 'Cast', ['attention_mask'], ['mask_f'], { to: FLOAT }),
    node('mask_unsqueeze', 'Unsqueeze', ['mask_f', 'axis_two'], ['mask_3d']),
    node('mask_scores', 'Mul', ['scores', 'mask_3d'], ['masked']),
    node('pool', 'ReduceSum', ['masked', 'axis_one'], ['pooled'], { keepdims: 0 }),
    node('add_bias', 'Add', ['pooled', 'bias'], ['logits']),
    str(2, 'tiny-classifier'),
    tensor(5, 'cue_weights', [vocab.length, n], FLOAT, cueWeights(vocab)),
    tensor(5, 'type_weights', [2, n], FLOAT, new Float32Array(2 * n)),
    tensor(5, 'bias', [n], FLOAT, Float32Array.from(BIAS)),
    tensor(5, 'axis_one', [1], INT64, new BigInt64Array([1n])),
    tensor(5, 'axis_two', [1], INT64, new BigInt64Array([2n])),
    valueInfo(11, 'input_ids', INT64, seq),
    valueInfo(11, 'attention_mask', INT64, seq),
    valueInfo(11, 'token_type_ids', INT64, seq),
    valueInfo(12, 'logits', FLOAT, ['batch_size', n]),
  ]);
  // ModelProto: ir_version = 1, producer_name = 2, graph = 7, opset_import = 8 { domain = 1, version = 2 }.
  return Buffer.concat([int(1, 8), str(2, 'routecheck make-tiny-classifier'), bytes(7, graph), msg(8, str(1, ''), int(2, 17))]);
}

function tokenizerJson(vocab) {
  const ids = Object.fromEntries(vocab.map((t, i) => [t, i]));
  const special = (id) => ({ id, type_id: 0 });
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: SPECIAL.map((content) => ({ id: ids[content], content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true })),
    normalizer: { type: 'BertNormalizer', clean_text: true, handle_chinese_chars: true, strip_accents: null, lowercase: true },
    pre_tokenizer: { type: 'BertPreTokenizer' },
    post_processor: {
      type: 'TemplateProcessing',
      single: [{ SpecialToken: special('[CLS]') }, { Sequence: { id: 'A', type_id: 0 } }, { SpecialToken: special('[SEP]') }],
      pair: [
        { SpecialToken: special('[CLS]') },
        { Sequence: { id: 'A', type_id: 0 } },
        { SpecialToken: special('[SEP]') },
        { Sequence: { id: 'B', type_id: 1 } },
        { SpecialToken: { id: '[SEP]', type_id: 1 } },
      ],
      special_tokens: {
        '[CLS]': { id: '[CLS]', ids: [ids['[CLS]']], tokens: ['[CLS]'] },
        '[SEP]': { id: '[SEP]', ids: [ids['[SEP]']], tokens: ['[SEP]'] },
      },
    },
    decoder: { type: 'WordPiece', prefix: '##', cleanup: true },
    model: { type: 'WordPiece', unk_token: '[UNK]', continuing_subword_prefix: '##', max_input_chars_per_word: 100, vocab: ids },
  };
}

export function writeTinyClassifier(outDir) {
  const vocab = classifierVocab();
  mkdirSync(join(outDir, 'onnx'), { recursive: true });
  const json = (value) => JSON.stringify(value, null, 1) + '\n';
  writeFileSync(
    join(outDir, 'config.json'),
    json({
      _comment: 'Tiny BERT-shaped text-classification test model written by scripts/make-tiny-classifier.mjs; a bag of cue words, not a trained model.',
      architectures: ['BertForSequenceClassification'],
      model_type: 'bert',
      problem_type: 'single_label_classification',
      id2label: Object.fromEntries(LABELS.map((l, i) => [String(i), l])),
      label2id: Object.fromEntries(LABELS.map((l, i) => [l, i])),
      hidden_size: LABELS.length,
      num_hidden_layers: 1,
      num_attention_heads: 1,
      intermediate_size: LABELS.length,
      max_position_embeddings: MAX_POSITIONS,
      type_vocab_size: 2,
      vocab_size: vocab.length,
      pad_token_id: 0,
    }),
  );
  writeFileSync(join(outDir, 'tokenizer.json'), json(tokenizerJson(vocab)));
  writeFileSync(
    join(outDir, 'tokenizer_config.json'),
    json({
      tokenizer_class: 'BertTokenizer',
      do_lower_case: true,
      model_max_length: MAX_POSITIONS,
      cls_token: '[CLS]',
      sep_token: '[SEP]',
      pad_token: '[PAD]',
      unk_token: '[UNK]',
      mask_token: '[MASK]',
      clean_up_tokenization_spaces: true,
      strip_accents: null,
      tokenize_chinese_chars: true,
    }),
  );
  writeFileSync(join(outDir, 'onnx', 'model.onnx'), classifierOnnx(vocab));
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
  const out = resolve(process.argv[2] ?? join(root, 'fixtures', 'models', 'tiny-classifier'));
  writeTinyClassifier(out);
  console.log(`wrote ${out}`);
}
