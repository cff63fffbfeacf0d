import type { Classifier, ClassifierAnswer } from './types.js';

/**
 * `--classifier rules`: transparent, built-in heuristics that say which tier (simple, medium, hard) a
 * request needed, with no model and no data. Every decision names the rule that made it, so a surprising
 * answer can be traced to one line here. The first rule that applies wins:
 *
 *  1. empty          no text                                                                   → simple
 *  2. chit-chat      ≤ 8 words, all from the greeting/thanks/yes-no/bye lexicon, no digits      → simple
 *  3. proof          prove, proof, theorem, lemma, derive, rigorous                             → hard
 *  4. step-by-step   step by step, multi-step, show your work, walk me through, justify         → hard
 *  5. math           notation (`x+y = 4z`, `4x^3`, `f(x)`, `|x+5| <`, LaTeX) or vocabulary
 *                    (probability, integral, equation, inequality, matrix, isomorphism, …)      → hard
 *  6. long-form      essay, story, poem, lyrics, blog post, article, speech, design doc, proposal,
 *                    lesson/business plan, "creative", "persuasive", "vivid", "N words" (N ≥ 150) → hard
 *  7. role-play      act as, pretend to be, imagine you are, take on the role, embody           → hard
 *  8. design         design a…, system design, architecture, scalable, distributed, roadmap,
 *                    strategy, migration plan, threat model, security review, race condition    → hard
 *  9. build-code     write/implement/build/create … program, function, class, script, app, website,
 *                    game, bot, component, … (within 4 words), or "create … in Python/Rust/…";
 *                    not for a short how-to question ("how do I create a class in Go?")          → hard
 * 10. code-hard      code (``` fence, source lines, SQL, stack trace) + optimize, refactor,
 *                    concurrency, performance, complexity, scale                                → hard
 * 11. code-long      code in a text over 800 characters                                        → hard
 * 12. long           over 1,500 characters or 250 words → hard; `long-light` → medium when the
 *                    task is to summarize, translate, extract, proofread, classify or count
 * 13. code           code or a stack trace                                                      → medium
 * 14. multi-part     3 or more asks (question marks, numbered or bulleted items)                → medium
 * 15. numbers        3 or more numbers in more than 6 words (a word problem)                    → medium
 * 16. multi-sentence 3 or more sentences                                                        → medium
 * 17. task          more than 6 words with a task verb (explain, summarize, rewrite, compare,
 *                    draft, review, fix, debug, analyze, write, create, calculate, …); not for a
 *                    short how-to question                                                      → medium
 * 18. wordy          more than 40 words                                                         → medium
 * 19. short          anything else: a short question or command                                 → simple
 *
 * Cues are matched case-insensitively in the first 6,000 characters; lengths count the whole text, and a CJK
 * character counts as a word. The cues are English: a short prompt in another language ends at `short`.
 * What the rules cannot see is how hard a plain-looking question is ("David has three sisters…"): see
 * BENCHMARKS.md for where they fail. Changing a rule changes answers, so it bumps RULES_VERSION (the replay
 * cache is keyed by the classifier id).
 */
export const RULES_VERSION = 'rules-v1';

export type RulesTier = 'simple' | 'medium' | 'hard';
export interface RulesDecision {
  tier: RulesTier;
  /** The name of the rule that decided (see the list above). */
  rule: string;
}

const SCAN_CHARS = 6000;
const CHIT_CHAT_MAX_WORDS = 8;
const LONG_CHARS = 1500;
const CODE_LONG_CHARS = 800;
const LONG_WORDS = 250;
const WORDY_WORDS = 40;
const MULTI_PART_ASKS = 3;
const MULTI_SENTENCE = 3;
const TASK_MIN_WORDS = 6;
const NUMBERS = 3;

