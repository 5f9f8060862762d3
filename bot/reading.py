"""Reading a post: what a pasted message actually asks, before anything is searched.

People paste whole posts: a tag ("[Question]"), some context, a log or a config, then the
question, and sometimes a second question. Searched whole, the context and the log drown the
question. :func:`read_post` reduces a post to

- ``focus``: the sentences that ask something (with the sentence before one that leans on it:
  "Is this normal?"), which is what retrieval searches;
- ``parts``: the questions one by one (at most :data:`MAX_PARTS`), so a post that asks two things
  can get two answers;
- ``prose``: every sentence kept, the post read whole, for a question that leans on context it
  does not repeat ("How and why is there a reduction?" after two sentences about 4-bit files);
- ``facts``: the statements that carry numbers ("I have 8 GB", "trained on 14.8T tokens"), which a
  calculation needs even when the question sentence does not repeat them.

Code blocks, tracebacks, log lines, tables, URLs, Markdown markup, greetings, thanks and
signatures are dropped; inline code keeps its identifier (`lm_head` -> lm_head). Pure Python and
regular expressions only: it runs on every one-shot answer.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from bot.errors import InputError
from bot.lexical import STOPWORDS, words
from bot.text import clean

#: A post longer than this is refused (logs and configs fit well within it).
MAX_POST_CHARS = 20_000
#: A post asks at most this many separate things that get their own answer.
MAX_PARTS = 3
#: What retrieval searches at most: the model reads ~256 word pieces anyway.
MAX_FOCUS_CHARS = 1_000

QuestionKind = Literal["definition", "yes_no", "why", "how", "comparison", "numeric", "usage", "other"]


@dataclass(frozen=True)
class Part:
    """One thing the post asks."""

    text: str
    kind: QuestionKind
    #: The question with the statement just before it ("... quantised to 4 bits is 4.56B. How and why
    #: is there a reduction?"): searched too, for a question that names less than its context does.
    context: str = ""


@dataclass(frozen=True)
class Post:
    """A post reduced to what it asks (see the module docstring)."""

    text: str  # the whole post, cleaned to one line
    focus: str  # what to search: the asking sentences (the whole cleaned post if none ask)
    parts: tuple[Part, ...]  # the questions one by one, in the post's order (at least one)
    facts: str  # sentences with numbers that are not questions, for the calculator
    prose: str = ""  # every sentence kept, questions and context: the post read whole
    stated: bool = False  # no sentence asks: a problem described ("it needs 20 GB though only 3B are active")
    opening: str = ""  # the first sentence, often the thread's title ("Question about RAG examples:")

    @property
    def kind(self) -> QuestionKind:
        return self.parts[0].kind

    @property
    def queries(self) -> list[str]:
        """What retrieval searches for this post: the focus, each part that differs from it, and
        the post read whole (a question can lean on context it does not repeat)."""
        return list(dict.fromkeys([self.focus, *(p.text for p in self.parts), *(p.context for p in self.parts if p.context),
                                   *([self.prose] if self.prose else [])]))

    @property
    def numeric_text(self) -> str:
        """The focus with the number-bearing facts it may depend on: what the calculator reads."""
        return f"{self.facts} {self.focus}".strip() if self.facts else self.focus


# --- cleaning ----------------------------------------------------------------------------------

_FENCE = re.compile(r"^[ \t]{0,3}(`{3,20}|~{3,20})[^\n]*\n.*?(?:^[ \t]{0,3}\1[ \t]*$|\Z)", re.M | re.S)
_HTML = re.compile(r"<!--.*?-->|</?[a-zA-Z][^>\n]{0,200}>", re.S)
_LINK = re.compile(r"!?\[([^\]\n]{0,500})\]\([^)\n]{0,2000}\)")  # bounded: "[" * 20,000 must not backtrack
_URL = re.compile(r"\bhttps?://\S+|\bwww\.\S+")
_INLINE_CODE = re.compile(r"`{1,3}([^`\n]{1,200})`{1,3}")  # bounded runs: "`" * 20,000 must not backtrack
_TAG = re.compile(r"^\s*(?:\[[^\]\n]{1,40}\]\s*:?\s*)+")
_TRAILING_TAG = re.compile(r"\s*[\[(](?:closed|duplicate|solved|resolved|answered|on hold|migrated)[\])]\s*$", re.I)
_EMPHASIS = re.compile(r"(\*\*|__|(?<!\w)\*(?!\s)|(?<!\w)_(?!\s))")

#: Lines that are output, not prose: tracebacks, log records, prompts, tables, config.
_NOISE_LINE = re.compile(
    r"""^\s*(?:
        traceback\ \(most\ recent\ call\ last\)
      | file\ ".*",\ line\ \d+
      | \w+(?:\.\w+)*(?:error|exception|warning):\s        # ValueError: ..., torch.OutOfMemoryError: ...
      | (?:\d{4}-\d\d-\d\d|\d\d:\d\d:\d\d)                   # timestamps
      | \[?(?:info|debug|warn|warning|error|critical|trace)\]?[\s:|]
      | \$\ \S                                              # shell prompts ($ pip install ...)
      | (?:>>>|\.\.\.)\ 
      | \|.*\|\s*$                                           # table rows
      | [-|:\s]{3,}$                                         # table rules, separators
      | [{}\[\]],?\s*$                                       # JSON brackets
      | "[\w.-]+"\s*:\s*.+,?\s*$                             # "key": value
      | \w+\s*=\s*\S+\s*$                                    # key=value (config, env)
      | at\ [\w.$<>]+\(.*\)\s*$                              # stack frames
      | [^|]*\d{1,3}%\s*\|[^|]*\|\s*\d+/\d+                      # progress bars (tqdm)
      | (?:@[\w-]+[\s,]*)+$                                   # @mentions of maintainers
      | [-*+]\s*\[[xX\ ]\]\s                                  # an issue form's checkboxes
      | _?no\ response_?\s*$                                   # an issue form's empty field
      | [-*+]?\s*`?[\w\ .()/?+-]{0,40}?\b(?:version|platform|python|pytorch|torch|transformers|cuda|cudnn|os
          |operating\ system|driver|accelerate|peft|vllm|bitsandbytes|deepspeed)\b[\w\ .()/?+`-]{0,30}:\s*
          `?v?[\w.+/-]+`?(?:\s*\([^)]*\))?\s*$                     # environment: "- Python version: 3.10.13"
    )""", re.I | re.X)
#: Whole sentences that ask nothing: greetings, thanks, sign-offs.
_SOCIAL = re.compile(
    r"^(?:hi|hello|hey|dear \w+|greetings|good (?:morning|afternoon|evening)|thanks?|thank you|thx|ty|"
    r"cheers|regards|best(?: regards| wishes)?|kind regards|sincerely|much appreciated|appreciate (?:it|any)|"
    r"i appreciate|any help|any (?:advice|suggestions?|pointers?|guidance)(?: would be| is)? (?:appreciated|welcome)|"
    r"help (?:me )?please|please help|edit|update|tl;?dr|sorry for|apologies|"
    r"(?:great|nice|amazing|awesome|excellent|impressive|fantastic) (?:work|job|repo|project|paper|model)s?)\b[^?]*$", re.I)

#: What opens a sentence that goes on to say something: "Hi all, I am fine-tuning ...", "Thanks for the
#: great work! ...", "Edit: the file is 26 GB". The opener goes; the rest of the sentence stays.
_OPENER = re.compile(
    r"^(?:(?:hi|hello|hey|dear|greetings|good (?:morning|afternoon|evening))(?:\s+(?:all|everyone|everybody|there|guys|"
    r"folks|team|friends|@?[\w-]+))?\s*[,!:.]+|(?:thanks?|thank you)(?: (?:so |very )?much)?(?: for [^,.!?]{0,60})?"
    r"\s*[,!.]+|(?:edit|update|tl;?dr)\s*\d*\s*[:\-]+|(?:a |one )?(?:quick|small|simple|short|noob|newbie|dumb|stupid|"
    r"silly|basic) question\s*[:,\-]+)\s*(?=\S)", re.I)


def _unsocial(sentence: str) -> str:
    """The sentence without its greeting, thanks or "Edit:" label (see _OPENER), when more follows."""
    rest = _OPENER.sub("", sentence, count=1)
    return rest[:1].upper() + rest[1:] if rest != sentence and re.search(r"[^\W\d_]{2}", rest) else sentence


#: The headings of issue templates ("### What is the issue?", "当前行为 | Current Behavior"): the form's
#: words, not the asker's, wherever they stand in a post pasted onto one line.
_FORM_LABEL = (r"(?:what is the issue|what happened|current behaviou?r|expected behaviou?r|steps to reproduce|"
               r"describe the bug|additional context|anything else|relevant log output|system info|environment|"
               r"reproduction|motivation|your contribution|is there an existing issue for this|os|gpu|cpu|"
               r"(?:ollama|python|pytorch|transformers|cuda) version|describe the question|feature request|"
               r"is your (?:feature request|question|issue) related to a problem(?:\??\s*please describe)?|"
               r"describe the solution you'?d like|describe alternatives you'?ve considered|who can help|"
               r"information|tasks|system information|your current environment|"
               r"how would you like to use \w+|before submitting a new issue\.*|name and version|operating systems?|"
               r"which [\w.]+ modules do you know to be affected|command line|first bad commit|"
               r"problem description(?: & steps to reproduce)?|"
               r"is there an existing (?:issue|answer)(?: / discussion)? for this(?: in faq)?|"
               r"i have searched (?:the )?(?:existing issues(?: / discussions)?|faq))")
_FORM = re.compile(r"#{1,6}[^\n|#]{1,60}\|\s*" + _FORM_LABEL + r"\s*[?:]?"  # "### 当前行为 | Current Behavior"
                   r"|#{1,6}\s*" + _FORM_LABEL + r"\s*[?:]?(?=\s*(?:$|#|[\u3000-\u9fff]|(?-i:[A-Z])))"
                   r"|\*\*\s*" + _FORM_LABEL + r"\s*[?:.]?\s*\*\*"
                   r"|(?:[\u4e00-\u9fff]{2,8}\s*\|\s*)" + _FORM_LABEL + r"\b\s*[?:]?"
                   r"|\b" + _FORM_LABEL + r"\s*\|\s*[\u4e00-\u9fff]{2,8}\s*[?:？：]?", re.I | re.M)
# (a "### What happened to the weights?" heading is the asker's question, not the form's)


def _clean(post: str) -> str:
    """The post's prose: code, output, markup and links removed; line structure kept."""
    text = clean(post).replace("\u2019", "'")
    text = _FENCE.sub("\n", text)
    text = _FORM.sub("\n", text)
    text = _HTML.sub(" ", text)
    text = _LINK.sub(r"\1", text)
    text = _URL.sub(" ", text)
    lines = []
    for line in text.split("\n"):
        if re.match(r"^(?: {4}|\t)", line) and lines and not lines[-1].strip():
            continue  # an indented code block (after a blank line)
        stripped = re.sub(r"[ \t\u00a0\u3000]{2,}", " ", line.strip())  # long runs of spaces make the
        if not stripped:                                                 # sentence patterns backtrack
            lines.append("")
            continue
        if _NOISE_LINE.match(stripped) and not stripped.endswith("?"):
            continue
        stripped = re.sub(r"^(?:#{1,6}\s+|>\s*|[-*+]\s+|\d+[.)]\s+)", "", stripped)  # headings, quotes, bullets
        lines.append(stripped)
    text = "\n".join(lines)
    text = _INLINE_CODE.sub(r"\1", text)
    text = _EMPHASIS.sub("", text)
    return text


