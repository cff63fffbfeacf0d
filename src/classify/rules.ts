import type { Classifier, ClassifierAnswer } from './types.js';

/**
 * `--classifier rules`: transparent, built-in heuristics that say which tier (simple, medium, hard) a
 * request needed, with no model and no data. Every decision names the rule that made it, so a surprising
 * answer can be traced to one line here. The first rule that applies wins:
 *
 *  1. empty          no text                                                                   → simple
 *  2. chit-chat      ≤ 8 words, all from the greeting/thanks/yes-no/bye lexicon, no digits      → simple
 *  3. proof          prove, theorem, lemma, derive, rigorous, "a proof", "proof that"; not
 *                    "prove you're human"                                                       → hard
 *  4. step-by-step   step by step, multi-step, show your work, justify, check your answer, with
 *                    something to reason about (solve, calculate, a number, 25+ words)          → hard
 *  5. math           notation (`x+y = 4z`, `4x^3`, `f(x)`, `Re(z)`, `|x+5| <`, ∧ ↔ ∑, LaTeX), vocabulary
 *                    (probability, integral, equation, quadratic, matrix, isomorphism, variance, …),
 *                    "25% … how much", and the same words in Chinese, Russian, Spanish, French, … → hard
 *  6. long-form      a creation verb + a piece (write/compose/create/invent … poem, story, song,
 *                    riddle, script, speech, adventure, …), "tell me a story", a request opening
 *                    with the piece ("A long script of …"), essay/poem/lyrics/business plan/persuasive/
 *                    vivid anywhere, "N words" (N ≥ 150), and write/poem/story/song in 14 other
 *                    languages (напиши, стих, escribe, poème, 写, 诗, viết, thơ, …)                 → hard
 *  7. role-play      act as, pretend to be, imagine you are, picture yourself, take on the role  → hard
 *  8. design         design a…, system design, architecture, scalable, distributed, roadmap,
 *                    strategy, migration plan, threat model, security review, race condition    → hard
 *  9. build-code     write/implement/build/create … program, function, class, script, app, website,
 *                    game, bot, component, deployment, pipeline, … (within 4 words), or "create … in
 *                    Python/Rust/…"; not for a short how-to question ("how do I create a class in Go?") → hard
 * 10. code-hard      code (``` fence, source lines, SQL, stack trace) + optimize, refactor,
 *                    concurrency, performance, complexity, scale                                → hard
 * 11. code-long      code in a text over 800 characters                                        → hard
 * 12. long           over 1,500 characters or 250 words → hard; `long-light` → medium when the
 *                    task is to summarize, translate, extract, proofread, classify or count
 * 13. code           code or a stack trace                                                      → medium
 * 14. multi-part     3 or more asks (question marks, numbered or bulleted items)                → medium
 * 15. numbers        3 or more numbers (dates and times count as none) in more than 15 words    → medium
 * 16. word-problem   a question of 20+ words about at least one number                          → medium
 * 17. multi-sentence 3 or more sentences                                                        → medium
 * 18. analysis       10+ words asking for significance, influence, role, ethics, to what extent → medium
 * 19. task           work on a text or code in more than 6 words (summarize, rewrite, reply to this,
 *                    write an email/regex/tests, compare X and Y, list five examples, debug, …),
 *                    or a question verb (explain, describe, list, plan, calculate, …) in more than
 *                    20 words; not for a short how-to question                                  → medium
 * 20. foreign        12+ words mostly in another script or accented letters: the cues cannot read it,
 *                    so it is not trusted to the cheapest tier                                   → medium
 * 21. wordy          more than 40 words                                                         → medium
 * 22. short          anything else: a short question, request or command                        → simple
 *
 * Cues are matched case-insensitively in the first 6,000 characters; lengths count the whole text, and a CJK
 * character counts as a word. rules-v2 was tuned on the tune splits of `npm run eval:classifier` (short task
 * requests of every CLINC150 domain, everyday questions, Arena-Hard and MT-Bench halves) and measured on test
 * splits it never saw (BENCHMARKS.md). What the rules cannot see is how hard a plain-looking question is ("David
 * has three sisters…"), nor open questions of judgement phrased like everyday ones. Changing a rule changes
 * answers, so it bumps RULES_VERSION (the replay cache is keyed by the classifier id).
 */
