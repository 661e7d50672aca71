"""prompts/rate_component.schema.json is the schema the LLM port sends for a rating proposal.

Readers (and prompt reviewers) read the file; the port sends ``output_schema(LLMRating)``. They
must be the same object, or a reader is shown a contract the model is never held to.
"""

from __future__ import annotations

import json

from assistant.llm import output_schema
from assistant.llm.prompts import PROMPTS_DIR, load_prompt
from assistant.rating.propose import PROMPT
from assistant.rating.schema import LLMRating

REGENERATE = (
    "prompts/rate_component.schema.json no longer matches assistant/rating/schema.py LLMRating; regenerate it with\n"
    "  python -c 'import json; from assistant.llm import output_schema; from assistant.rating.schema import LLMRating; "
    "print(json.dumps(output_schema(LLMRating)[0], indent=2))' > prompts/rate_component.schema.json"
)


def test_the_schema_file_beside_the_rating_prompt_is_the_schema_the_port_sends():
    sent, strict = output_schema(LLMRating)
    assert load_prompt(PROMPT).schema == sent, REGENERATE
    assert strict  # every field required: OpenAI strict mode holds the model to it


def test_the_schema_file_is_written_as_the_regenerate_command_writes_it():
    # byte-for-byte, so regenerating never shows up as an unrelated diff in review
    path = PROMPTS_DIR / f"{PROMPT}.schema.json"
    assert path.read_text(encoding="utf-8") == json.dumps(output_schema(LLMRating)[0], indent=2) + "\n", REGENERATE