# --- sentences and questions -------------------------------------------------------------------

_SENTENCE_END = re.compile(r"(?<=[.?!？。！])[\"')\]]*\s+|(?<=[？。！])|\s+\.{3,}\s*|…\s*|\n\s*\n|\n(?=\s*\S)")
_ASKING_START = re.compile(
    r"^(?:so|but|and|also|then|now|ok(?:ay)?|well|or|i mean|basically|in short|question|q)?[,:]?\s*"
    r"(?:what|what's|whats|why|how|when(?!\s+(?:i|we|you|it|my|the|a|an|using|running|loading|trying)\b)|where|which|who|whom|whose|is|are|am|was|were|do|does|did|can|could|"
    r"should|would|will|shall|may|might|must|has|have|had|isn't|aren't|wasn't|doesn't|don't|didn't|can't|cannot|"
    r"couldn't|shouldn't|wouldn't|won't|any idea|anyone know|does anyone|is there|are there)\b", re.I)
#: A short lead-in before the question word: "For Gemma 3, which one ...", "In LoRA, why ...".
_LEAD_IN = r"^(?:[^,?.;:]{1,40},\s*)"
_LED_QUESTION = re.compile(_LEAD_IN + r"(?:what|what's|whats|why|how|which (?:one|of|is|model|size|would|should)|"
                           r"is|are|does|do|did|can|could|should|would|will)\b", re.I)  # not "X, which has..."
