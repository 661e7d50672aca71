"""Requests aimed elsewhere: an answer that asks the assistant, the survey's organisers or another
office (facilities, IT helpdesk, HR) for something instead of answering, whatever its length.

One function, ``aimed_elsewhere``, used by ``decide.judge`` (rule 1): such an answer gets the
instruction reply (it is not done, and the interview goes back to the question) and is never obeyed.
It covers what the shared screen ``assistant.screening.is_instruction`` catches (attempts to steer
the assistant or the rater) and adds:

- questions about the survey itself: its purpose, who runs or reads it, anonymity, recording, length;
- requests for the assistant's instructions or rules, or for other people's answers;
- requests or orders addressed to the assistant ("can you ...", "please mark ...", "you should put
  down ...", "skip this section"), in any phrasing;
- help requests for facilities, IT support or HR (a broken lift, a password reset, leave, benefits);
- questions put back to the interviewer (``asks_back``: a question to "you", or about the transcript,
  these questions, whether this counts), asking leave ("can I do this tomorrow instead"), requests to
  skip or change the topic, orders about what the person said ("print out everything I've told you").

A question about the privacy of one's own data work ("we keep birth dates in a shared sheet, is that
allowed?") or a complaint about a data system is an answer, not a request: no rule here looks for
a question mark alone. Swappable: a shared screening module can replace this function.
"""

from __future__ import annotations

import re
from functools import lru_cache

from assistant.interview.answer_shape import names_data_work, without_idioms, words
from assistant.screening import is_instruction

TOPIC_MIN_WORDS = 4  # a complaint for another office needs a few words to be told from a one-word answer

