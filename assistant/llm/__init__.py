"""The LLM port (layer 1): ``client`` (``LLMClient``: schema + data validation, retries with the
errors, the ``LLMCall`` log, a cache), ``replies`` (the checks on what a model replied), ``prompts``
(the prompt files in the repository's ``prompts/``) and ``log`` (reading the ``LLMCall`` log).

The client's public names (and ``output_schema``, the schema it sends) are re-exported here, so
``from assistant.llm import LLMClient`` works."""

from assistant.llm.client import LLMClient, LLMFailed, get_llm, request_hash
from assistant.llm.replies import output_schema

__all__ = ["LLMClient", "LLMFailed", "get_llm", "output_schema", "request_hash"]