_ASKING_PHRASE = re.compile(
    r"\b(?:i(?:\s+am|'m)?\s+(?:wonder(?:ing)?|curious|confused|not sure|unsure|puzzled)|i don'?t (?:understand|get|know)|"
    r"i do not (?:understand|get|know)|i can'?t (?:understand|figure)|(?:please |can you |could you )?explain|"
    r"tell me|help me understand|want(?:ed)? to (?:know|understand|ask)|(?:would|'d) like to (?:know|understand|ask)|like to know|"
    r"my question is|"
    r"is (?:this|that|it) (?:normal|expected|correct|right|true)|am i (?:missing|wrong|right)|"
    r"what (?:is|are) the (?:difference|reason)|the reason (?:for|behind|why)|show me|"
    r"吗|呢|什么|多少|怎么|为什么|是否|如何|哪)", re.I)
#: A question that leans on what came before it: "Is this normal?", "Why is that?".
_LEANING = re.compile(r"\b(?:this|that|these|those|it|they|such|so many|so much|the difference|above|here)\b", re.I)


#: A title pasted before its post on one line ("How to load only some experts from a MoE model: Recently,
#: ..."): a short question-like phrase, a colon, then a capitalised sentence.
_TITLE = re.compile(r"^((?:how|what|why|which|when|where|is|are|does|do|can)\b[^.?!:\n]{3,80}?):\s+(?=(?-i:[A-Z]))",
                    re.I)


