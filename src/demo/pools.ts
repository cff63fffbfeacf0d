/**
 * The text the demo's users type, by kind. Hand-written for routecheck (no copied data sets), sized so
 * that chit-chat and popular questions recur often enough for a response cache to matter while tasks and
 * hard prompts are mostly one-off.
 */

/** Acknowledgements and small talk: ideal tier simple. Weight = relative frequency. */
export const CHIT_CHAT: readonly (readonly [string, number])[] = [
  ['thanks', 9], ['thx', 6], ['ok', 8], ['cool', 5], ['hello', 7], ['hi', 7], ['hey', 4], ['ty', 3], ['k', 2],
  ['great', 3], ['perfect', 3], ['nice', 3], ['yes', 4], ['no', 3], ['sure', 3], ['bye', 3], ['got it', 4],
  ['okay', 4], ['lol', 2], ['thank you', 5], ['yep', 2], ['nope', 1], ['awesome', 2], ['gm', 1], ['cheers', 2],
  ['OK, got it, thanks', 6], ['ok thanks bye', 5], ['Thanks a lot!', 4], ['great, thank you!', 4],
  ['that worked, thanks', 4], ['makes sense', 3], ['awesome thanks', 3], ['good morning', 3],
  ['you are the best', 1], ['no worries', 1], ['hello there', 2], ['ok cool', 2], ['thanks, that helps', 3],
  ['nevermind', 1], ['sounds good', 2], ['all good now', 1], ['Hi! How are you?', 2], ['have a nice day', 1],
];

/**
 * Questions many users ask, each with hand-written paraphrases (word order, wording). The first form is the
 * most common; the generator also produces case and punctuation variants of it.
 */
export const POPULAR: readonly (readonly string[])[] = [
  ['How do Python list comprehensions work?', 'how do list comprehensions work in python', 'Python list comprehensions - how do they work?'],
  ['What is the difference between let and const in JavaScript?', 'let vs const in javascript, what is the difference?'],
  ['How do I reverse a string in Python?', 'reverse a string in python how'],
  ['What is a REST API?', 'what exactly is a REST API'],
  ['How do I exit vim?', 'how to exit vim', 'how do you quit vim?'],
  ['What does git rebase do?', 'git rebase - what does it do?'],
  ['How do I undo the last git commit?', 'undo last commit git'],
  ['What is the difference between TCP and UDP?', 'TCP vs UDP difference?'],
  ['How do I center a div in CSS?', 'css center a div', 'how to center a div?'],
  ['What is Docker and why use it?', 'why use docker, what is it?'],
  ['How does HTTPS work?', 'how does https actually work'],
  ['What is a closure in JavaScript?', 'javascript closures explained?'],
  ['How do I sort a dictionary by value in Python?', 'python sort dict by value'],
  ['What is the difference between a process and a thread?', 'process vs thread?'],
  ['How do I read a CSV file in pandas?', 'read csv with pandas', 'pandas: how to read a csv file?'],
  ['What is Big O notation?', 'big o notation explained'],
  ['How do I make an HTTP request in Node.js?', 'node.js http request how?'],
  ['What is the difference between SQL and NoSQL?', 'SQL vs NoSQL, which is different how?'],
  ['How do I create a virtual environment in Python?', 'python create venv', 'how to make a python virtualenv?'],
  ['What is a JWT?', 'what is a json web token'],
  ['How do async and await work in JavaScript?', 'javascript async await how does it work'],
  ['What is the difference between == and === in JavaScript?', '== vs === in js?'],
  ['How do I merge two dictionaries in Python?', 'merge two dicts python'],
  ['What is Kubernetes used for?', 'what is kubernetes for?'],
  ['How do I write a for loop in Bash?', 'bash for loop syntax?'],
  ['What is recursion?', 'recursion explained simply'],
  ['How do I convert a string to an int in Java?', 'java string to int'],
  ['What is a foreign key in SQL?', 'sql foreign key meaning?'],
  ['How do I check the Python version?', 'check python version'],
  ['What is the capital of Australia?', 'capital of australia?'],
  ['How many ounces are in a cup?', 'ounces in a cup?'],
  ['What is the boiling point of water in Fahrenheit?', 'water boiling point fahrenheit'],
  ['How do I find my IP address?', 'how to find my ip address'],
  ['What is an API key?', 'api key meaning?'],
  ['How do I format a date in JavaScript?', 'javascript format date'],
  ['What is the difference between git merge and git rebase?', 'git merge vs rebase?'],
  ['How do I remove duplicates from a list in Python?', 'python remove duplicates from list'],
  ['What is a Python decorator?', 'python decorators explained?'],
  ['How do I install Node.js on Ubuntu?', 'install nodejs ubuntu'],
  ['What is the difference between an array and a linked list?', 'array vs linked list?'],
  ['How do I write a SQL JOIN?', 'sql join example?'],
  ['What is an environment variable?', 'environment variables explained'],
  ['How do I use grep to search files?', 'grep search in files how'],
  ['What is the difference between HTTP GET and POST?', 'GET vs POST http?'],
  ['How do I create a branch in git?', 'git create branch'],
  ['What is machine learning?', 'machine learning in simple terms?'],
  ['How do I handle exceptions in Python?', 'python try except how'],
  ['What is a hash map?', 'hashmap explained?'],
  ['How do I convert Celsius to Fahrenheit?', 'celsius to fahrenheit formula'],
  ['What does CORS mean?', 'cors meaning?'],
  ['How do I set up SSH keys for GitHub?', 'github ssh key setup'],
  ['What is the difference between public and private in Java?', 'java public vs private?'],
  ['How do I parse JSON in Python?', 'python parse json'],
  ['What is a lambda function?', 'lambda functions explained?'],
  ['How do I kill a process on a port?', 'kill process using port'],
  ['What is the time complexity of quicksort?', 'quicksort time complexity?'],
  ['How do I write a unit test in Jest?', 'jest unit test example'],
  ['What is a webhook?', 'webhooks explained?'],
  ['How do I use map and filter in JavaScript?', 'js map filter usage'],
  ['What is an index in a database?', 'database index explained?'],
];