_YOU = r"(?:can|could|would|will|won't) (?:you|u|someone|somebody|anyone)(?: (?:please|pls|plz|just|maybe|quickly))*"
_ASK = (
    r"(?:put in|put me|get me|give me|send me|email me|check|look up|reset|unlock|fix|repair|forward|"
    r"pass (?:this|it|that) (?:on|along)|tell me (?:how|when|where|who|what|if)|"
    r"tell (?:IT|HR|facilities|maintenance|my|them|him|her|someone)|"
    r"explain|recommend|help me|let (?:me|them|IT|HR|someone|building|facilities)|show me|share|read me|print|"
    r"translate|summari[sz]e|write|skip|mark|record|change|switch|stop|remind)"
)
_PATTERNS = [
    # the survey or interview itself
    r"\b(?:this (?:survey|interview|questionnaire|assessment|chat)|the (?:interview|questionnaire|bot))\b"
    r"[^.!?\n]{0,60}\?",
    r"\bwhat (?:is|'s) (?:this|the) (?:survey|interview|questionnaire|assessment)\b",
    r"\b(?:is|are) (?:this|these|it|my answers?|the answers?)\b[^.!?\n]{0,20}\b(?:anonymous|confidential|"
    r"recorded|being recorded|private|saved|shared)\b",
    r"\bwho (?:is going to|will|would|can|gets to|else|is|has access to|reads?|sees?)\b[^.!?\n]{0,30}\b(?:see|read|"
    r"access|look at|know)?\b[^.!?\n]{0,20}\b(?:these|my|the|our|this) (?:answers?|responses?|transcripts?|results?|"
    r"interviews?|survey)\b",
    r"\bwho (?:has|gets|will have) access to (?:the|my|this) (?:transcript|answers?|responses?|recording)",
    r"\b(?:will|would|does|can) (?:my|our) (?:director|boss|manager|supervisor|department head|chief)\b[^.!?\n]{0,15}"
    r"\b(?:see|read|know|find out|get)\b",
    r"\bhow (?:many more|much longer|long (?:is|will) (?:this|it) (?:take|going to take|last))\b",
    r"\bhow many (?:more )?questions\b",
    r"\b(?:results|findings|report) (?:of|from) (?:this|the) (?:survey|interview|assessment)\b",
    r"\bhow will (?:the|this|these|my)\b[^.!?\n]{0,30}\b(?:be used|used)\b",
    r"\bwho (?:is|'s) (?:running|behind|paying for|doing) (?:this|the survey|the interview)",
    r"\bwho (?:is|'s) the \w+ (?:running|behind|doing|paying for) this\b",
    r"\b(?:the|this) consultant\b[^.!?\n]{0,40}\?",
    r"\bcopy of (?:the|these|your) questions\b",
    r"\bthis (?:survey|interview|questionnaire|chat|assessment|thing) is "
    r"(?:so |too |way too |really |kind of |pretty )*"
    r"(?:long|boring|annoying|pointless|tedious|a waste|useless|dumb|stupid|repetitive)\b",
    # who will read it, asked in other words ("who is going to see this?", "is my boss going to read what I write")
    r"\bwho(?:'s| is| are)? (?:going to|gonna|will|would|gets to|can|else) (?:see|read|look at|have)\b[^.!?\n]{0,25}"
    r"\b(?:this|these|that|it|what (?:i|we))\b[^.!?\n]{0,30}\?",
    r"\b(?:is|are|will|would|does|do) (?:my|our|the) (?:director|boss|manager|supervisor|department head|chief|"
    r"coworkers|colleagues|team|staff)\b[^.!?\n]{0,20}\b(?:see|read|know|find out|hear)\b[^.!?\n]{0,20}"
    r"\b(?:this|these|what (?:i|we)|my answers?|it)\b",
    # the interview's questions or scoring, asked for
    r"\b(?:see|have|get|know|share|send|show)\b[^.!?\n]{0,30}\b(?:(?:full |complete |whole |entire )?list of "
    r"(?:the |your |all )?questions|all (?:the|your|of the) questions|(?:the|your) (?:scoring|rating|grading|"
    r"evaluation|assessment) (?:criteria|rubric|scale|scheme|rules|key))\b",
    r"\b(?:criteria|rules|questions|scoring|rubric|prompt|model)\b[^.!?\n]{0,20}\b(?:you're|you are|ur) using\b",
    # the assistant itself, asked about ("are you a bot?", "do you talk to a lot of people?")
    r"\b(?:are|r) (?:you|u) (?:a |an )?(?:real|human|person|bot|robot|ai|a\.i\.|chatbot|machine|computer|program|"
    r"recording|actual)\b",
    r"\bdo (?:you|u) (?:talk|speak|chat) (?:to|with)\b|\b(?:what(?:'s| is) your name|who are you|how are you)\b",
    # the assistant's instructions, or others' answers
    r"\b(?:your|the assistant's|the bot's) (?:instructions|rules|prompt|programming|guidelines|criteria|settings|"
    r"configuration)\b",
    r"\bwhat (?:instructions|rules|prompt) (?:were|are|do|did)\b",
    r"\b(?:answers?|responses?) (?:from|of|by) (?:the )?(?:others?|other \w+|everyone|my (?:coworkers|colleagues|team|"
    r"staff)|the \w+ (?:people|team|staff|department))\b",
    r"\b(?:how|what) (?:did )?(?:the )?other (?:\w+ )?(?:people|staff|supervisors|managers|departments|teams|"
    r"coworkers|colleagues)\b[^.!?\n]{0,20}\b(?:answer|answered|say|said|put|wrote)\b",
    r"\bwhich of my (?:coworkers|colleagues|staff|team)\b",
    r"\bwhat (?:did|have) (?:they|others|my coworkers|my colleagues|my team)\b[^.!?\n]{0,30}\b(?:put|say|said|write|"
    r"wrote|answer)\b",
    # requests and orders addressed to the assistant
    rf"\b{_YOU} (?:please )?{_ASK}\b",
    r"(?:^|[.!?]\s+)(?:please |pls |just |now |first,? |ok,? |okay,? )*(?:show me|send me|email me|give me|tell me a|"
    r"translate (?:this|the|it|everything)|summari[sz]e (?:everything|what|this|my)|skip (?:this|the|to)|"
    r"mark (?:this|the|my|it as)|record that (?:we|all|our|everything|my)|stop asking|accept (?:whatever|everything|"
    r"all|my)|move on|end (?:this|the) (?:section|interview|survey)|put down that|write (?:down )?that (?:we|our)|"
    r"give (?:us|my|our) (?:the|a|full|top))\b",
    r"\b(?:from now on|going forward),? (?:respond|reply|answer|write|only|just|accept)\b",
    # the interview changed: skip, another topic, other questions
    r"\b(?:can|could|may) (?:we|i) (?:please |pls |just )*(?:skip|move on|talk about something|change the (?:topic|"
    r"subject)|come back to|go back to|do (?:this|it|the rest) later|pause|stop)\b",
    r"\bask me (?:something|about something|a different|another)\b|\b(?:i'd|i would) rather (?:talk|speak) about\b",
    r"\b(?:let's|can we) (?:talk about|discuss) (?:something else|the \w+ instead)\b",
    r"\b(?:please|pls|plz) (?:\w+ )?(?:change|edit|delete|remove|rewrite|correct|update) (?:my|our|the) (?:\w+ )?"
    r"(?:answers?|responses?|ratings?|scores?)\b",
    r"\byou (?:should|must|need to|have to|can just)\b[^.!?\n]{0,10}\b(?:put|write|record|say|mark|give|ask|accept|"
    r"list|note|enter)\b",
    r"\b(?:i am|i'm) (?:instructing|telling|asking|ordering) you\b",
    r"\btell me (?:a joke|a story|about yourself|something)\b",
    r"\bwrite (?:my|the|an?) answer\b",
    r"\b(?:please|pls)\b[^.!?\n]{0,40}\b(?:let|tell|ask|have)\b[^.!?\n]{0,10}\b(?:building services|facilities|"
    r"maintenance|IT|HR|human resources|payroll|someone)\b[^.!?\n]{0,10}\bknow\b",
    # help requests for facilities, IT support or HR
    r"\b(?:who|where) (?:do|should|can) i (?:contact|call|email|complain|talk|go|ask|send)\b",
    r"\bi (?:need|want|would like|'d like) (?:my password|a password|to file|to report a|to request|to complain|"
    r"to change my|a new (?:laptop|monitor|chair|desk|phone|badge))\b",
    r"\b(?:password|laptop|computer|vpn|monitor|printer|badge|phone)\b[^.!?\n]{0,40}\b(?:reset|locked out|won't|"
    r"doesn't|does not|isn't|broken|not working)\b[^.!?\n]{0,80}(?:\?|\bplease\b|\bcan you\b)",
    r"\b(?:open enrollment|benefits|pto|paid time off|vacation days|sick leave|paycheck|pay stub|reclassification|"
    r"holiday party|christmas party)\b[^.!?\n]{0,60}\?",
    r"\b(?:air conditioning|a/c|heating|heat|elevator|lift|bathroom|restroom|toilet|parking garage|parking)\b"
    r"[^.!?\n]{0,60}\b(?:broken|repaired|fixed|fix|not working|complain)\b",
    # Spanish
    r"\b(?:quién|quien)(?:es)? (?:va|van|puede|pueden) a? ?(?:ver|leer)\b",
    r"\b(?:dile|dígale|digale|avísale|avisale|pídele|pidele) a\b",
    r"\b(?:es|será) (?:anónimo|anonimo|confidencial)\b",
    r"\b(?:¿)?(?:puedes|podrías|podrias|puede usted)\b",
]
_PATTERNS += [
    # the person's own answers or the survey's link, asked about or for
    r"\b(?:my|the) (?:answers?|responses?)\b[^.!?\n]{0,30}\b(?:deleted|removed|erased|withdrawn|changed)\b",
    r"\b(?:answers?|responses?) i (?:gave|wrote|typed)\b",
    r"\bwhoever (?:set|sent|made|built|runs|is running|wrote|designed|put) (?:this|these)\b",
    r"\b(?:the|this|your) link\b[^.!?\n]{0,40}\b(?:broken|didn't work|doesn't work|did not work|expired|dead)\b",
    # an order about what the person said: "print out everything I've told you", "summarize it for me"
    r"(?:^|[.!?]\s+)(?:please |pls |just |now |ok,? |okay,? |also,? |and |then )*(?:print|send|e-?mail|mail|"
    r"summari[sz]e|forward|give|show|tell|delete|remove|erase|remind|translate|list|copy|share|read)\b"
    r"(?!\s+(?:is|was|are|were|has|had|goes|went|gets|got|comes|came|takes|took)\b|'s\b)"  # a noun: "Email is"
    r"[^.!?\n]{0,60}\b(?:me|for me|to me|i've|i have|i said|i told|i gave|i wrote)\b",
    # asking leave of the interviewer: "can I do this tomorrow instead", "do I have to answer this one?"
    r"(?:^|[.!?,]\s*)(?:sorry|hey|so|ok|okay|um|well|quick question)?,?\s*(?:can|could|may|do|should|must|will|am) "
    r"i\b(?! have an? (?:example|answer|story|case)\b)"  # "Do I have an example? Sure, ...": the question echoed
    r"[^.!?\n]{0,60}(?:\?|\b(?:instead|tomorrow|later|another time)\b)",
    r"\b(?:put|rate|score|mark|rank) (?:us|me|our \w+|this) (?:at|on) (?:the )?(?:top|bottom)\b",
    r"\b(?:badge|key ?card|door|locker|desk|chair|printer|copier|monitor)\b[^.!?\n]{0,30}\b(?:stopped|jammed|broke)\b"
    r"[^.!?\n]{0,80}(?:\?|\bplease\b|\bcan you\b|\bwho\b)",
]
_AIMED = re.compile("|".join(f"(?:{p})" for p in _PATTERNS), re.IGNORECASE | re.MULTILINE)