def _sentences(text: str) -> list[str]:
    text = _TITLE.sub(r"\1?\n", text.lstrip(), count=1)
    parts = (" ".join(s.split()) for s in _SENTENCE_END.split(text))
    return [s for s in parts if re.search(r"[^\W\d_]", s)]


def _thin(sentence: str) -> bool:
    """Whether a sentence names too little to be searched alone ("Am I missing something?")."""
    return len([w for w in words(sentence) if w not in STOPWORDS and len(w) > 2]) <= 2


def asks(sentence: str) -> bool:
    """Whether a sentence asks something (a question mark, a question word, "I wonder...")."""
    return sentence.rstrip().endswith(("?", "？")) or bool(_ASKING_START.match(sentence)) \
        or bool(_LED_QUESTION.match(sentence)) or bool(_ASKING_PHRASE.search(sentence))


_NUMERIC = re.compile(
    r"\bhow (?:many|much|big|large|long|fast)\b|\bcalculate\b|\bcompute\b(?! (?:budget|optimal))|\bestimate\b|"
    r"\bwork out\b|\benough\b|\bfit\b|\bcan (?:i|we|you) run\b|多少|几", re.I)
_COMPARISON = re.compile(r"\bdifference\b|\bdiffer\b|\bcompared?\b|\bvs\.?\b|\bversus\b|\bbetter\b|\bworse\b|"
                         r"\bor\b.*\?$|区别", re.I)


#: How to operate a tool ("how do I set top_p in ...", "怎么设置温度"): a manual's question, not one
#: about what parameters are, so paramsbot declines it (the part is not searched).
_USAGE = re.compile(
    r"\bhow (?:do (?:i|we|you) |to |can (?:i|we|you) |should (?:i|we) |would (?:i|we) |does one )?"
    r"(?:set|configure|pass|specify|enable|disable|adjust|turn (?:on|off)|install|import|call|invoke|"
    r"override|use (?:both|two|multiple|several|all|more) (?:of )?(?:my |the )?gpus)\b|"
    r"\bwhere (?:do|can|should) (?:i|we|you) (?:set|configure|pass|specify|put)\b|"
    r"(?:怎么|如何|怎样)(?:设置|配置|安装|调用|传入|修改|改变|调整)", re.I)


