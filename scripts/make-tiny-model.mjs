#!/usr/bin/env node
// node scripts/make-tiny-model.mjs [OUT_DIR]      (default: fixtures/models/tiny-bert)
//
// Writes a tiny BERT-shaped model for tests, so that the real @huggingface/transformers feature-extraction
// pipeline runs offline (env.allowRemoteModels = false, env.localModelPath = fixtures/models):
//   config.json             model_type "bert", hidden_size 16
//   tokenizer.json          a WordPiece tokenizer (BertNormalizer, BertPreTokenizer, [CLS] … [SEP])
//   tokenizer_config.json   BertTokenizer, model_max_length 32
//   onnx/model.onnx         inputs input_ids, attention_mask, token_type_ids (int64 [batch, sequence]);
//                           output last_hidden_state (float [batch, sequence, 16])
//
// The "model" is one embedding layer, not a trained network:
//   last_hidden_state = tanh(word[input_ids] + position[cumsum(attention_mask) - 1] + type[token_type_ids])
// with weights from the closed formulas in tinyWeights() below, so a test can compute the expected sentence
// embedding by hand. The ONNX protobuf is written by the small encoder in this file (no Python, no onnx
// package); the output is byte-for-byte deterministic. The generated files are committed: tests never run this.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const HIDDEN = 16;
export const MAX_POSITIONS = 32;
export const TYPE_VOCAB = 2;

const SPECIAL = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]'];
const WORDS = [
  'how', 'do', 'i', 'what', 'is', 'the', 'a', 'to', 'in', 'python', 'list', 'comprehension', '##s', 'work', 'hello',
  'world', 'thanks', 'ok', 'cache', 'model', 'cost', 'price', 'router', 'weather', 'today', 'code', 'explain',
];
const LETTERS = 'abcdefghijklmnopqrstuvwxyz0123456789';
const PUNCT = '.,!?\'"-:;()';

/** The vocabulary in id order: specials, whole words, then single characters and ##characters so any text tokenizes. */
export function tinyVocab() {
  const vocab = [...SPECIAL, ...WORDS];
  for (const c of LETTERS) if (!vocab.includes(c)) vocab.push(c);
  for (const c of LETTERS) if (!vocab.includes(`##${c}`)) vocab.push(`##${c}`);
  for (const c of PUNCT) vocab.push(c);
  return vocab;
}

/** Closed-form weights, rounded to float32 (the ONNX tensors hold exactly these values). */
export function tinyWeights(vocabSize = tinyVocab().length) {
  const word = new Float32Array(vocabSize * HIDDEN);
  const position = new Float32Array(MAX_POSITIONS * HIDDEN);
  const type = new Float32Array(TYPE_VOCAB * HIDDEN);
  for (let t = 0; t < vocabSize; t++) for (let j = 0; j < HIDDEN; j++) word[t * HIDDEN + j] = 0.8 * Math.sin(0.7 * t + 1.3 * j + 0.05 * t * j);
  for (let p = 0; p < MAX_POSITIONS; p++) for (let j = 0; j < HIDDEN; j++) position[p * HIDDEN + j] = 0.1 * Math.cos(0.9 * p + 0.4 * j);
  for (let s = 0; s < TYPE_VOCAB; s++) for (let j = 0; j < HIDDEN; j++) type[s * HIDDEN + j] = 0.05 * (s === 0 ? 1 : -1) * Math.sin(j + 1);
  return { word, position, type };
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

export function tinyOnnx(vocabSize) {
  const { word, position, type } = tinyWeights(vocabSize);
  const seq = ['batch_size', 'sequence_length'];
  const graph = Buffer.concat([
    // Position ids count real tokens: 0, 1, 2, … (padding repeats the last id; it is masked out by pooling).
    node('positions_cumsum', 'CumSum', ['attention_mask', 'axis_one'], ['mask_cumsum']),
    node('positions_ids', 'Sub', ['mask_cumsum', 'int_one'], ['position_ids']),
    node('word_lookup', 'Gather', ['word_embeddings', 'input_ids'], ['word_vectors'], { axis: 0 }),
    node('position_lookup', 'Gather', ['position_embeddings', 'position_ids'], ['position_vectors'], { axis: 0 }),
    node('type_lookup', 'Gather', ['token_type_embeddings', 'token_type_ids'], ['type_vectors'], { axis: 0 }),
    node('add_positions', 'Add', ['word_vectors', 'position_vectors'], ['sum_1']),
    node('add_types', 'Add', ['sum_1', 'type_vectors'], ['sum_2']),
    node('activation', 'Tanh', ['sum_2'], ['last_hidden_state']),
    str(2, 'tiny-bert'),
    tensor(5, 'word_embeddings', [vocabSize, HIDDEN], FLOAT, word),
    tensor(5, 'position_embeddings', [MAX_POSITIONS, HIDDEN], FLOAT, position),
    tensor(5, 'token_type_embeddings', [TYPE_VOCAB, HIDDEN], FLOAT, type),
    tensor(5, 'axis_one', [], INT64, new BigInt64Array([1n])),
    tensor(5, 'int_one', [], INT64, new BigInt64Array([1n])),
    valueInfo(11, 'input_ids', INT64, seq),
    valueInfo(11, 'attention_mask', INT64, seq),
    valueInfo(11, 'token_type_ids', INT64, seq),
    valueInfo(12, 'last_hidden_state', FLOAT, [...seq, HIDDEN]),
  ]);
  // ModelProto: ir_version = 1, producer_name = 2, graph = 7, opset_import = 8 { domain = 1, version = 2 }.
  return Buffer.concat([int(1, 8), str(2, 'routecheck make-tiny-model'), bytes(7, graph), msg(8, str(1, ''), int(2, 17))]);
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

export function writeTinyModel(outDir) {
  const vocab = tinyVocab();
  mkdirSync(join(outDir, 'onnx'), { recursive: true });
  const json = (value) => JSON.stringify(value, null, 1) + '\n';
  writeFileSync(
    join(outDir, 'config.json'),
    json({
      _comment: 'Tiny BERT-shaped test model written by scripts/make-tiny-model.mjs; not a trained model.',
      architectures: ['BertModel'],
      model_type: 'bert',
      hidden_size: HIDDEN,
      num_hidden_layers: 1,
      num_attention_heads: 1,
      intermediate_size: HIDDEN,
      max_position_embeddings: MAX_POSITIONS,
      type_vocab_size: TYPE_VOCAB,
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
  writeFileSync(join(outDir, 'onnx', 'model.onnx'), tinyOnnx(vocab.length));
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
  const out = resolve(process.argv[2] ?? join(root, 'fixtures', 'models', 'tiny-bert'));
  writeTinyModel(out);
  console.log(`wrote ${out}`);
}