/**
 * The long tail of popular questions: "How do I {task} in {lang}?". Each is asked a few times a day, which
 * is where a cache key that splits one question across two models loses the most hits.
 */
export const HOWTO_TASKS = ['read a file line by line', 'sort a list of objects by a field', 'parse a date string',
  'make an HTTP GET request', 'split a string by comma', 'check if a key exists in a map', 'get the current timestamp',
  'generate a random number', 'read environment variables', 'write JSON to a file', 'remove whitespace from a string',
  'reverse an array', 'deep copy an object', 'convert a list to a set', 'format a number with two decimals',
  'measure execution time', 'run code in parallel', 'handle a timeout', 'iterate over a dictionary',
  'concatenate strings efficiently', 'define an enum', 'write a switch statement', 'create a class',
  'read command line arguments', 'connect to Postgres'];
export const HOWTO_LANGS = ['Python', 'JavaScript', 'Go', 'Java', 'Rust', 'C#'];

/** Punctuation and emphasis users add to acknowledgements; each makes a different cache key. */
export const CHAT_SUFFIXES = ['!', '.', ' :)', '!!', ' :-)'];

export const CITIES = ['London', 'Paris', 'Berlin', 'Tokyo', 'New York', 'Sydney', 'Toronto', 'Madrid', 'Lisbon',
  'Dublin', 'Chicago', 'Seattle', 'Singapore', 'Mumbai', 'Amsterdam', 'Oslo', 'Austin', 'Denver', 'Rome', 'Seoul'];
export const COUNTRIES = ['Canada', 'Brazil', 'Kenya', 'Norway', 'Peru', 'Vietnam', 'Egypt', 'Chile', 'Poland',
  'Portugal', 'Thailand', 'Morocco', 'Iceland', 'Ghana', 'Nepal', 'Mexico', 'Finland', 'Greece', 'Turkey', 'Japan'];
export const LANGS = ['French', 'Spanish', 'German', 'Italian', 'Japanese', 'Portuguese', 'Dutch', 'Korean'];
export const PHRASES = ['good morning', 'where is the train station', 'thank you very much', 'how much does this cost',
  'the meeting is at noon', 'I would like a coffee', 'see you tomorrow', 'happy birthday', 'excuse me', 'the bill, please'];
export const UNITS: readonly (readonly [string, string])[] = [['miles', 'km'], ['kg', 'pounds'], ['celsius', 'fahrenheit'],
  ['inches', 'cm'], ['liters', 'gallons'], ['feet', 'meters'], ['ounces', 'grams'], ['mph', 'km/h']];