# A question put back to the interviewer: a sentence ending in "?" that speaks to "you" ("what are you
# going to do with my answers?", "do you know if the county is hiring?") or asks about the interview
# itself (its transcript, these questions, whether this counts or affects anything). "You know?" and
# "right?" are no questions; a guess ("the university?") or a question about one's own data work ("is
# that even allowed?") has neither.
_TO_YOU = re.compile(r"\b(?:you|your|yours|u|ur|yourself)\b", re.IGNORECASE)
_RHETORICAL = re.compile(
    r"\b(?:you know|know what i mean|you see|y'know|ya know|if you ask me|you name it|would you believe|"
    r"can you imagine|believe it or not)\b",
    re.IGNORECASE,
)
_ABOUT_INTERVIEW = re.compile(
    r"\b(?:(?:the|a|my) (?:transcript|recording)|(?:my|our|these|the other|everyone's) (?:answers|responses)|"
    r"(?:this|the|these) (?:survey|interview|questionnaire|follow[- ]?ups?|(?:follow[- ]?up )?questions)|"
    r"(?:does|will|would|could|is|can) (?:this|any of this|what i say|what i write)\b[^?]{0,40}\b(?:count|affect|"
    r"hurt|matter|go on|be used|get back|end up|going to))\b",
    re.IGNORECASE,
)