#: "How to set X" asked for a goal or a value ("to improve quality", "what value is best", "取多少") asks
#: what the setting does and which value suits, which the KB answers; without one it asks for a manual.
_VALUE_CHOICE = re.compile(
    r"\b(?:to (?:improve|get better|get more|make (?:it|the \w+) (?:more|less)|reduce|avoid)|for (?:better|best|more|less)|"
    r"best|optimal|recommended|ideal|(?:what|which|good) values?)\b|提高|质量|取多少|多少合适|推荐", re.I)


#: A request to explain ("Can somebody explain sampling temperature?", "Please explain why..."): the
#: question is what follows it, and a bare topic after it asks what that is.
_REQUEST = re.compile(r"^(?:(?:can|could|would|will) (?:some(?:one|body)|any(?:one|body)|you) (?:please )?|please )?"
                      r"(?:explain|clarify|describe|tell me|help me understand)(?: (?:to me|me))?\s+", re.I)


def kind_of(sentence: str) -> QuestionKind:
    """What sort of answer a question wants."""
    lowered = sentence.lower().strip()
    asked = _REQUEST.sub("", lowered, count=1)
    if asked != lowered:
        if re.match(r"(?:why|how|what|which|whether|if)\b", asked):
            return kind_of(asked)
        return "comparison" if _COMPARISON.search(asked) else "definition"
    lowered = re.sub(_LEAD_IN + r"(?=(?:what|what's|whats|why|how|which|who|is|are|does|do|can|should)\b)", "",
                     lowered)  # "for gemma 3, which one ..." is read from "which"
    if _USAGE.search(lowered) and not _VALUE_CHOICE.search(lowered):
        return "usage"
    if _COMPARISON.search(lowered) and not lowered.startswith("why"):
        return "comparison"
    if _NUMERIC.search(lowered) and re.search(r"\d", lowered):
        return "numeric"
    if re.match(r"^(?:\w+,?\s+)?(?:why|how come|(?:is|was) there (?:a|any) (?:\w+ )?reason)\b", lowered) or \
            "为什么" in lowered:
        return "why"
    if re.match(r"^(?:\w+,?\s+)?how\b", lowered) or "如何" in lowered or "怎么" in lowered:
        return "numeric" if _NUMERIC.search(lowered) else "how"
    if re.match(r"^(?:\w+,?\s+)?(?:what|what's|whats|which|who)\b", lowered) or "什么" in lowered:
        return "definition"
    if re.match(r"^(?:\w+,?\s+)?(?:is|are|am|was|were|do|does|did|can|could|should|would|will|has|have|had|"
                r"isn't|aren't|doesn't|don't|didn't|can't|shouldn't|wouldn't|won't)\b", lowered) or "吗" in lowered:
        return "yes_no"
    return "other"


def read_post(post: object) -> Post:
    """A post reduced to what it asks. Raises InputError for text that is empty or too long."""
    if not isinstance(post, str):
        raise InputError("the question must be text")
    if len(post) > MAX_POST_CHARS:
        raise InputError(f"the question is too long ({len(post):,} characters; the limit is {MAX_POST_CHARS:,})")
    whole = " ".join(clean(post).split())
    if not whole:
        raise InputError("the question is empty")
    prose = _clean(post)
    sentences = [_TRAILING_TAG.sub("", _TAG.sub("", s)).strip() for s in _sentences(prose)]
    sentences = [s for s in (_unsocial(s) for s in sentences) if s and not _SOCIAL.match(s)]
    if not sentences:
        sentences = [" ".join(_TAG.sub("", whole).split()) or whole]
    asking = [i for i, s in enumerate(sentences) if asks(s)]
    kinds = {i: kind_of(sentences[i]) for i in asking}
    sentences = [_unframed(s) for s in sentences]
    if not asking:  # a statement of a problem ("generation is slow on CPU"): the whole of it is asked
        focus = _limit(" ".join(sentences))
        return Post(text=whole, focus=focus, parts=(Part(focus, kind_of(focus)),), facts="", stated=True,
                    opening=sentences[0])
    parts: list[Part] = []
    used = set(asking)
    for i in asking:
        sentence = sentences[i]
        leans = i > 0 and (i - 1) not in asking and (_thin(sentence) or bool(_LEANING.search(sentence)))
        text = f"{sentences[i - 1]} {sentence}" if leans else sentence
        used |= {i - 1} if leans else set()
        parts.append(Part(text, kinds[i], "" if leans else _with_context(sentences, i, asking)))
    focus = _limit(" ".join(dict.fromkeys(p.text for p in parts)))
    prose = _limit(" ".join(sentences))
    facts = " ".join(s for i, s in enumerate(sentences)
                     if i not in used and _FACT.search(s) and not _VERSIONS.fullmatch(s))
    return Post(text=whole, focus=focus, parts=tuple(_merge(parts)), facts=_limit(facts), prose=prose,
                opening=sentences[0])