export const WORDS = ['ephemeral', 'ubiquitous', 'idempotent', 'serendipity', 'latency', 'heuristic', 'amortize',
  'orthogonal', 'pragmatic', 'canonical', 'entropy', 'throughput', 'quorum', 'backpressure', 'memoize', 'cardinality'];
export const TOPICS_SHORT = ['Docker', 'Kafka', 'GraphQL', 'Redis', 'Terraform', 'WebSockets', 'OAuth', 'gRPC',
  'Postgres', 'React hooks', 'Rust ownership', 'Go channels', 'TypeScript generics', 'CI pipelines', 'S3 buckets'];

/** Simple questions: templates whose slots are filled from the lists above. Ideal tier simple. */
export const SIMPLE_TEMPLATES: readonly string[] = [
  "What's the weather like in {city} today?",
  'What time is it in {city} right now?',
  'What is the capital of {country}?',
  "How do you say '{phrase}' in {lang}?",
  "Translate '{phrase}' to {lang}",
  'Convert {n} {unit} to {unit2}',
  'How many {unit2} is {n} {unit}?',
  'Define {word}',
  "What does '{word}' mean?",
  'Spell {word} for me',
  'Give me a synonym for {word}',
  'What is {n} times {m}?',
  'What is {n} percent of {m}?',
  'Is {country} in Europe?',
  'What currency does {country} use?',
  'What is the population of {city}?',
  'Remind me what {topic} is in one sentence',
  'Recommend a good book about {topic}',
  'What year was {topic} released?',
  'Is {topic} free to use?',
];

export const CODE_LANGS = ['Python', 'JavaScript', 'TypeScript', 'Go', 'Rust', 'Java', 'SQL', 'Bash', 'C#', 'Kotlin'];
export const SNIPPETS = [
  'def f(xs): return sorted(set(xs), key=xs.index)',
  'const debounce = (fn, ms) => { let t; return (...a) => { clearTimeout(t); t = setTimeout(() => fn(...a), ms); }; };',
  'SELECT user_id, count(*) FROM orders GROUP BY 1 HAVING count(*) > 5',
  'for f in *.log; do gzip "$f"; done',
  'func worker(jobs <-chan int, out chan<- int) { for j := range jobs { out <- j * 2 } }',
  'items.stream().filter(i -> i.active()).map(Item::name).collect(Collectors.toList())',
  'let v: Vec<_> = s.split_whitespace().rev().collect();',
  'useEffect(() => { const id = setInterval(tick, 1000); return () => clearInterval(id); }, []);',
  "awk -F, '{ s += $3 } END { print s / NR }' data.csv",
  'with open(p) as fh: rows = [json.loads(l) for l in fh if l.strip()]',
  'WITH t AS (SELECT *, row_number() OVER (PARTITION BY k ORDER BY ts DESC) rn FROM ev) SELECT * FROM t WHERE rn = 1',
  'export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));',
];
export const DOCS = ['meeting notes', 'support ticket thread', 'product spec', 'incident report', 'customer email',
  'quarterly update', 'pull request description', 'research abstract', 'sales call transcript', 'release notes'];
export const AUDIENCES = ['my manager', 'a customer', 'the team', 'a new hire', 'our landlord', 'a recruiter', 'the board'];
export const TONES = ['friendly', 'formal', 'concise', 'apologetic', 'upbeat'];
export const PAIRS: readonly (readonly [string, string])[] = [['Postgres', 'MySQL'], ['REST', 'GraphQL'],
  ['Kafka', 'RabbitMQ'], ['React', 'Vue'], ['threads', 'async IO'], ['Docker', 'a VM'], ['Redis', 'Memcached'],
  ['monorepo', 'polyrepo'], ['OAuth', 'API keys'], ['S3', 'EBS'], ['unit tests', 'integration tests']];