/** Words that make up greetings, thanks, acknowledgements, yes/no and goodbyes (with their glue words). */
const CHIT_CHAT = new Set(
  (
    'hi hii hello hey heya hiya yo howdy greetings morning evening afternoon night gm gn good day nice great cool ' +
    'awesome perfect excellent wonderful amazing fantastic brilliant lovely sweet neat ok okay okey k kk alright ' +
    'fine sure yes yeah yep yup ya no nope nah nop maybe thanks thank thx ty tysm cheers appreciated appreciate ' +
    'much lot so very really you u your ur all a the it that this is was be got get gotcha understood understand ' +
    'see makes make sense sounds worked works helps helped helpful bye goodbye later cya ciao farewell take care ' +
    'have and too again now well done lol lmao haha hahaha hmm hm oh ah wow welcome np problem worries no-problem ' +
    'best are how doing going what up sup whats nevermind mind never please pls plz will do noted right correct ' +
    'exactly agreed absolutely definitely indeed of course thats it\'s i i\'m im am me my we us our'
  ).split(' '),
);
/** At least one word of a chit-chat message must carry it (not only glue words like "it", "you", "the"). */
const CHIT_CHAT_CORE = new Set(
  (
    'hi hii hello hey heya hiya yo howdy greetings morning evening afternoon night gm gn nice great cool awesome ' +
    'perfect excellent wonderful amazing fantastic brilliant lovely sweet neat ok okay okey k kk alright fine sure ' +
    'yes yeah yep yup ya no nope nah nop maybe thanks thank thx ty tysm cheers appreciated appreciate gotcha ' +
    'understood sense sounds worked works helps helped helpful bye goodbye later cya ciao farewell lol lmao haha ' +
    'hahaha hmm hm oh ah wow welcome np worries best sup whats nevermind noted right correct exactly agreed ' +
    'absolutely definitely indeed got'
  ).split(' '),
);

const PROOF = /\b(prove|proves|proving|proof|theorem|lemma|derive|derivation|rigorous(ly)?)\b/;
const STEP_BY_STEP = /\b(step[- ]by[- ]step|multi[- ]?step|show (your|the|all) (work|working|reasoning|steps)|walk me through|reason through|justify (your|the)|think carefully)\b/;
const MATH =
  /([a-z0-9)]\s*[-+*/^]\s*[a-z0-9(]\s*=|[0-9)]\s*[*^]\s*[0-9a-z(]|\b[a-z]\s*[-+*/^]\s*[a-z0-9]\b\s*[=<>]|\b[0-9]+[a-z]\^|\b[a-z]\^[0-9]|\b[fgh]\([a-z0-9]\)|\|[a-z0-9 +-]+\|\s*[<>=]|\\(frac|int|sum|sqrt|lim|cdot|mathbb|begin)|\b(solve for [a-z]|probability|integral|derivative|differentiate|integrate|equation|equations|inequality|polynomial|matrix|eigen\w*|logarithm|modulo|remainder when|prime factori[sz]ation|combinatori\w*|permutations?|isomorphi\w*|homomorphi\w*|\w+morphism|topolog\w*|manifold|converge(s|nce)?)\b)/;
const LONG_FORM =
  /\b(essays?|short stor(y|ies)|stor(y|ies)|poems?|poetry|haikus?|sonnets?|limericks?|lyrics|songs?|novel|chapter|blog posts?|articles?|(write|draft|prepare|give|deliver) (a |an |the )?([a-z-]+ )?(speech|script|screenplay|monologue)|screenplay|dialogue between|report on|white ?paper|design doc(ument)?s?|technical design|proposal|cover letter|outline for|lesson plan|business plan|marketing plan|curriculum|newsletter|press release|fan ?fiction|fictional|creative|imaginative|persuasive|captivating|engaging|vivid)\b/;
const N_WORDS = /\b([0-9]{3,5})[- ]?(word|words)\b/;
const ROLE_PLAY = /\b(act as|acting as|pretend (to be|you are|you're|yourself)|imagine (you are|you're|yourself)|take on the role|assume the role|play the role|role[- ]?play|embody|now you are|from now on,? you)\b/;
const DESIGN =
  /\b((design|architect)(ing)? (a|an|the|my|our|me|your|its|their|and)\b|(system|software|api|database|schema|protocol|algorithm) design|architecture|scalab(le|ility)|distributed|high[- ]availability|fault[- ]toleran\w*|migration plan|(plan|planning) (the |a |an |our |my )?migration|roadmap|strategy|strategies|threat model\w*|attack surface|every attack|(analy[sz]e|assess|audit|review) (the )?(security|threats?|risks?|scalability)|race conditions?|deadlocks?|memory leaks?)\b/;