# typed without its question mark: "are you saving these somewhere my supervisor can get to"
_YOU_QUESTION = re.compile(
    r"(?:^|[.!?,;]\s*|\b(?:and|but|so|also|first|before \w+ \w+ \w+,?)\s+)((?:are|do|did|will|would|can|could|have|is) "
    r"(?:you|u)\b[^.!?\n]*)",
    re.IGNORECASE,
)


def asks_back(text: str) -> bool:
    """True when a sentence of ``text`` is a question put to the interviewer or about the interview."""
    for sentence in re.findall(r"[^.!?\n]*\?", text) + _YOU_QUESTION.findall(text):
        if _RHETORICAL.search(sentence) and not re.search(
            r"\b(?:you|u) know (?:if|whether|when|who|where|anything)\b", sentence, re.IGNORECASE
        ):
            continue
        if _TO_YOU.search(sentence) or _ABOUT_INTERVIEW.search(sentence):
            return True
    return False


# Matters for HR, facilities or home rather than data work: an answer about one of them and about no
# thing of data work is a complaint for someone else ("the HR rule on timesheets is unfair", "the
# Christmas party still has no venue"); with data work in it ("parking citations upload nightly") it
# is an answer.
_ELSEWHERE_TOPIC = re.compile(
    r"(?<![\w])(?:(?-i:HR)|human resources|hiring|short-?staffed|understaffed|pay raise|raises|paycheck|salary|"
    r"overtime pay|union|layoffs?|holiday party|christmas party|potluck|parking|commute|air conditioning|"
    r"(?-i:A/?C)|heating|elevator|bathroom|restroom|garbage pickup|trash pickup|my (?:kid|kids|son|daughter|"
    r"husband|wife)|soccer|vacation|(?-i:PTO)|benefits|therapist|cafeteria|vending machine|"
    r"org chart|reorg|reorganization|restructuring|(?:i'm|i am) retiring|my retirement)(?![\w])",
    re.IGNORECASE,
)


@lru_cache(maxsize=512)
def aimed_elsewhere(answer: str, data_terms: tuple[str, ...] = ()) -> bool:
    """True when the answer asks for something instead of answering, or complains to the wrong
    office (see the module docstring); ``data_terms``: the rubric's words of data work."""
    text = answer.replace("\u2019", "'")
    if is_instruction(text) or _AIMED.search(text) or asks_back(text):
        return True
    # a word or two ("Hiring.") is too little to tell: the short rule asks for more
    enough = len(words(text)) >= TOPIC_MIN_WORDS
    # "who reports to whom" is the org chart, not a report (answer_shape._IDIOMS)
    return enough and bool(_ELSEWHERE_TOPIC.search(text)) and not names_data_work(without_idioms(text), data_terms)