/** Medium tasks: code explanations, summaries, rewrites. Ideal tier medium. */
export const MEDIUM_TEMPLATES: readonly string[] = [
  'Explain what this {code} code from {path} does: {snippet}',
  'Can you explain this snippet from {path} line by line? {snippet}',
  'Find the bug in this {code} code ({ticket}): {snippet}',
  'Rewrite this to be more readable: {snippet}',
  'Summarize this {doc} ({file}) in {k} bullet points',
  'Give me a short summary of the attached {doc}, {file}',
  'Write a {tone} email to {audience} about {topic} ({ticket})',
  'Reply to this {doc} ({ticket}) in a {tone} tone',
  'What are the trade-offs between {a} and {b} for a small team?',
  'Compare {a} and {b} in a table',
  'Write a regex that matches {thing}',
  'Write unit tests for this function in {path}: {snippet}',
  'Convert this {code} snippet from {path} to {code2}: {snippet}',
  'Extract the action items from these {doc}: {file}',
  'Write a README section explaining how to configure {topic}',
  'Explain {topic} to a junior developer with an example',
];
export const REGEX_THINGS = ['UK postcodes', 'ISO dates', 'email addresses', 'semantic versions', 'hex colours',
  'IPv4 addresses', 'US phone numbers', 'UUIDs', 'URLs with a query string', 'Markdown links'];

/** Hard prompts: multi-step reasoning, long-form writing, proofs, system design. Ideal tier hard. */
export const HARD_TEMPLATES: readonly string[] = [
  'Design a {system} for {company} that handles {rps} requests per second: data model, sharding, caching, failure modes and a rollout plan',
  'Prove that {theorem}',
  'A warehouse ships {n} orders a day, {p}% need two trucks and each truck costs ${m}. Work out step by step how many trucks to lease if demand grows {g}% a month for a year, and justify the model.',
  'Write a {len}-word essay on {essay} for {venue}, with a clear argument and counter-arguments',
  'Plan the migration of a {size}-engineer team at {company} from {a} to {b}: phases, risks, rollback and a {weeks}-week schedule',
  'Debug this intermittent race condition from {ticket} and explain the fix: {snippet}',
  'Derive the time and space complexity of {algo}, then prove no comparison-based approach can do better',
  'Write a detailed technical design doc for the {system} at {company}, including API, storage schema and capacity estimates for {rps} rps',
  'Solve this step by step and check your answer: if {n} workers finish a job in {m} days, and {p} leave after {k} days, when is it done?',
  'Analyse the security of the {flow} in {ticket} and list every attack with mitigations',
  'Write a {len}-word short story about {story} with three distinct narrators, set in {city}',
  'Refactor {path} into a plugin architecture, explaining each step and the trade-offs: {snippet}',
];
export const COMPANIES = ['a fintech startup', 'an online grocer', 'a ticketing platform', 'a B2B SaaS',
  'a logistics company', 'a hospital network', 'a game studio', 'a news site', 'a university', 'a travel marketplace'];
export const VENUES = ['the company blog', 'a conference talk', 'an internal newsletter', 'a university course', 'a podcast script'];
export const SYSTEMS = ['URL shortener', 'rate limiter', 'chat service', 'payment ledger', 'feature flag service',
  'search autocomplete', 'log ingestion pipeline', 'notification service', 'ride-hailing dispatcher', 'multi-tenant job queue'];
export const THEOREMS = ['there are infinitely many primes', 'sqrt(2) is irrational',
  'every tree with n nodes has n-1 edges', 'the halting problem is undecidable',
  'the sum of the first n odd numbers is n^2', 'a graph is bipartite iff it has no odd cycle',
  'any comparison sort needs Omega(n log n) comparisons', 'the harmonic series diverges'];
export const ESSAYS = ['remote work and team culture', 'the ethics of AI in hiring', 'open source sustainability',
  'technical debt as a business decision', 'privacy in the age of LLMs', 'why software estimates fail'];
export const ALGOS = ['merge sort', 'Dijkstra with a binary heap', 'union-find with path compression',
  'the KMP string search', 'building a heap bottom-up', 'topological sort'];
export const FLOWS = ['OAuth implicit grant in a SPA', 'magic-link login via email', 'JWT stored in localStorage',
  'API key passed as a query parameter', 'session cookie without SameSite'];
export const STORIES = ['a lighthouse keeper who finds a radio', 'a city without clocks', 'the last human translator',
  'a robot learning to garden', 'two rival bakers in Lisbon'];

/** Nightly batch job on the self-hosted model: unpriced, unrouted. */
export const BATCH_TEMPLATES: readonly string[] = [
  'Classify the sentiment of this product review (positive/negative/neutral): review #{n}',
  'Extract the company name, amount and due date from invoice #{n} as JSON',
  'Tag support ticket #{n} with one of: billing, bug, feature, account',
  'Generate a one-line alt text for catalogue image #{n}',
];