export const RULES_VERSION = 'rules-v2';

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

/** Proof vocabulary; "prove you're human" and "proof" as a name are not mathematics. */
const PROOF = /\b(prove|proves|proving|theorem|lemma|derive|derivation|rigorous(ly)?|(a|the|formal|short|full) proofs?|proof (that|by (induction|contradiction)))\b(?! (that )?(you|you're|ur|it to me|me)\b)/;
/** Step by step is a reasoning cue when there is something to reason about (a problem, numbers, a long text). */
const STEP_BY_STEP = /\b(step[- ]by[- ]step|multi[- ]?step|show (your|the|all) (work|working|reasoning|steps)|reason through|justify (your|the)|think carefully|check your answer)\b/;
const REASONING = /\b(solve|prove|derive|calculate|compute|work out|figure out|reason|justify|explain your|check your|how (long|many|much|far|fast))\b|[0-9]/;
const STEP_BY_STEP_MIN_WORDS = 25;
const MATH =
  /([a-z0-9)]\s*[-+*/^]\s*[a-z0-9(]\s*=|[0-9)]\s*[*^]\s*[0-9a-z(]|\b[a-z]\s*[-+*/^]\s*[a-z0-9]\b\s*[=<>]|\b[0-9]+[a-z]\^|[a-z]\^[0-9]|\b[fgh]\([a-z0-9]\)|\b(re|im|li[0-9]?|log|ln|sin|cos|tan)\([a-z0-9]|\|[a-z0-9 +-]+\|\s*[<>=]|[↔∧∨¬⇒⇔∀∃∑∫√≤≥≠]|\\(frac|int|sum|sqrt|lim|cdot|mathbb|begin)|\b(solve for [a-z]|probability|probabilities|integral|derivative|differentiate|integrate|equation|equations|inequality|polynomial|quadratic|matrix|matrices|eigen\w*|logarithm|modulo|remainder when|prime factori[sz]ation|combinatori\w*|permutations?|isomorphi\w*|isomoprhi\w*|homomorphi\w*|\w+morphism|topolog\w*|manifold|converge(s|nce)?|(arithmetic|geometric) (sequence|series|progression|mean)|standard deviation|variance|expected value|euclidean|circumference|parametri[sz]ations?|(rational|irrational|real|complex|natural) numbers|simplify|divergence|(poisson|gaussian|normal|binomial|uniform|exponential) distributions?|bayes\w*)\b|[0-9]%[^.?!]*\bhow (much|many|long)\b)/;
/**
 * Mathematics in other languages (Chinese, Russian, Spanish, French, German, Portuguese, Vietnamese): prove,
 * probability, equation, integral, derivative, matrix, function, progression, solve/compute, binary tree.
 */
const MATH_INTL =
  /(证明|概率|方程|积分|导数|矩阵|函数|数列|求解|计算|二叉树|几何|(?<!\p{L})(докаж|доказ|вероятност|уравнен|интеграл|производн|матриц|функци[яиюей]|прогресси|вычисл|решить|решите|формул|чему равн|demuestr|probabilidad|ecuaci[oó]n|d[ée]montr|[ée]quation|probabilit[ée]|beweise|wahrscheinlichkeit|gleichung|equa[cç][aã]o|chứng minh|xác suất|phương trình|phép tính|tính toán))/u;
/** Creative pieces a request asks to have written. */
const CREATIVE_NOUN =
  "(essays?|stor(y|ies)|short stor(y|ies)|poems?|poetry|haikus?|sonnets?|limericks?|lyrics|songs?|raps?|ballads?|lullab(y|ies)|verses?|rhymes?|novel|novella|chapter|fables?|fairy ?tales?|tales?|riddles?|tongue[- ]twisters?|koans?|punchlines?|paragraphs?|slogans?|adventures?|campaigns?|encounters?|quests?|backstor(y|ies)|worldbuilding|lore|plot|fics?|taglines?|ad copy|advert(isement)?s?|commercials?|skits?|scripts?|screenplays?|monologues?|dialogues?|scenes?|speech|eulog(y|ies)|toasts?|letters?|blog posts?|articles?|op-?eds?|newsletters?|press releases?|fan ?fiction|fanfic)";
/** A creation verb at the start of the request (after "please", "can you", …), then the piece within 6 words. */
const CREATE_PIECE = new RegExp(
  `^(\\W*(please|pls|can you|could you|would you|will you|i want you to|i need you to|i'd like you to|i would like you to|help me|now|ok|okay|hey|so|and|also|then|next),?\\s+)*(write|compose|create|generate|draft|craft|produce|come up with|invent|give me|pen)\\b(\\s+[^\\s.?!]+){0,6}?\\s+${CREATIVE_NOUN}\\b`,
);
/** The same anywhere but after "to"/"how"/"I": "write me a poem", "and then write a short story about it". */
const WRITE_PIECE = new RegExp(`(?<!\\b(to|how|i|do|you|we|they) )\\b(write|compose)( me| us)? (a|an|some|two|three|[0-9]+)\\b(\\s+[^\\s.?!]+){0,4}?\\s+${CREATIVE_NOUN}\\b`);
/** A request that opens with the piece itself: "A long script of …", "Poem about the sea", "short story: …". */
/** "Tell me a story", "tell me a fun story of hope": a story is written, not looked up. */
const TELL_STORY = /\btell (me|us) (a|an|another|the)( [a-z-]+){0,3} (story|tale|fable|fairy ?tale)\b/;
const PIECE_FIRST = new RegExp(`^(a |an )?(long |short |funny |sad |epic |new )?(poem|poetry|story|script|screenplay|song|rap|haiku|sonnet|limerick|fan ?fiction|fanfic|scene|koan|fable|ballad)\\b`);
/** Words that make a request long-form whatever the verb. */
const LONG_FORM =
  /\b(essays?|poems?|poetry|haikus?|sonnets?|limericks?|lyrics|screenplay|dialogue between|white ?paper|design doc(ument)?s?|technical design|proposal for|lesson plan|business plan|marketing plan|curriculum|press release|fan ?fiction|fanfic|fictional|creative writing|imaginative|persuasive|captivating|vivid)\b/;
/**
 * Writing in other languages: write/compose/invent + poem, story, song, fairy tale, fable, script (Russian,
 * Spanish, French, German, Italian, Portuguese, Polish, Vietnamese, Chinese, Japanese, Korean, Thai, Persian).
 */
const LONG_FORM_INTL =
  /(写|寫|诗|詩|小说|故事|作文|散文|歌词|物語|小説|ラップ|作成して|書いて|써 줘|시를|เขียน|กลอน|นิทาน|شعر|داستان|(?<!\p{L})(напиши|написать|сочини|придумай|создай|стих|рассказ|сказк|басн|песн|сценари|поэм|escribe|escriba|redacta|poema|cuento|canci[oó]n|[ée]cri[st]|r[ée]dige|po[èe]me|histoire|chanson|schreib|gedicht|geschichte|scrivi|poesia|racconto|escreva|escreve|napisz|wiersz|opowiadani|viết|thơ|truyện|bài hát))/u;
const N_WORDS = /\b([0-9]{3,5})[- ]?(word|words)\b/;
const ROLE_PLAY = /\b(act as|acting as|picture yourself|pretend (to be|you are|you're|yourself)|imagine (you are|you're|yourself)|take on the role|assume the role|play the role|role[- ]?play|embody|now you are|from now on,? you)\b/;
const DESIGN =
  /\b((design|architect)(ing)? (a|an|the|my|our|me|your|its|their|and)\b|(system|software|api|database|schema|protocol|algorithm) design|architecture|scalab(le|ility)|distributed|high[- ]availability|fault[- ]toleran\w*|migration plan|(plan|planning) (the |a |an |our |my )?migration|roadmap|strategy|strategies|threat model\w*|attack surface|every attack|(analy[sz]e|assess|audit|review) (the )?(security|threats?|risks?|scalability)|race conditions?|deadlocks?|memory leaks?)\b/;
const BUILD_CODE =
  /\b(write|implement|develop|build|create|program|make|generate)\b(?!\s+(unit\s+)?tests?\b)(\s+[a-z0-9+#.'-]+){0,4}?\s+(code|program|programs|function|functions|class|classes|script|scripts|app|application|algorithm|website|web ?app|game|bot|chatbot|server|service|api|cli|library|module|parser|compiler|interpreter|solver|simulation|plugin|extension|component|emulator|gui|dashboard|shader|deployment|manifest|dockerfile|pipeline|workflow)\b/;
/** A how-to question ("how do I write a switch statement in Java?") asks for an answer, not for a program. */
const HOW_TO = /^([a-z0-9.#+]+: )?(how (do|can|should|would) (i|you|we|one)|how to)\b/;
const HOW_TO_MAX_WORDS = 15;
/** A build verb and "in/using <language or framework>" in the same sentence: "create a PDF decryptor in Python". */
const BUILD_IN_LANGUAGE =
  /\b(write|implement|develop|build|create|make|generate)\b[^.?!\n]{0,80}\b(in|using|with) (python|javascript|typescript|js|java|c\+\+|c#|c|rust|go|golang|ruby|php|kotlin|swift|scala|haskell|r|matlab|bash|powershell|html|css|react|vue|angular|flutter|django|flask|pygame|unity|unreal|node(\.js)?)(?![a-z0-9])/;
const CODE_FENCE = /```|~~~/;
const CODE_LINE =
  /\b(def [a-z_]\w*\(|class [a-z_]\w*\s*[:({<]|function\s*[\w$]*\s*\(|fn [a-z_]\w*\s*[(<]|func [a-z_(]|(public|private|protected)( static)? [\w<>[\]]+ \w+\s*\(|(let|const|var) [a-z_$][\w$]*\s*(:\s*[\w<>[\]]+\s*)?=|from [\w.]+ import |import [\w.{}*, ]+ from ['"]|#include\s*[<"]|console\.log|printf\(|println!?\(|std::|self\.\w|this\.\w)|(^|\n)\s*(if|for|while) \(|<\?php|<(html|div|span|body|script)\b|[;{}]\s*(\n|$)|=>|(^|\n)\$ /;
/** SQL keywords in capitals (checked on the original text: "select the best from" is English). */
const SQL = /\b(SELECT\s[\s\S]{1,200}?\sFROM|INSERT INTO|CREATE TABLE|UPDATE \w+ SET)\b/;
const STACK_TRACE = /(traceback \(most recent call last\)|exception in thread|\n\s+at [\w$.<>]+ ?\(|\b\w+(error|exception): |panic: |segmentation fault|undefined reference to)/;
const CODE_HARD = /\b(optimi[sz]e|optimi[sz]ation|refactor\w*|race condition|deadlock|concurren\w*|thread[- ]safe|memory leak|performance|faster|complexity|scale|scaling)\b/;
const LIGHT_TASK = /\b(summari[sz]e|summary|tl;?dr|translate|translation|extract|proofread|correct (the )?(grammar|spelling|typos)|fix (the )?(grammar|spelling|typos)|classify|categori[sz]e|count)\b/;
/**
 * Work on a text or on code: rewrite it, summarize it, answer it, test it. Medium when the request has more than 6
 * words ("summarize this", "write an email to …").
 */
const CONTENT_TASK =
  /\b(summari[sz]e|summary of|tl;?dr|rewrite|rephrase|paraphrase|proofread|(reply|respond) to (this|these|the following|that|his|her|their)|extract|action items|convert (this|these|the following)|translate (this|these|the following)|draft|compose|(write|draft) (me |us )?(an? |the |some |my |our )?([a-z-]+ ){0,2}(email|e-mail|letter|message|reply|response|summary|description|bio|post|tweet|caption|readme|documentation|docs|section|regex|regular expression|query|tests?|unit tests?|function|cover letter|report)|compare (\\S+ ){1,4}(and|with|to|vs\\.?|versus) (?!others\\b)|comparison|contrast|trade-?offs?|(list|give|provide|suggest|name) (me )?(two|three|four|five|six|seven|eight|nine|ten|[0-9]+) ([a-z-]+ ){0,3}(examples|reasons|ways|impacts|ideas|tips|arguments|facts|points|steps|films|books)|review (this|my|the following|these)|critique|analy[sz]e (this|these|the following|my)|evaluate (this|these|the following|my)|debug|bug|fix (this|these|the following|my code|the code|the bug)|refactor|regex|regular expression|unit tests?|outline|elaborate|line by line)\b/;
/** Asks that are work only when they come with more to go on: more than QUESTION_TASK_MIN_WORDS words. */
const QUESTION_TASK =
  /\b(explain|explanation|describe|discuss|list|suggest|recommend|plan|calculate|compute|estimate|solve|generate|create|write|analy[sz]e|analysis|evaluate|review|fix|find)\b/;
const QUESTION_TASK_MIN_WORDS = 20;
/** Text mostly in another script (Cyrillic, Greek, Arabic, Hebrew, Indic, Thai, CJK) or with Latin accents. */
const NON_ENGLISH = /[\u00c0-\u024f\u0370-\u03ff\u0400-\u04ff\u0590-\u06ff\u0900-\u0dff\u0e00-\u0e7f\u1e00-\u1eff\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af]/g;
/** A prompt in another language the cues cannot read is not trusted to the cheapest tier from this many words. */
const FOREIGN_MIN_WORDS = 12;
/** A number: digits with an optional decimal part, or a time or date as one ("16", "0.5", "1,200", "7:30", "2/21/17"). */
const NUMBER = /[0-9]+(?:[.,:/-][0-9]+)*/g;
const NUMBERS_MIN_WORDS = 15;
/** A question of 20 words or more about at least one number: a word problem ("… invests $8000 …; what's the total?"). */
const WORD_PROBLEM_MIN_WORDS = 20;
/**
 * Open questions of analysis or judgement (implications, influence, role, to what extent, ethics, society):
 * medium from ANALYSIS_MIN_WORDS words, since a cheap model answers them thinly.
 */
const ANALYSIS =
  /\b(implications?|significance|influenced?|shaped?|impacts? (of|on)|role (of|in)|relates? to|to what extent|in what ways|critically|perspectives?|philosoph\w*|ethic(s|al)|societ(y|al)|historical(ly)?|geopolitic\w*|prevailing|understanding of|methods? did)\b/;
const ANALYSIS_MIN_WORDS = 10;
/** Dates and times are one thing each, not numbers of a problem ("from march 1st, 2020 to the 3rd at 7:30"). */
const DATE = /\b((jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.? [0-9]{1,2}(st|nd|rd|th)?(,? [0-9]{4})?|[0-9]{1,2}(st|nd|rd|th)|(19|20)[0-9]{2})\b/g;
const QUESTION = /\?|\b(what|how (many|much|long|far)|which|when|find|calculate)\b/;
const SENTENCE_END = /[.!?]+\s+(?=[a-z0-9"'(])/g;
const ASK = /\?+|(^|\n)\s*([0-9]+[.)]|[-*•]|[a-h][.)])\s+\S/g;

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
  if (STEP_BY_STEP.test(lower) && (words >= STEP_BY_STEP_MIN_WORDS || REASONING.test(lower))) return { tier: 'hard', rule: 'step-by-step' };
  if (MATH.test(lower) || MATH_INTL.test(lower)) return { tier: 'hard', rule: 'math' };
  const nWords = N_WORDS.exec(lower);
  if (LONG_FORM.test(lower) || CREATE_PIECE.test(lower) || WRITE_PIECE.test(lower) || PIECE_FIRST.test(lower) || TELL_STORY.test(lower) || LONG_FORM_INTL.test(lower) || (nWords && Number(nWords[1]) >= 150)) {
    return { tier: 'hard', rule: 'long-form' };
  }
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
  const numbers = countMatches(NUMBER, lower.replace(DATE, ' '));
  if (numbers >= NUMBERS && words > NUMBERS_MIN_WORDS) return { tier: 'medium', rule: 'numbers' };
  if (words >= WORD_PROBLEM_MIN_WORDS && numbers >= 1 && QUESTION.test(lower)) return { tier: 'medium', rule: 'word-problem' };
  if (sentenceCount(lower) >= MULTI_SENTENCE) return { tier: 'medium', rule: 'multi-sentence' };
  if (words >= ANALYSIS_MIN_WORDS && ANALYSIS.test(lower)) return { tier: 'medium', rule: 'analysis' };
  if (!howTo && words > TASK_MIN_WORDS && CONTENT_TASK.test(lower)) return { tier: 'medium', rule: 'task' };
  if (!howTo && words > QUESTION_TASK_MIN_WORDS && QUESTION_TASK.test(lower)) return { tier: 'medium', rule: 'task' };
  if (words >= FOREIGN_MIN_WORDS && countMatches(NON_ENGLISH, lower) * 2 > lower.replace(/[^\p{L}]/gu, '').length) return { tier: 'medium', rule: 'foreign' };
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