#: Words that frame a question without adding to it ("Could you please share the reason behind...",
#: "I noticed that...", "I was wondering why..."): they only dilute what the question is matched on.
_FRAMES = [(re.compile(p, re.I), r) for p, r in (
    (r"\b(?:could|can|would|will) (?:you|someone|somebody|anyone|anybody) (?:please |kindly )?"
     r"(?:share|tell (?:me|us)|explain(?: to me)?|clarify|help me understand|let me know)(?: with me)?\s*", ""),
    (r"^(?:please |kindly )?(?:explain|clarify)(?: to me)?\s+(?=\S)", ""),
    (r"\bi(?:'m| am| was)? (?:just )?(?:wondering|curious)(?: to know)?(?: about)?\s*", ""),
    (r"^(?:i|we) (?:noticed|notice|see|saw|found|observed|realised|realized)(?: that)?\s+", ""),
    (r"\b(?:i|we) (?:would|'d) like to (?:ask|know)(?: about)?\s*|\b(?:i|we) want(?:ed)? to (?:ask|know)(?: about)?\s*|"
     r"\bmy question is(?: that)?:?\s*", ""),
    (r"\b(?:what is |what's )?the reason (?:behind|for) ", "why "),
    (r"^(?:is|was) there (?:a|any) (?:good |particular |specific |technical )?reason (?:that |why |for )?", "why "),
    (r"^(?:however|specifically|also|additionally|besides|moreover|furthermore|basically|actually|anyway),?\s+", ""),
)]


def _unframed(sentence: str) -> str:
    """The sentence without the words that frame it (see _FRAMES); the sentence itself if nothing is left."""
    text = sentence
    for pattern, replacement in _FRAMES:
        text = pattern.sub(replacement, text)
    if text == sentence:
        return sentence
    text = " ".join(text.split())
    return text[:1].upper() + text[1:] if re.search(r"[^\W\d_]{3}", text) else sentence


#: A line of an issue's environment section ("- transformers 4.40", "OS: Ubuntu 20.04 Python: 3.10"):
#: software versions, never numbers the calculator should read.
_SOFTWARE = (r"(?:os|python|py|pytorch|torch|transformers|cuda|cudnn|nvidia driver|driver|platform|peft|accelerate|"
             r"vllm|bitsandbytes|deepspeed|ubuntu|debian|centos|windows|macos|linux|ollama|llama\.cpp|flash[- ]?attn|"
             r"xformers|trl|version|versions|system)")
_VERSIONS = re.compile(r"(?:[-*•]\s*)?(?:" + _SOFTWARE + r"\b[\s:=]*(?:v?\d+(?:\.\d+)*[\w.+-]*)?[\s,;]*)+", re.I)

#: A statement the calculator may need: a number, or a number format ("w/o quantization", "in bf16").
_FACT = re.compile(r"\d|quanti[sz]|量化|精度|\bprecision\b|\bfloat\b|\bhalf\b", re.I)


def _with_context(sentences: list[str], i: int, asking: list[int]) -> str:
    """The question with the statement before it; "" when that asks something too or there is none.
    (The statement after a question was tried as well and matched worse: it is usually detail.)"""
    if i > 0 and (i - 1) not in asking:
        return f"{sentences[i - 1]} {sentences[i]}"
    return ""


def _merge(parts: list[Part]) -> list[Part]:
    """At most MAX_PARTS parts: the first ones, the rest folded into the last kept."""
    if len(parts) <= MAX_PARTS:
        return parts
    kept = parts[:MAX_PARTS - 1]
    rest = parts[MAX_PARTS - 1:]
    return [*kept, Part(_limit(" ".join(p.text for p in rest)), rest[0].kind, rest[0].context)]


def _limit(text: str, limit: int = MAX_FOCUS_CHARS) -> str:
    if len(text) <= limit:
        return text
    cut = text[:limit]
    return cut[:cut.rfind(" ")] if " " in cut else cut