const BUILD_CODE =
  /\b(write|implement|develop|build|create|program|make|generate)\b(?!\s+(unit\s+)?tests?\b)(\s+[a-z0-9+#.'-]+){0,4}?\s+(code|program|programs|function|functions|class|classes|script|scripts|app|application|algorithm|website|web ?app|game|bot|chatbot|server|service|api|cli|library|module|parser|compiler|interpreter|solver|simulation|plugin|extension|component|emulator|gui|dashboard|shader)\b/;
/** A how-to question ("how do I write a switch statement in Java?") asks for an answer, not for a program. */
const HOW_TO = /^([a-z0-9.#+]+: )?(how (do|can|should|would) (i|you|we|one)|how to)\b/;
const HOW_TO_MAX_WORDS = 15;
/** A build verb and "in/using <language or framework>" in the same sentence: "create a PDF decryptor in Python". */
const BUILD_IN_LANGUAGE =
  /\b(write|implement|develop|build|create|make|generate)\b[^.?!\n]{0,80}\b(in|using|with) (python|javascript|typescript|js|java|c\+\+|c#|c|rust|go|golang|ruby|php|kotlin|swift|scala|haskell|r|matlab|bash|powershell|html|css|react|vue|angular|flutter|django|flask|pygame|unity|unreal|node(\.js)?)\b/;
const CODE_FENCE = /```|~~~/;
const CODE_LINE =
  /\b(def [a-z_]\w*\(|class [a-z_]\w*\s*[:({<]|function\s*[\w$]*\s*\(|fn [a-z_]\w*\s*[(<]|func [a-z_(]|(public|private|protected)( static)? [\w<>[\]]+ \w+\s*\(|(let|const|var) [a-z_$][\w$]*\s*(:\s*[\w<>[\]]+\s*)?=|from [\w.]+ import |import [\w.{}*, ]+ from ['"]|#include\s*[<"]|console\.log|printf\(|println!?\(|std::|self\.\w|this\.\w)|(^|\n)\s*(if|for|while) \(|<\?php|<(html|div|span|body|script)\b|[;{}]\s*(\n|$)|=>|(^|\n)\$ /;
/** SQL keywords in capitals (checked on the original text: "select the best from" is English). */
const SQL = /\b(SELECT\s[\s\S]{1,200}?\sFROM|INSERT INTO|CREATE TABLE|UPDATE \w+ SET)\b/;
const STACK_TRACE = /(traceback \(most recent call last\)|exception in thread|\n\s+at [\w$.<>]+ ?\(|\b\w+(error|exception): |panic: |segmentation fault|undefined reference to)/;
const CODE_HARD = /\b(optimi[sz]e|optimi[sz]ation|refactor\w*|race condition|deadlock|concurren\w*|thread[- ]safe|memory leak|performance|faster|complexity|scale|scaling)\b/;
const LIGHT_TASK = /\b(summari[sz]e|summary|tl;?dr|translate|translation|extract|proofread|correct (the )?(grammar|spelling|typos)|fix (the )?(grammar|spelling|typos)|classify|categori[sz]e|count)\b/;
const TASK =
  /\b(explain|explanation|summari[sz]e|summary|reply to|respond to|extract|action items|rewrite|rephrase|paraphrase|compare|comparison|contrast|trade-?offs?|pros and cons|draft|review|fix|debug|bug|refactor|convert this|^\s*(please )?list|list (all|every|the|some|[0-9]+|three|five|ten)|outline|analy[sz]e|analysis|evaluate|critique|write|compose|create|generate|suggest|recommend \w+ \w+ for|describe|discuss|elaborate|plan|regex|regular expression|unit tests?|calculate|compute|estimate|solve|find the)\b/;
/** A number: digits with an optional decimal part ("16", "0.5", "1,200"). */
const NUMBER = /[0-9]+(?:[.,][0-9]+)*/g;
const SENTENCE_END = /[.!?]+\s+(?=[a-z0-9"'(])/g;
const ASK = /\?|(^|\n)\s*([0-9]+[.)]|[-*•]|[a-h][.)])\s+\S/g;

/**
 * Words, where a CJK character (Han, kana, Hangul) counts as one word: those scripts put no spaces between
 * words, and a character carries about a word's meaning.
 */
function wordCount(text: string): number {
  let n = 0;
  let inWord = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0x3040 && ((c <= 0x30ff) || (c >= 0x3400 && c <= 0x9fff) || (c >= 0xac00 && c <= 0xd7af))) {
      n++;
      inWord = false;
      continue;
    }
    const space = c === 32 || c === 10 || c === 9 || c === 13;
    if (!space && !inWord) n++;
    inWord = !space;
  }
  return n;
}

function isChitChat(lower: string, words: number): boolean {
  if (words > CHIT_CHAT_MAX_WORDS) return false;
  const tokens = lower.split(/[^a-z'-]+/).filter((t) => t !== '');
  if (tokens.length === 0) return false;
  // Anything that is not letters, spaces or light punctuation (digits, code, emoji are fine: emoji are dropped).
  if (/[0-9=<>{}[\]\\/@#$%^*_|~`]/.test(lower)) return false;
  let core = false;
  for (const t of tokens) {
    if (!CHIT_CHAT.has(t)) return false;
    if (CHIT_CHAT_CORE.has(t)) core = true;
  }
  return core;
}

/** Sentence ends: . ! ? followed by a space and a letter or digit, plus the end of the text. */
function sentenceCount(text: string): number {
  SENTENCE_END.lastIndex = 0;
  let n = 1;
  while (SENTENCE_END.exec(text) !== null) n++;
  return n;
}

function countMatches(re: RegExp, text: string): number {
  re.lastIndex = 0;
  let n = 0;
  while (re.exec(text) !== null) n++;
  return n;
}

/** The tier a text needed and the rule that said so. Pure and synchronous. */
export function classifyByRules(text: string | null | undefined): RulesDecision {
  const raw = (text ?? '').trim();
  if (raw === '') return { tier: 'simple', rule: 'empty' };
  const lower = (raw.length > SCAN_CHARS ? raw.slice(0, SCAN_CHARS) : raw).toLowerCase();
  const words = wordCount(raw);
  if (isChitChat(lower, words)) return { tier: 'simple', rule: 'chit-chat' };
  if (PROOF.test(lower)) return { tier: 'hard', rule: 'proof' };
  if (STEP_BY_STEP.test(lower)) return { tier: 'hard', rule: 'step-by-step' };
  if (MATH.test(lower)) return { tier: 'hard', rule: 'math' };
  const nWords = N_WORDS.exec(lower);
  if (LONG_FORM.test(lower) || (nWords && Number(nWords[1]) >= 150)) return { tier: 'hard', rule: 'long-form' };
  if (ROLE_PLAY.test(lower)) return { tier: 'hard', rule: 'role-play' };
  if (DESIGN.test(lower)) return { tier: 'hard', rule: 'design' };
  const howTo = words <= HOW_TO_MAX_WORDS && HOW_TO.test(lower);
  if (!howTo && (BUILD_CODE.test(lower) || BUILD_IN_LANGUAGE.test(lower))) return { tier: 'hard', rule: 'build-code' };
  const code = CODE_FENCE.test(lower) || CODE_LINE.test(lower) || STACK_TRACE.test(lower) || SQL.test(raw.slice(0, SCAN_CHARS));
  if (code && CODE_HARD.test(lower)) return { tier: 'hard', rule: 'code-hard' };
  if (code && raw.length > CODE_LONG_CHARS) return { tier: 'hard', rule: 'code-long' };
  if (raw.length > LONG_CHARS || words > LONG_WORDS) {
    return LIGHT_TASK.test(lower) ? { tier: 'medium', rule: 'long-light' } : { tier: 'hard', rule: 'long' };
  }
  if (code) return { tier: 'medium', rule: 'code' };
  if (countMatches(ASK, lower) >= MULTI_PART_ASKS) return { tier: 'medium', rule: 'multi-part' };
  if (countMatches(NUMBER, lower) >= NUMBERS && words > TASK_MIN_WORDS) return { tier: 'medium', rule: 'numbers' };
  if (sentenceCount(lower) >= MULTI_SENTENCE) return { tier: 'medium', rule: 'multi-sentence' };
  if (!howTo && words > TASK_MIN_WORDS && TASK.test(lower)) return { tier: 'medium', rule: 'task' };
  if (words > WORDY_WORDS) return { tier: 'medium', rule: 'wordy' };
  return { tier: 'simple', rule: 'short' };
}

export class RulesClassifier implements Classifier {
  readonly id = RULES_VERSION;
  readonly batchSize = 4096;
  readonly concurrency = 1;

  async classify(texts: string[]): Promise<ClassifierAnswer[]> {
    return texts.map((t) => ({ tier: classifyByRules(t).tier }));
  }
}
